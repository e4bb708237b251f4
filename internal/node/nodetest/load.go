package nodetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pnyx-party/pnyx/internal/node"
)

// LoadResult is what Load measured.
type LoadResult struct {
	Txs       int           // txs submitted and committed
	Failed    int           // committed with a non-zero code
	Blocks    int           // blocks that carried them
	Elapsed   time.Duration // first submission to the commit of the last tx
	Retries   int           // submissions retried because the mempool was full
	TxsPerSec float64       // Txs / Elapsed
}

func (r LoadResult) String() string {
	return fmt.Sprintf("%d txs in %d blocks, %.2fs: %.0f committed tx/s (%d failed, %d mempool-full retries)",
		r.Txs, r.Blocks, r.Elapsed.Seconds(), r.TxsPerSec, r.Failed, r.Retries)
}

// Load submits txs to n through BroadcastTxSync — the path every client's
// tx takes — from workers goroutines, and measures until every one of them
// is committed. Txs refused because the mempool is full are retried after a
// short pause. A tx rejected by CheckTx is an error. Txs must be distinct.
// It is the measurement behind `pnyx bench tx` and its trivial-app baseline.
func Load(ctx context.Context, n *node.Node, txs [][]byte, workers int) (LoadResult, error) {
	if workers < 1 {
		workers = 1
	}
	want := make(map[[32]byte]bool, len(txs))
	for _, tx := range txs {
		want[[32]byte(node.TxHash(tx))] = true
	}
	if len(want) != len(txs) {
		return LoadResult{}, errors.New("nodetest: Load needs distinct txs")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var res LoadResult
	from := n.LatestHeight() + 1
	start := time.Now()

	// Count commits with a follower of the block store: it sees every
	// block, however many txs it carries.
	done := make(chan error, 1)
	go func() {
		left := len(want)
		err := n.Follow(ctx, from, func(b node.CommittedBlock) error {
			counted := false
			for i, tx := range b.Txs {
				if !want[[32]byte(node.TxHash(tx))] {
					continue
				}
				left--
				res.Txs++
				if !counted {
					res.Blocks++
					counted = true
				}
				if b.Results[i].Code != 0 {
					res.Failed++
				}
			}
			if left == 0 {
				return errDone
			}
			return nil
		})
		if errors.Is(err, errDone) {
			err = nil
		}
		res.Elapsed = time.Since(start)
		done <- err
	}()

	var next atomic.Int64
	var retries atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= len(txs) {
					return
				}
				for {
					r, err := n.BroadcastTxSync(ctx, txs[k])
					if errors.Is(err, node.ErrMempoolFull) {
						retries.Add(1)
						select {
						case <-time.After(5 * time.Millisecond):
							continue
						case <-ctx.Done():
							return
						}
					}
					if err == nil && r.Code != 0 {
						err = fmt.Errorf("CheckTx code %d: %s", r.Code, r.Log)
					}
					if err != nil {
						errs <- fmt.Errorf("nodetest: tx %d: %w", k, err)
						cancel()
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		<-done // the follower writes res until it returns
		return res, err
	}
	if err := <-done; err != nil {
		return res, err
	}
	res.Retries = int(retries.Load())
	res.TxsPerSec = float64(res.Txs) / res.Elapsed.Seconds()
	return res, nil
}

var errDone = errors.New("done")

// PaddedCounterTxs returns n distinct CounterApp txs of size bytes each
// (pnyx's signed txs are a few hundred bytes), tagged so that separate runs
// on one chain do not collide.
func PaddedCounterTxs(tag string, n, size int) [][]byte {
	txs := make([][]byte, n)
	for k := range txs {
		tx := fmt.Appendf(nil, "%s-%d-", tag, k)
		for len(tx) < size {
			tx = append(tx, 'x')
		}
		txs[k] = tx
	}
	return txs
}
