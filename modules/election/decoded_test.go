package election

import (
	"testing"

	"github.com/pnyx-party/pnyx/election/ballot"
)

// TestDecodedBallotsOutliveAFullCache: with more ballots waiting than the
// decoded-ballot cache holds (thousands of voters at once), keeping one
// more must not drop the ballots kept just before it. The cache used to
// start over when full, so every ballot waiting in the mempool was decoded
// again by its block.
func TestDecodedBallotsOutliveAFullCache(t *testing.T) {
	m := &Elections{}
	key := func(i int) [32]byte { return [32]byte{byte(i), byte(i >> 8), byte(i >> 16)} }
	kept := map[[32]byte]*ballot.Ballot{}
	for i := range maxDecoded + 10 {
		b := &ballot.Ballot{}
		kept[key(i)] = b
		m.keepDecoded(key(i), b)
	}
	for i := 10; i < maxDecoded+10; i++ {
		b, ok := m.decodedBallot(key(i), false)
		if !ok || b != kept[key(i)] {
			t.Fatalf("ballot %d of the last %d kept is gone", i, maxDecoded)
		}
	}
	// take forgets it, from either generation.
	for _, i := range []int{10, maxDecoded + 5} {
		if _, ok := m.decodedBallot(key(i), true); !ok {
			t.Fatalf("ballot %d not found", i)
		}
		if _, ok := m.decodedBallot(key(i), false); ok {
			t.Fatalf("ballot %d still kept after it was taken", i)
		}
	}
	// Bounded: at most two generations.
	if n := len(m.decoded) + len(m.decodedOld); n > 2*maxDecoded {
		t.Fatalf("%d decoded ballots kept, want at most %d", n, 2*maxDecoded)
	}
}
