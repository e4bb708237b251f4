package bench

import (
	"testing"
	"time"
)

// TestTenthsComparesTheFirstAndTheLastTenth: on a clock where unit i costs
// i+1 ms, the first tenth of 100 units (1..10 ms) averages 5.5 ms and the
// last (91..100 ms) 95.5 ms; steps of 10 begin and end the tenths where
// they should; work after End does not count.
func TestTenthsComparesTheFirstAndTheLastTenth(t *testing.T) {
	var clock time.Duration
	tn := NewTenths(100, func() time.Duration { return clock })
	var ended, began []int
	for done := 0; done < 100; {
		for i := 0; i < 10; i++ {
			done++
			clock += time.Duration(done) * time.Millisecond
		}
		e, b := tn.Done(done)
		if e {
			ended = append(ended, done)
		}
		if b {
			began = append(began, done)
		}
	}
	if len(ended) != 1 || ended[0] != 10 || len(began) != 1 || began[0] != 90 {
		t.Fatalf("first tenth ended at %v, last began at %v; want [10] and [90]", ended, began)
	}
	tn.End()
	clock += time.Hour // work after the end is not the last tenth's
	if tn.First() != 5500*time.Microsecond || tn.Last() != 95500*time.Microsecond {
		t.Fatalf("first %v, last %v; want 5.5ms and 95.5ms", tn.First(), tn.Last())
	}
}
