// Package parallel spreads index-addressed work over a fixed number of
// goroutines:
//
//	out := make([]Result, n)
//	parallel.For(n, workers, func(i int) { out[i] = work(i) })
//
// Each call writes only what belongs to its own index, so the outcome does
// not depend on how many goroutines ran or in which order they finished.
// pnyx relies on that where a block's ballots are verified on every core.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls f(i) for every i in [0, n) on workers goroutines (GOMAXPROCS if
// workers ≤ 0, never more than n) and returns once every call has returned.
// Indices are handed out in increasing order as goroutines become free.
func For(n, workers int, f func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// Batches calls f(lo, hi) for the fixed runs [0, size), [size, 2·size), …
// of [0, n) on workers goroutines, as For does. The runs do not depend on
// the number of goroutines, so neither does anything computed per run.
// progress, if not nil, is called after each run with the number of items
// done so far (from several goroutines).
func Batches(n, size, workers int, f func(lo, hi int), progress func(done int)) {
	var done atomic.Int64
	For((n+size-1)/size, workers, func(b int) {
		lo, hi := b*size, min((b+1)*size, n)
		f(lo, hi)
		if d := done.Add(int64(hi - lo)); progress != nil {
			progress(int(d))
		}
	})
}
