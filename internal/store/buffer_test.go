package store

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
)

// The store buffers a block's writes and hands them to the tree only for
// the block's hash. Reads in between must see exactly the working state,
// and the root hash must be the one writing straight into the tree in the
// same order gives (the recorded blocks' app hashes depend on it).
func TestBlockBufferKeepsHashesAndReads(t *testing.T) {
	s := OpenMemory()
	direct := iavl.NewMutableTree(iavldb.NewMemDB(), 1000, false, iavl.NewNopLogger())
	model := map[string]string{}
	rng := rand.New(rand.NewSource(7))
	key := func() []byte { return []byte(fmt.Sprintf("%c/%03d", "abc"[rng.Intn(3)], rng.Intn(200))) }
	for block := 0; block < 6; block++ {
		for op := 0; op < 400; op++ {
			k := key()
			switch rng.Intn(5) {
			case 0:
				s.Delete(k)
				if _, _, err := direct.Remove(k); err != nil {
					t.Fatal(err)
				}
				delete(model, string(k))
			case 1: // a walk in the middle of the block
				p := k[:2]
				var got, want []string
				s.Iterate(p, func(k, v []byte) bool { got = append(got, string(k)+"="+string(v)); return true })
				for mk, mv := range model {
					if bytes.HasPrefix([]byte(mk), p) {
						want = append(want, mk+"="+mv)
					}
				}
				sort.Strings(want)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("block %d op %d: iterate %q = %v, want %v", block, op, p, got, want)
				}
			default:
				v := []byte(fmt.Sprintf("v%d.%d", block, op))
				s.Set(k, v)
				if _, err := direct.Set(k, v); err != nil {
					t.Fatal(err)
				}
				model[string(k)] = string(v)
			}
			if g, w := s.Get(k), model[string(k)]; string(g) != w || (g == nil) != (w == "" && model[string(k)] == "") {
				t.Fatalf("get %q = %q, want %q", k, g, w)
			}
		}
		if block%2 == 0 { // the hash mid-way, as FinalizeBlock asks before Commit
			if !bytes.Equal(s.WorkingHash(), direct.WorkingHash()) {
				t.Fatalf("block %d: working hash differs from writing straight into the tree", block)
			}
		}
		h, _, err := s.Commit()
		if err != nil {
			t.Fatal(err)
		}
		dh, _, err := direct.SaveVersion()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(h, dh) {
			t.Fatalf("block %d: committed hash differs from writing straight into the tree", block)
		}
	}
}

func TestRollbackDropsBufferedWrites(t *testing.T) {
	s := OpenMemory()
	s.Set([]byte("k"), []byte("1"))
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	s.Set([]byte("k"), []byte("2"))
	s.Set([]byte("j"), []byte("x"))
	s.Rollback()
	if string(s.Get([]byte("k"))) != "1" || s.Get([]byte("j")) != nil {
		t.Fatal("rollback kept buffered writes")
	}
}

// A walk's callback may write: the walk must neither crash nor lose the
// keys it has not reached.
func TestIterateWhileWriting(t *testing.T) {
	s := OpenMemory()
	for i := 0; i < 300; i++ {
		s.Set([]byte(fmt.Sprintf("p/%03d", i)), []byte("v"))
	}
	n := 0
	s.Iterate([]byte("p/"), func(k, v []byte) bool {
		s.Set(append([]byte("q/"), k...), v)
		n++
		return true
	})
	if n != 300 {
		t.Fatalf("walked %d of 300", n)
	}
	o := NewOverlay(s)
	n = 0
	o.Iterate([]byte("q/"), func(k, v []byte) bool {
		o.Delete(k)
		n++
		return true
	})
	if n != 300 {
		t.Fatalf("overlay walked %d of 300", n)
	}
}

// A key set again in the same block (a counter every registration bumps)
// reaches the tree once, with its last value, at its first set's place.
// The tree must come out hash for hash as if every set had gone straight
// into it, whatever inserts, removals and rotations happen in between, and
// in blocks that start from a persisted tree (so that paths mix persisted
// and working nodes).
func TestRepeatedSetsKeepHashes(t *testing.T) {
	s := OpenMemory()
	direct := iavl.NewMutableTree(iavldb.NewMemDB(), 1000, false, iavl.NewNopLogger())
	rng := rand.New(rand.NewSource(11))
	both := func(k, v []byte) {
		if v == nil {
			s.Delete(k)
			if _, _, err := direct.Remove(k); err != nil {
				t.Fatal(err)
			}
			return
		}
		s.Set(k, v)
		if _, err := direct.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for block := 0; block < 20; block++ {
		for op := 0; op < 2000; op++ {
			v := []byte(fmt.Sprintf("v%d.%d", block, op))
			switch r := rng.Intn(10); {
			case r < 3: // hot counters, set over and over
				both([]byte(fmt.Sprintf("count/%d", rng.Intn(3))), v)
			case r < 4: // a hot key deleted and set again
				k := []byte(fmt.Sprintf("count/%d", rng.Intn(3)))
				if rng.Intn(2) == 0 {
					both(k, nil)
				} else {
					both(k, v)
				}
			case r < 5:
				both([]byte(fmt.Sprintf("m/%05d", rng.Intn(20000))), nil)
			default: // random inserts and updates, which rotate
				both([]byte(fmt.Sprintf("m/%05d", rng.Intn(20000))), v)
			}
		}
		h, _, err := s.Commit()
		if err != nil {
			t.Fatal(err)
		}
		dh, _, err := direct.SaveVersion()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(h, dh) {
			t.Fatalf("block %d: hash differs from writing every set straight into the tree", block)
		}
	}
}
