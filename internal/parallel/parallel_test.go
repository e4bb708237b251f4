package parallel

import (
	"slices"
	"sync/atomic"
	"testing"
)

func TestForCallsEveryIndexOnce(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 64} {
		for _, n := range []int{0, 1, 7, 1000} {
			calls := make([]atomic.Int32, n)
			For(n, workers, func(i int) { calls[i].Add(1) })
			for i := range calls {
				if c := calls[i].Load(); c != 1 {
					t.Fatalf("workers %d n %d: index %d called %d times", workers, n, i, c)
				}
			}
		}
	}
}

func TestBatchesAreFixedRuns(t *testing.T) {
	for _, workers := range []int{1, 2, 5} {
		runs := make([][2]int, 4)
		var last atomic.Int64
		Batches(10, 3, workers, func(lo, hi int) { runs[lo/3] = [2]int{lo, hi} }, func(done int) {
			for {
				l := last.Load()
				if int64(done) <= l || last.CompareAndSwap(l, int64(done)) {
					return
				}
			}
		})
		if want := [][2]int{{0, 3}, {3, 6}, {6, 9}, {9, 10}}; !slices.Equal(runs, want) {
			t.Fatalf("workers %d: runs %v, want %v", workers, runs, want)
		}
		if last.Load() != 10 {
			t.Fatalf("workers %d: progress reached %d, want 10", workers, last.Load())
		}
	}
}
