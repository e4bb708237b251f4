package store

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	ics23 "github.com/cosmos/ics23/go"
	"github.com/crypto-org-chain/cronos/memiavl"
)

// The memiavl engine (Options.Engine "memiavl") keeps the same tree, with
// the same root hashes, as iavl does, but holds its nodes in memory and in
// memory-mapped snapshot files instead of LevelDB: writes cost 6-7 times
// less at a million members (docs/performance.md, "The state tree
// alone"). It keeps only recent versions: the latest, which blocks read
// and write, and copies of the last KeepCopies committed ones, which
// readers (the API, CheckTx) open as Snapshots. No block reads anything
// older (module.Context offers no earlier state), so a node on it
// executes every block as an archive node does; the API answers a request
// for an older version as a pruning node does, with an error.
//
// memiavl makes a version durable in its write-ahead log at Commit and
// rewrites the whole tree into a new snapshot every SnapshotInterval
// versions, in the background; at the Commit after a rewrite it switches
// to the new snapshot and unmaps the old one. A copy of an earlier version
// may still hold nodes of the old snapshot, so the switch and every read
// of a copy are ordered by mu, and a switch retires the copies taken
// before it (their reads then fail with ErrVersionGone instead of touching
// unmapped memory).

// DefaultSnapshotWrites is Options.SnapshotWrites' default. At a million
// members, a restart that replayed 114 versions of an import from the log
// (2.3 million writes) took 21 s and 1.9 GB; one that replayed 14 versions
// after a snapshot took 0.9 s and 0.7 GB (docs/performance.md).
const DefaultSnapshotWrites = 200_000

// MemiavlDir is where a home's state lives under the memiavl engine.
const MemiavlDir = "memiavl"

// memTreeName is the one store memiavl keeps: pnyx's state is one tree.
const memTreeName = "s"

// ErrVersionGone is the panic value of a read of a Snapshot whose version
// the memiavl engine no longer keeps (a snapshot switch retired it while
// the Snapshot was open). Readers that may hold a Snapshot across a
// commit (the API) recover it and answer that the version is gone.
var ErrVersionGone = errors.New("store: the version read is no longer kept (the state moved to a new snapshot); read again at the latest version")

type memEngine struct {
	db *memiavl.DB
	// mu orders snapshot switches (inside db.Commit) against reads of
	// copies: a read holds it shared, a Commit exclusively.
	mu sync.RWMutex
	// generation counts snapshot switches; a copy of an earlier
	// generation may hold unmapped nodes and is never read.
	generation uint64
	// copies are the kept committed versions, oldest first.
	copies []*memCopy
	keep   int
	// hash is the root hash of the latest committed version.
	hash []byte
	// dirty: the tree holds writes of the working version.
	dirty bool
	// dir is the memiavl directory.
	dir string
	// lastSwitch is when the last snapshot switch happened (see close).
	lastSwitch time.Time
	// writes counts the writes applied since the last rewrite began;
	// rewriteAt is the count that begins the next (SnapshotWrites).
	writes, rewriteAt int
}

// graceAfterSwitch is how long close lets memiavl's pruning run.
const graceAfterSwitch = 500 * time.Millisecond

// close closes the database. memiavl v0.1.0's DB.Close does not wait for
// the goroutine that prunes old snapshots after a switch, which ends by
// truncating the write-ahead log through a field Close has cleared: a nil
// dereference that crashed chain's replay test (Sei's fork of memiavl
// fixed it, sei-protocol/sei-chain#2577; v0.1.0 is the version served
// here). The pruning removes a directory or two and is not observable
// from outside, so close gives it graceAfterSwitch after the last switch.
func (e *memEngine) close() error {
	if !e.lastSwitch.IsZero() {
		if d := graceAfterSwitch - time.Since(e.lastSwitch); d > 0 {
			time.Sleep(d)
		}
	}
	return e.db.Close()
}

type memCopy struct {
	tree       *memiavl.Tree
	version    int64
	generation uint64
}

// openMem opens (or creates) the memiavl engine's state in dir.
func openMem(dir string, o Options) (*Store, error) {
	if exists(filepath.Join(dir, "state.db")) {
		return nil, fmt.Errorf("store: %s holds iavl state (state.db); the memiavl engine starts from an empty home or a state-sync snapshot", dir)
	}
	interval := o.SnapshotInterval
	if interval == 0 {
		interval = memiavl.DefaultSnapshotInterval
	}
	db, err := memiavl.Load(filepath.Join(dir, MemiavlDir), memiavl.Options{
		CreateIfMissing: true, InitialStores: []string{memTreeName},
		SnapshotInterval: uint32(interval), SnapshotKeepRecent: 0,
		AsyncCommitBuffer: -1, CacheSize: 0,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open memiavl state in %s: %w", dir, err)
	}
	rewriteAt := o.SnapshotWrites
	if rewriteAt == 0 {
		rewriteAt = DefaultSnapshotWrites
	}
	e := &memEngine{db: db, keep: max(o.KeepCopies, 1), dir: filepath.Join(dir, MemiavlDir), rewriteAt: rewriteAt}
	e.hash = db.TreeByName(memTreeName).RootHash()
	s := &Store{mem: e}
	v := db.Version()
	s.latest.Store(v)
	s.committed.Store(v)
	if v > 0 {
		e.copies = []*memCopy{{tree: e.tree().Copy(0), version: v}}
	}
	return s, nil
}

func (e *memEngine) tree() *memiavl.Tree { return e.db.TreeByName(memTreeName) }

// memApply hands the writes buffered since the last call to the tree, in
// the order made.
func (s *Store) memApply() {
	e := s.mem
	var cs memiavl.ChangeSet
	s.block.replay(func(key, value []byte) {
		// The buffer hands over its own slices, as it does to iavl's Set.
		cs.Pairs = append(cs.Pairs, &memiavl.KVPair{Key: key, Value: value, Delete: value == nil})
	})
	if len(cs.Pairs) > 0 {
		if err := e.db.ApplyChangeSet(memTreeName, cs); err != nil {
			panic(fmt.Sprintf("store: apply the block's writes: %v", err))
		}
		e.dirty = true
		e.writes += len(cs.Pairs)
	}
}

func (s *Store) memCommit() ([]byte, int64, error) {
	e := s.mem
	s.memApply()
	e.mu.Lock()
	defer e.mu.Unlock()
	before := e.db.SnapshotVersion()
	v, err := e.db.Commit()
	if err != nil {
		return nil, 0, fmt.Errorf("store: commit: %w", err)
	}
	e.dirty = false
	if e.db.SnapshotVersion() != before {
		// A switch to a new snapshot: copies taken before it may hold
		// nodes of the unmapped one.
		e.generation++
		e.copies = nil
		e.lastSwitch = time.Now()
	}
	if e.writes >= e.rewriteAt {
		// memiavl refuses while a rewrite runs (its own, at the
		// interval, or ours): the count stands and the next commit asks
		// again.
		if e.db.RewriteSnapshotBackground() == nil {
			e.writes = 0
		}
	}
	e.hash = e.tree().RootHash()
	e.copies = append(e.copies, &memCopy{tree: e.tree().Copy(0), version: v, generation: e.generation})
	if over := len(e.copies) - e.keep; over > 0 {
		e.copies = append([]*memCopy(nil), e.copies[over:]...)
	}
	s.latest.Store(v)
	s.committed.Store(v)
	return bytes.Clone(e.hash), v, nil
}

// memSnapshot opens kept version v.
func (s *Store) memSnapshot(v int64) (*Snapshot, error) {
	e := s.mem
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, c := range e.copies {
		if c.version == v {
			return &Snapshot{tree: &memSnap{e: e, c: c}, mu: &noLock}, nil
		}
	}
	if latest := s.committed.Load(); v <= 0 || v > latest {
		return nil, fmt.Errorf("store: version %d is not committed (latest %d)", v, latest)
	}
	return nil, fmt.Errorf("store: version %d: version does not exist (the memiavl engine keeps the last %d)", v, e.keep)
}

// memLatest opens the newest kept version.
func (s *Store) memLatest() (*Snapshot, error) {
	e := s.mem
	e.mu.RLock()
	defer e.mu.RUnlock()
	if len(e.copies) == 0 {
		return nil, fmt.Errorf("store: no version is committed yet")
	}
	return &Snapshot{tree: &memSnap{e: e, c: e.copies[len(e.copies)-1]}, mu: &noLock}, nil
}

// noLock is the Snapshot lock of memiavl copies, which order their reads
// by the engine's own lock (memSnap.read).
var noLock sync.RWMutex

// memSnap is a kept copy as a Snapshot's tree. Each read holds the
// engine's lock shared and checks the copy's generation first.
type memSnap struct {
	e *memEngine
	c *memCopy
}

func (m *memSnap) read(fn func(t *memiavl.Tree)) {
	m.e.mu.RLock()
	defer m.e.mu.RUnlock()
	if m.c.generation != m.e.generation {
		panic(ErrVersionGone)
	}
	fn(m.c.tree)
}

func (m *memSnap) Version() int64 { return m.c.version }

func (m *memSnap) Hash() []byte {
	var h []byte
	m.read(func(t *memiavl.Tree) { h = t.RootHash() })
	return h
}

func (m *memSnap) Get(key []byte) ([]byte, error) {
	var v []byte
	m.read(func(t *memiavl.Tree) { v = t.Get(key) })
	return v, nil
}

func (m *memSnap) Iterator(start, end []byte, ascending bool) (treeIterator, error) {
	var it treeIterator
	m.read(func(t *memiavl.Tree) { it = t.Iterator(start, end, ascending) })
	return &lockedIterator{m: m, it: it}, nil
}

func (m *memSnap) GetMembershipProof(key []byte) (p *ics23.CommitmentProof, err error) {
	m.read(func(t *memiavl.Tree) { p, err = t.GetMembershipProof(key) })
	return p, err
}

func (m *memSnap) GetNonMembershipProof(key []byte) (p *ics23.CommitmentProof, err error) {
	m.read(func(t *memiavl.Tree) { p, err = t.GetNonMembershipProof(key) })
	return p, err
}

// lockedIterator reads a copy's iterator under the engine's lock, one step
// at a time. memiavl is opened without ZeroCopy, so its keys and values
// (as Get's) are copies, never slices of a mapped file a switch unmaps.
type lockedIterator struct {
	m  *memSnap
	it treeIterator
}

func (l *lockedIterator) Valid() (ok bool) {
	l.m.read(func(*memiavl.Tree) { ok = l.it.Valid() })
	return ok
}
func (l *lockedIterator) Next() { l.m.read(func(*memiavl.Tree) { l.it.Next() }) }
func (l *lockedIterator) Key() (k []byte) {
	l.m.read(func(*memiavl.Tree) { k = l.it.Key() })
	return k
}
func (l *lockedIterator) Value() (v []byte) {
	l.m.read(func(*memiavl.Tree) { v = l.it.Value() })
	return v
}
func (l *lockedIterator) Close() error { return l.it.Close() }
