package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/cosmos/iavl"
)

// randomKey is the i-th of a set of keys spread over the whole key space,
// as a registry's pseudonymous member IDs are.
func randomKey(i int) []byte {
	h := sha256.Sum256([]byte(fmt.Sprint(i)))
	return []byte("m/" + hex.EncodeToString(h[:8]))
}

// waitForWalks waits until the prefetcher has walked want keys in all.
func waitForWalks(t *testing.T, s *Store, want int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for s.pf.walked.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("prefetcher walked %d keys, want %d", s.pf.walked.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPrefetchedPathsSpareTheFlushItsNodeReads: a store whose node cache
// is far smaller than its tree writes blocks of keys at random places. With
// the prefetcher, each block's flush finds the nodes it copies in the cache
// (the walks were made, and waited for, before the flush); without it, the
// flush reads them from LevelDB. The two stores end with the same hash at
// every version, and the prefetcher's store reads as the other does: a
// prefetch changes only what is cached.
func TestPrefetchedPathsSpareTheFlushItsNodeReads(t *testing.T) {
	open := func(prefetch bool) (*Store, *iavl.Statistics) {
		o := DefaultOptions()
		o.NodeCache = 3000
		o.NoPrefetch = !prefetch
		o.stats = &iavl.Statistics{}
		s, err := OpenWith(t.TempDir(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, o.stats
	}
	with, withStats := open(true)
	without, withoutStats := open(false)
	if with.pf == nil || without.pf != nil {
		t.Fatal("Options.NoPrefetch does not choose whether a store prefetches")
	}

	const perBlock, blocks = 100, 40
	var missesWith, missesWithout uint64
	walks := int64(0)
	for b := 0; b < blocks; b++ {
		for _, s := range []*Store{with, without} {
			for i := 0; i < perBlock; i++ {
				n := b*perBlock + i
				s.Set(randomKey(n), []byte(fmt.Sprintf("v%d", n)))
				if b > 0 && i%10 == 0 { // an update and a removal of older keys
					s.Set(randomKey(n-perBlock), []byte("updated"))
					s.Delete(randomKey(n - perBlock + 1))
				}
			}
		}
		if b > 0 {
			walks += perBlock + 2*perBlock/10
			waitForWalks(t, with, walks)
		}
		mw, mo := withStats.GetCacheMissCnt(), withoutStats.GetCacheMissCnt()
		hw, _, err := with.Commit()
		if err != nil {
			t.Fatal(err)
		}
		ho, _, err := without.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(hw, ho) {
			t.Fatalf("block %d: hash %x with the prefetcher, %x without", b, hw, ho)
		}
		if b > 0 {
			missesWith += withStats.GetCacheMissCnt() - mw
			missesWithout += withoutStats.GetCacheMissCnt() - mo
		}
	}
	t.Logf("node reads in the flushes and commits of %d blocks: %d with the prefetcher, %d without", blocks-1, missesWith, missesWithout)
	if missesWithout < 1000 {
		t.Fatalf("the flushes without a prefetcher read only %d nodes: the tree is not larger than the cache", missesWithout)
	}
	if missesWith*10 > missesWithout {
		t.Fatalf("the flushes read %d nodes with the prefetcher, %d without: the walks did not warm the cache", missesWith, missesWithout)
	}
	for n := 0; n < blocks*perBlock; n++ {
		if a, b := with.Get(randomKey(n)), without.Get(randomKey(n)); !bytes.Equal(a, b) {
			t.Fatalf("key %d reads %q with the prefetcher, %q without", n, a, b)
		}
	}
}

// TestPrefetcherSkipsFlushedBlocks: keys queued for a block that has been
// flushed are not walked (their paths are the working version's then), and
// a closed store's prefetcher has stopped.
func TestPrefetcherSkipsFlushedBlocks(t *testing.T) {
	s, err := OpenWith(t.TempDir(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	s.Set([]byte("a"), []byte("1"))
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	gen := s.pf.gen.Load()
	s.WorkingHash() // a flush with nothing buffered still ends the block's walks
	before := s.pf.walked.Load()
	s.warm(prefetchKey{key: "b", gen: gen})
	if s.pf.walked.Load() != before {
		t.Fatal("a key queued before the flush was walked after it")
	}
	s.warm(prefetchKey{key: "b", gen: s.pf.gen.Load()})
	if s.pf.walked.Load() != before+1 {
		t.Fatal("a key of the current block was not walked")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.pf != nil {
		t.Fatal("Close left the prefetcher running")
	}
}
