package store

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"
	"time"
)

// The warmer only reads ahead: a store that warms and one that does not
// must build the same tree, hash for hash, over blocks of random inserts,
// updates and deletes, and the warmer must have walked the written keys
// (it runs beside the block, so the test waits for it, never for a time).
func TestWarmerReadsAheadAndChangesNoHash(t *testing.T) {
	on := DefaultOptions()
	on.Warm = true
	warm, err := OpenWith(t.TempDir(), on)
	if err != nil {
		t.Fatal(err)
	}
	defer warm.Close()
	cold, err := OpenWith(t.TempDir(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer cold.Close()
	if cold.WarmedKeys() != 0 || cold.warm != nil {
		t.Fatal("the default options started a warmer")
	}

	rng := rand.New(rand.NewSource(11))
	writes := 0
	for block := 0; block < 8; block++ {
		for op := 0; op < 500; op++ {
			k := []byte(fmt.Sprintf("mem/m/%06d", rng.Intn(3000)))
			if rng.Intn(6) == 0 {
				warm.Delete(k)
				cold.Delete(k)
			} else {
				v := []byte(fmt.Sprintf("v%d.%d", block, op))
				warm.Set(k, v)
				cold.Set(k, v)
			}
			writes++
		}
		hw, _, err := warm.Commit()
		if err != nil {
			t.Fatal(err)
		}
		hc, _, err := cold.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(hw, hc) {
			t.Fatalf("block %d: the warmed store's hash %x differs from %x", block, hw, hc)
		}
	}
	// Every write after the first commit had a version to walk in; the
	// queue never filled (8 × 500 < warmQueue).
	for deadline := time.Now().Add(30 * time.Second); warm.WarmedKeys() < int64(writes-500); {
		if time.Now().After(deadline) {
			t.Fatalf("the warmer walked %d of the %d keys written after the first commit", warm.WarmedKeys(), writes-500)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Close stops the warmer before the database closes, however often it is
// called; writes after it are not walked and do not block.
func TestWarmerStopsWithTheStore(t *testing.T) {
	on := DefaultOptions()
	on.Warm = true
	s, err := OpenWith(t.TempDir(), on)
	if err != nil {
		t.Fatal(err)
	}
	s.Set([]byte("a"), []byte("1"))
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	for i := range warmQueue + 10 { // more than the queue holds: never waits
		s.Set([]byte(fmt.Sprintf("k%d", i)), []byte("v"))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.stopWarmer() // a second stop returns at once
	s.warmKey("late")
}

func TestParseOptionsWarm(t *testing.T) {
	o, err := ParseOptions("warm=on,nodes=5000")
	if err != nil || !o.Warm || o.NodeCache != 5000 {
		t.Fatalf("ParseOptions(warm=on,nodes=5000) = %+v, %v", o, err)
	}
	if o, _ := ParseOptions(""); o.Warm {
		t.Fatal("the warmer is on by default, unmeasured")
	}
	if _, err := ParseOptions("warm=maybe"); err == nil {
		t.Fatal("warm=maybe accepted")
	}
}
