package store

import (
	"sync"
	"sync/atomic"

	"github.com/cosmos/iavl"
)

// A block's writes reach the tree only when its hash is needed (flush, on
// the block's thread), one after another. An insert or update at a random
// key copies every node on the key's path, and iavl's copy of a node loads
// both of its children: at a million members most of them are out of the
// node cache, so the block's thread spends the larger part of its hash
// phase reading and decoding nodes from LevelDB, one at a time, while the
// second core has little to do.
//
// A key is known as soon as the transaction that writes it has run, which
// is usually long before the flush. The prefetcher walks each newly written
// key's path in the last committed version, siblings included, on a
// goroutine of its own and through the writer's own node database, so that
// the nodes the flush will copy are already in the node cache when it
// comes to them. (An earlier warmer walked the paths through the reader's
// node database, whose decoded nodes are its own; the writer still decoded
// every node, and the blocks got slower. docs/performance.md.)
//
// It changes nothing but which nodes are cached, so no hash and no result
// depends on it or on its timing: a walk only reads committed nodes, and
// iavl's node database takes its own lock for every node it loads or
// caches. Walks hold the store's read lock and every change of the tree
// (flush, SaveVersion, pruning) holds the write lock, so no walk ever sees
// a node iavl is changing (its copy of a node clears the original's child
// pointers). A key whose block has been flushed is not walked any more:
// its path is the working version's by then.
type prefetcher struct {
	queue chan prefetchKey
	// gen counts flushes; a key queued before the last one is stale.
	gen atomic.Uint64
	// tree is the last committed version as the writer's node database
	// sees it, opened by the first walk after a commit (nil until then).
	tree atomic.Pointer[iavl.ImmutableTree]
	done chan struct{}
	wg   sync.WaitGroup
	// walked counts walks made, for tests.
	walked atomic.Int64
}

type prefetchKey struct {
	key string
	gen uint64
}

// prefetchQueue bounds the keys waiting for a walk. A block that writes
// more new keys than this before its flush leaves the rest to the flush,
// which loads their nodes itself as it always did.
const prefetchQueue = 1 << 15

func (s *Store) startPrefetcher() {
	p := &prefetcher{queue: make(chan prefetchKey, prefetchQueue), done: make(chan struct{})}
	s.pf = p
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			select {
			case <-p.done:
				return
			case k := <-p.queue:
				s.warm(k)
			}
		}
	}()
}

// stopPrefetcher ends the prefetcher's goroutine and waits for its walk.
func (s *Store) stopPrefetcher() {
	if s.pf == nil {
		return
	}
	close(s.pf.done)
	s.pf.wg.Wait()
	s.pf = nil
}

// prefetch queues key for a walk unless the queue is full.
func (s *Store) prefetch(key []byte) {
	p := s.pf
	if p == nil {
		return
	}
	select {
	case p.queue <- prefetchKey{key: string(key), gen: p.gen.Load()}:
	default:
	}
}

// warm walks key's path and its siblings in the last committed version
// through the writer's node database, which caches every node it loads.
func (s *Store) warm(k prefetchKey) {
	p := s.pf
	if k.gen != p.gen.Load() {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if k.gen != p.gen.Load() {
		return // flushed while this walk waited for the lock
	}
	defer func() {
		// A walk is only a hint: whatever goes wrong in it (it cannot
		// change state), the flush loads what it needs itself.
		_ = recover()
	}()
	t := p.tree.Load()
	if t == nil {
		v := s.latest.Load()
		if v == 0 {
			return
		}
		var err error
		if t, err = s.tree.GetImmutable(v); err != nil {
			return
		}
		p.tree.Store(t)
	}
	if t.Size() == 0 {
		return
	}
	// A membership proof walks from the root to the leaf the key is at, or
	// would be inserted next to, and reads both children of every node on
	// the way: what iavl's insert, update or removal of the key will copy.
	// For an absent key it answers an error after the walk, which is all
	// that is wanted here.
	_, _ = t.GetMembershipProof([]byte(k.key))
	p.walked.Add(1)
}

// flushed tells the prefetcher that the block's writes are in the tree and
// the queued keys stale; committed that a new version is the last
// committed one. Both are called with the write lock held.
func (s *Store) flushed() {
	if s.pf != nil {
		s.pf.gen.Add(1)
	}
}

func (s *Store) committed() {
	if s.pf != nil {
		s.pf.tree.Store(nil)
	}
}
