package bench

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/tx"
)

// TxOptions shape `pnyx bench tx`; the command's flags fill them.
type TxOptions struct {
	Txs         int  // signed txs to submit, one member each
	BaselineTxs int  // txs for the baseline; 0 means 5 × Txs
	Workers     int  // concurrent submitting goroutines
	Batch       int  // txs per HTTP request; 1 posts each to POST /v1/txs
	Keep        bool // keep the temporary homes
	NoBaseline  bool // skip the trivial-app baseline
	CPUProfile  string
	// TimeoutCommit, when set, overrides config.toml's for both nodes.
	TimeoutCommit time.Duration
}

// benchResult is one timed run.
type benchResult struct {
	Txs      int           // txs committed
	Failed   int           // committed with a non-zero code
	Blocks   int           // blocks carrying them
	MaxBlock int           // most txs in one block
	Retries  int           // submissions retried (mempool full)
	Submit   time.Duration // first submission to last acceptance
	Elapsed  time.Duration // first submission to last commit
	CPU      time.Duration // CPU time of this process (user+system) meanwhile
}

func (r benchResult) perSec() float64 { return float64(r.Txs) / r.Elapsed.Seconds() }

func (r benchResult) String() string {
	return fmt.Sprintf("%d txs committed in %d blocks (max %d/block) in %.2fs (all accepted after %.2fs, %d mempool-full retries, %d failed); process CPU %.0f µs/tx (%.2f cores): %.0f tx/s",
		r.Txs, r.Blocks, r.MaxBlock, r.Elapsed.Seconds(), r.Submit.Seconds(), r.Retries, r.Failed,
		float64(r.CPU.Microseconds())/float64(r.Txs), r.CPU.Seconds()/r.Elapsed.Seconds(), r.perSec())
}

// Tx measures committed signed tx/s of one pnyx node through its API next
// to CometBFT's trivial counter app behind the same API handler code (see
// `pnyx bench tx --help`). Results go to out, ending in the summary line
//
//	committed_tx_per_s=N baseline_tx_per_s=N ratio=R
//
// and progress to progress.
func Tx(ctx context.Context, out, progress io.Writer, o TxOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.Txs < 1 || o.Workers < 1 || o.Batch < 1 {
		return errors.New("bench tx: --txs, --workers and --batch must be positive")
	}
	root, err := os.MkdirTemp("", "pnyx-bench-tx-")
	if err != nil {
		return err
	}
	if o.Keep {
		fmt.Fprintln(progress, "bench tx: homes kept in", root)
	} else {
		defer os.RemoveAll(root)
	}
	var prof *os.File
	if o.CPUProfile != "" {
		if prof, err = os.Create(o.CPUProfile); err != nil {
			return err
		}
		defer prof.Close()
	}
	// The same node options for both runs; both homes get the config.toml
	// node.Init writes (pnyx's defaults), so the configuration is identical.
	nodeOpts := launch.Quiet()
	if o.TimeoutCommit > 0 {
		nodeOpts.Config = func(c *node.Config) { c.Consensus.TimeoutCommit = o.TimeoutCommit }
	}

	fmt.Fprintf(out, "bench tx: %d txs, %d workers, %d txs per request, GOMAXPROCS=%d, %s/%s\n",
		o.Txs, o.Workers, o.Batch, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)

	pn, txSize, err := benchPnyx(ctx, out, progress, filepath.Join(root, "pnyx"), nodeOpts, o, prof)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pnyx (token/burn, %d-byte signed txs): %v\n", txSize, pn)
	if pn.Failed > 0 {
		return fmt.Errorf("bench tx: %d txs failed in their block", pn.Failed)
	}
	var base benchResult
	if !o.NoBaseline {
		base, err = benchBaseline(ctx, progress, filepath.Join(root, "baseline"), nodeOpts, o, txSize)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "baseline (counter app, %d-byte txs, same config, same API handler): %v\n", txSize, base)
	}
	ratio := 0.0
	if base.Txs > 0 {
		ratio = pn.perSec() / base.perSec()
	}
	baseRate := 0
	if base.Txs > 0 {
		baseRate = int(base.perSec() + 0.5)
	}
	fmt.Fprintf(out, "committed_tx_per_s=%d baseline_tx_per_s=%d ratio=%.2f\n", int(pn.perSec()+0.5), baseRate, ratio)
	return nil
}

func benchPnyx(ctx context.Context, out, progress io.Writer, home string, nodeOpts node.Options, o TxOptions, prof *os.File) (benchResult, int, error) {
	r, c, adminKey, err := startBenchNode(ctx, home, nodeOpts)
	if err != nil {
		return benchResult{}, 0, err
	}
	defer r.Stop()
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return benchResult{}, 0, err
	}

	// Sign up one member per tx: registrar approvals, 500 keys each, all
	// submitted at once and then confirmed.
	start := time.Now()
	keys := make([]ed25519.PrivateKey, o.Txs)
	for k := range keys {
		keys[k] = benchKey(k)
	}
	fmt.Fprintf(progress, "bench tx: signing up %d members\n", len(keys))
	if err := signUpMembers(ctx, c, c.Signer(adminKey), keys, "hq"); err != nil {
		return benchResult{}, 0, fmt.Errorf("bench tx: %w", err)
	}
	fmt.Fprintf(out, "setup: %d members signed up in %.1fs\n", len(keys), time.Since(start).Seconds())

	// Pre-sign one burn per member, untimed. Every member is a fresh key, so
	// its next nonce is 0 and no tx waits for another.
	txs := make([][]byte, len(keys))
	for k, key := range keys {
		env := &tx.Envelope{ChainID: chainID, Type: token.TypeBurn, Nonce: 0}
		if err := env.SetBody(token.BurnBody{Amount: 1}); err != nil {
			return benchResult{}, 0, err
		}
		env.Sign(key)
		txs[k] = env.Encode()
	}
	// Let the block that carried the last approval be followed by its proof
	// block, so the measurement starts on a quiet chain.
	if err := r.WaitForBlocks(ctx, r.Node.LatestHeight()+1); err != nil {
		return benchResult{}, 0, err
	}
	before := r.App.Stats()
	if prof != nil {
		if err := pprof.StartCPUProfile(prof); err != nil {
			return benchResult{}, 0, err
		}
	}
	fmt.Fprintln(progress, "bench tx: pnyx: submitting")
	res, err := measure(ctx, progress, "pnyx", r.Node, c, txs, o)
	if prof != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return res, 0, err
	}
	after := r.App.Stats()
	if ok := after.TxsOK - before.TxsOK; ok != uint64(len(txs)) {
		return res, 0, fmt.Errorf("bench tx: the app counted %d successful txs, want %d", ok, len(txs))
	}
	return res, len(txs[0]), nil
}

func benchBaseline(ctx context.Context, progress io.Writer, home string, nodeOpts node.Options, o TxOptions, size int) (benchResult, error) {
	p2p, err := freeAddr()
	if err != nil {
		return benchResult{}, err
	}
	if err := node.Init(home, node.InitOptions{ChainID: "pnyx-bench-baseline", P2PAddr: p2p, RPCAddr: node.RPCOff}); err != nil {
		return benchResult{}, err
	}
	n, err := node.New(home, nodetest.CounterAppIn(home), nodeOpts)
	if err != nil {
		return benchResult{}, err
	}
	if err := n.Start(); err != nil {
		return benchResult{}, err
	}
	defer n.Stop()
	// The same API handler code serves the baseline's submissions: a Server
	// without a pnyx application answers only the tx routes.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return benchResult{}, err
	}
	srv := &http.Server{Handler: api.New(nil, n, api.Options{}).Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	c := client.New("http://" + ln.Addr().String())
	for n.LatestHeight() < 1 {
		select {
		case <-ctx.Done():
			return benchResult{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	ntx := o.BaselineTxs
	if ntx <= 0 {
		ntx = 5 * o.Txs
	}
	txs := nodetest.PaddedCounterTxs("bench", ntx, size)
	fmt.Fprintln(progress, "bench tx: baseline: submitting")
	return measure(ctx, progress, "baseline", n, c, txs, o)
}

// measure submits txs through the API at c from o.Workers goroutines,
// without waiting for commits, and counts them as they are committed by
// following n's blocks. A submission refused because the mempool is full is
// retried shortly after; any other refusal is an error.
func measure(ctx context.Context, progress io.Writer, name string, n *node.Node, c *client.Client, txs [][]byte, o TxOptions) (benchResult, error) {
	want := make(map[[32]byte]bool, len(txs))
	for _, t := range txs {
		want[[32]byte(tx.Hash(t))] = true
	}
	if len(want) != len(txs) {
		return benchResult{}, errors.New("bench tx: txs are not distinct")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var res benchResult
	var committed, accepted atomic.Int64
	from := n.LatestHeight() + 1
	cpu0 := processCPU()
	start := time.Now()

	done := make(chan error, 1)
	go func() {
		left := len(want)
		err := n.Follow(ctx, from, func(b node.CommittedBlock) error {
			inBlock := 0
			for i, t := range b.Txs {
				if !want[[32]byte(tx.Hash(t))] {
					continue
				}
				inBlock++
				if b.Results[i].Code != 0 {
					res.Failed++
				}
			}
			if inBlock > 0 {
				res.Blocks++
				res.Txs += inBlock
				res.MaxBlock = max(res.MaxBlock, inBlock)
				left -= inBlock
				committed.Add(int64(inBlock))
			}
			if left == 0 {
				return errBenchDone
			}
			return nil
		})
		res.Elapsed = time.Since(start)
		res.CPU = processCPU() - cpu0
		if errors.Is(err, errBenchDone) {
			err = nil
		}
		done <- err
	}()

	stopProgress := make(chan struct{})
	var progressWG sync.WaitGroup
	progressWG.Add(1)
	go func() {
		defer progressWG.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				fmt.Fprintf(progress, "bench tx: %s: %.0fs accepted %d/%d committed %d/%d\n", name,
					time.Since(start).Seconds(), accepted.Load(), len(txs), committed.Load(), len(txs))
			}
		}
	}()
	defer func() { close(stopProgress); progressWG.Wait() }()

	var next, retries atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, o.Workers)
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(int64(o.Batch))) - o.Batch
				if k >= len(txs) {
					return
				}
				chunk := txs[k:min(k+o.Batch, len(txs))]
				n := len(chunk)
				for {
					err := submitChunk(ctx, c, &chunk)
					if codes.Of(err) == codes.Unavailable && ctx.Err() == nil {
						retries.Add(1)
						time.Sleep(5 * time.Millisecond)
						continue
					}
					if err != nil {
						errs <- fmt.Errorf("bench tx: %s: tx %d: %w", name, k, err)
						cancel()
						return
					}
					break
				}
				accepted.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	res.Submit = time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return res, err
	}
	if err := <-done; err != nil {
		return res, err
	}
	res.Retries = int(retries.Load())
	return res, nil
}

var errBenchDone = errors.New("done")

// submitChunk submits txs, one request each unless there are several; it
// returns codes.Unavailable if any was refused for a full mempool, after
// dropping the accepted ones from *txs so that only the rest are retried.
func submitChunk(ctx context.Context, c *client.Client, txs *[][]byte) error {
	if len(*txs) == 1 {
		_, err := c.Submit(ctx, (*txs)[0], false)
		return err
	}
	res, err := c.SubmitBatch(ctx, *txs)
	if err != nil {
		return err
	}
	var retry [][]byte
	for i, r := range res {
		switch {
		case r.Code == codes.Unavailable:
			retry = append(retry, (*txs)[i])
		case r.Code != 0:
			return &codes.Error{Code: r.Code, Msg: r.Log}
		}
	}
	*txs = retry
	if len(retry) > 0 {
		return codes.Unavailable.Errorf("%d txs refused: mempool full", len(retry))
	}
	return nil
}
