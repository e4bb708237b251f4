package store

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/cosmos/iavl/fastnode"
)

// Saving a version off the block's thread.
//
// iavl's SaveVersion writes a block's new nodes (and its fast index) to
// LevelDB: at a million members about a quarter of the block's thread's
// time under an import (docs/performance.md). Nothing the next block
// computes depends on those writes being on disk, only on the values they
// hold, and those are known when Commit is called: the block's writes,
// kept in key order while the block ran. So Commit hands SaveVersion to a
// goroutine and returns, and until it is done every read of the latest
// version is answered from the block's writes laid over iavl's fast index
// (the latest value of every key, one LevelDB read):
//
//   - a key the block wrote is answered from its writes;
//   - any other key has the same value in the version before and in this
//     one, so the fast index answers it whether SaveVersion has rewritten
//     that part of the index yet or not.
//
// That holds until the next version's SaveVersion starts rewriting the
// index. The next block does not reach the tree before the save is done
// (WorkingHash and Commit wait for it), and a View, which may outlive its
// version, reads the index only while its version is the index's newest
// (fastMu orders that check against the start of the next save), else it
// reads the committed version through the reader tree.
//
// Nothing a block executes runs on the goroutine or sees when it ends:
// a block reads the same values either way, so hashes do not depend on
// the timing. What the timing does change is what is on disk: a crash
// while a save runs leaves the store at the version before, which the node
// reports at its next start (Info), and CometBFT replays the last block
// from its own block store, as it does for any application behind it.
//
// A save that fails is reported by the next WorkingHash (a panic, as for
// any storage failure during a block), Commit or Close.

// pendingSave is one version being written to disk.
type pendingSave struct {
	version int64
	hash    []byte
	// writes are the version's writes (nil value: deleted), what reads of
	// the version answer before the index has them.
	writes sortedWrites
	done   chan struct{}
	err    error
}

func (p *pendingSave) finished() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// fastKey is where iavl keeps key's entry in its fast index ('f' ‖ key,
// iavl's fastKeyFormat).
func fastKey(key []byte) []byte { return append([]byte{'f'}, key...) }

// readFast reads key's latest value from iavl's fast index on disk.
func (s *Store) readFast(key []byte) []byte {
	buf, err := s.db.Get(fastKey(key))
	if err != nil {
		panic(fmt.Sprintf("store: fast index get %q: %v", key, err))
	}
	if buf == nil {
		return nil
	}
	n, err := fastnode.DeserializeNode(key, buf)
	if err != nil {
		panic(fmt.Sprintf("store: fast index entry %q: %v", key, err))
	}
	return n.GetValue()
}

// walkFast walks the fast index's keys in [start, end) in ascending order,
// from the disk.
func (s *Store) walkFast(start, end []byte, fn func(k, v []byte) bool) {
	hi := []byte{'f' + 1}
	if end != nil {
		hi = fastKey(end)
	}
	it, err := s.db.Iterator(fastKey(start), hi)
	if err != nil {
		panic(fmt.Sprintf("store: fast index iterate: %v", err))
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		k := it.Key()[1:]
		n, err := fastnode.DeserializeNode(k, it.Value())
		if err != nil {
			panic(fmt.Sprintf("store: fast index entry %q: %v", k, err))
		}
		if !fn(k, n.GetValue()) {
			return
		}
	}
	if err := it.Error(); err != nil {
		panic(fmt.Sprintf("store: fast index iterate: %v", err))
	}
}

// inFlight returns the save still running, or nil. Only the block's thread
// (Get, Iterate, WorkingHash, Commit) calls it for the tree's sake.
func (s *Store) inFlight() *pendingSave {
	if p := s.saving.Load(); p != nil && !p.finished() {
		return p
	}
	return nil
}

// WaitSaved waits until the latest committed version is on disk and
// returns the error of its save, if it failed.
func (s *Store) WaitSaved() error { return s.waitSaved() }

// waitSaved waits for the save in flight, if any, and returns its error.
func (s *Store) waitSaved() error {
	if s.mem != nil {
		return nil
	}
	if p := s.saving.Load(); p != nil {
		<-p.done
		return p.err
	}
	return nil
}

// BeforeAsyncSaveForTesting, if set, is called on the saving goroutine
// before a save writes anything, with the version it saves. The fault
// drills' nodes, which run in a test binary, set it to be killed inside a
// save for certain (internal/netdrill); pnyx never sets it. Set it before
// any store is opened.
var BeforeAsyncSaveForTesting func(version int64)

// startSave takes the tree's unsaved version to disk on a goroutine.
// Callers hold no lock; the previous save is done.
func (s *Store) startSave(hash []byte, version, pruneTo int64, writes sortedWrites) {
	p := &pendingSave{version: version, hash: hash, writes: writes, done: make(chan struct{})}
	s.fastMu.Lock()
	s.fastVersion = version
	s.saving.Store(p)
	s.committed.Store(version)
	s.fastMu.Unlock()
	go func() {
		defer close(p.done)
		if s.holdSave != nil {
			<-s.holdSave
		}
		if h := BeforeAsyncSaveForTesting; h != nil {
			h(version)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		_, p.err = s.save(p.hash, pruneTo)
	}()
}

// save runs iavl's SaveVersion (and a due pruning) and publishes the
// version to readers. want, if not nil, is the hash the version must have.
// Callers hold mu.
func (s *Store) save(want []byte, pruneTo int64) ([]byte, error) {
	hash, version, err := s.tree.SaveVersion()
	if err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	if want != nil && !bytes.Equal(hash, want) {
		return nil, fmt.Errorf("store: version %d saved with hash %X, its working hash was %X", version, hash, want)
	}
	s.latest.Store(version)
	if pruneTo > 0 {
		s.pruneMu.Lock()
		defer s.pruneMu.Unlock()
		if err := s.tree.DeleteVersionsTo(pruneTo); err != nil {
			return nil, fmt.Errorf("store: prune: %w", err)
		}
	}
	return hash, nil
}

// A View reads the latest committed version without waiting for it to be
// saved: what CheckTx reads between blocks. It is a Reader, not a
// Snapshot: it has no proofs (a proof needs the saved tree; take a
// Snapshot of View.Version for one).
type View struct {
	s       *Store
	version int64
	// pending is the version's save when the view was taken while it ran
	// (its writes answer first), else nil.
	pending *pendingSave
	// fallback reads the version when the fast index cannot (the store
	// saves synchronously, or a newer version's save has begun).
	fallbackOnce sync.Once
	fallback     *Snapshot
	fallbackErr  error
}

// LatestView returns a View of the latest committed version (Version), or
// nil before the first commit.
func (s *Store) LatestView() (*View, error) {
	v := s.committed.Load()
	if v == 0 {
		return nil, nil
	}
	w := &View{s: s, version: v}
	if p := s.saving.Load(); p != nil && p.version == v {
		w.pending = p
	}
	if !s.async {
		snap, err := s.SharedSnapshot(v)
		if err != nil {
			return nil, err
		}
		w.fallbackOnce.Do(func() { w.fallback = snap })
	}
	return w, nil
}

// Version is the view's version.
func (w *View) Version() int64 { return w.version }

func (w *View) snapshot() *Snapshot {
	w.fallbackOnce.Do(func() { w.fallback, w.fallbackErr = w.s.Snapshot(w.version) })
	if w.fallbackErr != nil {
		panic(fmt.Sprintf("store: view of version %d: %v", w.version, w.fallbackErr))
	}
	return w.fallback
}

// current reports, under fastMu's read lock (which the caller releases),
// whether the fast index still holds this view's version.
func (w *View) current() bool {
	w.s.fastMu.RLock()
	if w.s.async && w.s.fastVersion == w.version {
		return true
	}
	w.s.fastMu.RUnlock()
	return false
}

// Get returns the value at key in the view's version, or nil.
func (w *View) Get(key []byte) []byte {
	if w.pending != nil {
		if v, ok := w.pending.writes.get(key); ok {
			return v
		}
	}
	if w.current() {
		defer w.s.fastMu.RUnlock()
		return w.s.readFast(key)
	}
	return w.snapshot().Get(key)
}

// Iterate calls fn in ascending key order for keys with prefix. The index
// is read in chunks, each under the read lock and handed to fn with it
// released, so that fn may read again and a next save is not held back.
func (w *View) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	end := PrefixEnd(prefix)
	parent := func(f func(k, v []byte) bool) {
		start := bytes.Clone(prefix)
		for {
			if !w.current() {
				w.snapshot().IterateRange(start, end, true, f)
				return
			}
			type kv struct{ k, v []byte }
			var chunk []kv
			w.s.walkFast(start, end, func(k, v []byte) bool {
				chunk = append(chunk, kv{bytes.Clone(k), bytes.Clone(v)})
				return len(chunk) < iterateChunk
			})
			w.s.fastMu.RUnlock()
			for _, e := range chunk {
				if !f(e.k, e.v) {
					return
				}
			}
			if len(chunk) < iterateChunk {
				return
			}
			start = append(chunk[len(chunk)-1].k, 0)
		}
	}
	if w.pending == nil {
		parent(fn)
		return
	}
	mergeIterate(&w.pending.writes, prefix, end, parent, fn)
}
