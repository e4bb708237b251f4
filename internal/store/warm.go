package store

import (
	"sync"
	"sync/atomic"

	"github.com/cosmos/iavl"
)

// A warmer reads ahead, on a goroutine of its own, the parts of the tree
// that the block's writes will need, so that the block's own thread finds
// them in LevelDB's block cache instead of reading them from the files.
//
// Why: a block's writes reach the tree only when the block ends (flush),
// and each write to a random key of a registry of millions walks a path of
// persisted nodes, for each of which iavl loads both children (Node.clone).
// Most of those loads miss iavl's node cache, and a LevelDB read of a
// table block (a pread and a fresh buffer) was about half the CPU of a
// registration at 300,000 members (docs/performance.md). The block's
// thread is the only one executing it; the machine's other cores idle
// meanwhile. The warmer walks each key's path, with the siblings, in the
// last committed version as soon as the key is written to the block, while
// the block's transactions are still executing, so that the reads
// happen on another core before the flush needs them.
//
// It is off by default ($PNYX_STORE=warm=on turns it on): written at the
// end of a session, it has not been measured yet.
//
// It changes nothing a block computes: it reads only a committed version,
// through the reader tree that API snapshots use (which shares nothing
// with the writer but the thread-safe LevelDB), writes nothing, and its
// only effect is on what is cached. Whether it keeps up, and which keys it
// skips when it does not, affects only the time a block takes. So it may
// be a goroutine, which nothing a block executes may use.
type warmer struct {
	keys chan string
	done chan struct{}
	// stopped is closed when the goroutine has returned.
	stopped chan struct{}
	stop    sync.Once
	// walked counts the keys walked, for tests and metrics.
	walked atomic.Int64
}

// warmQueue is how many written keys may wait for the warmer; a key
// written while the queue is full is not warmed (the block reads it
// itself, as without a warmer). An import's block of 8,000 members writes
// about 30,000 keys.
const warmQueue = 1 << 16

// startWarmer starts the store's warmer; Close stops it.
func (s *Store) startWarmer() {
	w := &warmer{keys: make(chan string, warmQueue), done: make(chan struct{}), stopped: make(chan struct{})}
	s.warm = w
	go s.warmLoop(w)
}

// warmKey hands a key written to the working version to the warmer,
// without ever waiting for it.
func (s *Store) warmKey(key string) {
	if s.warm == nil {
		return
	}
	select {
	case s.warm.keys <- key:
	default:
	}
}

func (s *Store) warmLoop(w *warmer) {
	var (
		tree    *iavl.ImmutableTree
		version int64
	)
	defer close(w.stopped)
	for {
		var key string
		select {
		case <-w.done:
			return
		case key = <-w.keys:
		}
		v := s.latest.Load()
		if v == 0 {
			continue
		}
		s.pruneMu.RLock()
		if v != version {
			t, err := s.reader.GetImmutable(v)
			if err != nil {
				s.pruneMu.RUnlock()
				continue
			}
			tree, version = t, v
		}
		if tree.Size() > 0 {
			// A membership proof walks the key's path and loads every
			// sibling on it (for its hash), as an insert's clones will;
			// for a key the version lacks it fails at the leaf, having
			// walked the path the insert takes. Only the walk matters.
			_, _ = tree.GetMembershipProof([]byte(key))
		}
		s.pruneMu.RUnlock()
		w.walked.Add(1)
	}
}

// stopWarmer stops the warmer, if any, and waits for its walk in
// progress, so that the database it reads can be closed.
func (s *Store) stopWarmer() {
	if s.warm != nil {
		s.warm.stop.Do(func() { close(s.warm.done) })
		<-s.warm.stopped
	}
}

// WarmedKeys is how many written keys the warmer has walked ahead of their
// block's flush (0 for a store without a warmer: one in memory, or one
// opened without Options.Warm).
func (s *Store) WarmedKeys() int64 {
	if s.warm == nil {
		return 0
	}
	return s.warm.walked.Load()
}
