package main

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
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
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/tx"
)

// benchTxOptions are the flags of `pnyx bench tx`.
type benchTxOptions struct {
	txs        int
	baseTxs    int
	workers    int
	batch      int
	keep       bool
	noBaseline bool
	cpuProfile string
	// timeoutCommit, when set, overrides config.toml's for both nodes.
	timeoutCommit time.Duration
}

func init() {
	var o benchTxOptions
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Committed signed tx/s of one node through the API, next to a trivial-app baseline",
		Long: `Starts a fresh single-validator pnyx node in a temporary home, signs up one
member per tx (registrar approvals of 500 keys each), pre-signs one
token/burn of 1 point per member (untimed; every member has its own key, so
no tx waits for another's nonce), then submits them all to the HTTP API from
--workers goroutines without waiting for commits — POST /v1/txs/batch with
--batch txs per request (client.SubmitBatch), or POST /v1/txs per tx with
--batch 1 (client.Submit) — and times from the first submission until the
last of them is committed.

The baseline repeats the measurement on a second node with CometBFT's
trivial counter app (node/nodetest.CounterApp): same config.toml, same
node options, same API handler code and client, txs of the same size.

Progress goes to stderr. The last line is the summary:
  committed_tx_per_s=N baseline_tx_per_s=N ratio=R`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchTx(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	cmd.Flags().IntVar(&o.txs, "txs", 20000, "number of signed txs to submit (one member each)")
	cmd.Flags().IntVar(&o.baseTxs, "baseline-txs", 0, "txs for the baseline (default 5 x --txs: the trivial app is that much faster, and a run of a block or two would time block boundaries, not throughput)")
	cmd.Flags().IntVar(&o.workers, "workers", 8, "concurrent submitting goroutines (HTTP connections)")
	cmd.Flags().IntVar(&o.batch, "batch", 100, "txs per HTTP request: 1 posts each to POST /v1/txs, more use POST /v1/txs/batch (client.SubmitBatch)")
	cmd.Flags().BoolVar(&o.keep, "keep", false, "keep the temporary homes and print where they are")
	cmd.Flags().BoolVar(&o.noBaseline, "no-baseline", false, "skip the trivial-app baseline (ratio is then 0)")
	cmd.Flags().DurationVar(&o.timeoutCommit, "timeout-commit", 0, "override timeout_commit for both nodes (default: pnyx's, from config.toml)")
	cmd.Flags().StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the timed phases to this file")
	benchCmd.AddCommand(cmd)
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

func runBenchTx(ctx context.Context, out, progress io.Writer, o benchTxOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.txs < 1 || o.workers < 1 || o.batch < 1 {
		return errors.New("bench tx: --txs, --workers and --batch must be positive")
	}
	root, err := os.MkdirTemp("", "pnyx-bench-tx-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(progress, "bench tx: homes kept in", root)
	} else {
		defer os.RemoveAll(root)
	}
	var prof *os.File
	if o.cpuProfile != "" {
		if prof, err = os.Create(o.cpuProfile); err != nil {
			return err
		}
		defer prof.Close()
	}
	// The same node options for both runs; both homes get the config.toml
	// node.Init writes (pnyx's defaults), so the configuration is identical.
	nodeOpts := launch.Quiet()
	if o.timeoutCommit > 0 {
		nodeOpts.Config = func(c *node.Config) { c.Consensus.TimeoutCommit = o.timeoutCommit }
	}

	fmt.Fprintf(out, "bench tx: %d txs, %d workers, %d txs per request, GOMAXPROCS=%d, %s/%s\n",
		o.txs, o.workers, o.batch, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)

	pn, txSize, err := benchPnyx(ctx, out, progress, filepath.Join(root, "pnyx"), nodeOpts, o, prof)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pnyx (token/burn, %d-byte signed txs): %v\n", txSize, pn)
	if pn.Failed > 0 {
		return fmt.Errorf("bench tx: %d txs failed in their block", pn.Failed)
	}
	var base benchResult
	if !o.noBaseline {
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

// freeAddr returns a loopback "tcp://127.0.0.1:PORT" that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return "tcp://" + l.Addr().String(), nil
}

// benchKey derives member k's key deterministically, so runs are repeatable.
func benchKey(k int) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "pnyx-bench-member")
	binary.BigEndian.PutUint64(seed[24:], uint64(k))
	return ed25519.NewKeyFromSeed(seed)
}

// startBenchNode initialises a single-validator pnyx chain in home, starts
// it with its API on a free port and waits for its first block. It returns
// the running node (the caller stops it), a client of its API and the
// genesis administrator's key. Every pnyx bench starts its node here.
func startBenchNode(ctx context.Context, home string, nodeOpts node.Options) (*launch.Running, *client.Client, ed25519.PrivateKey, error) {
	p2p, err := freeAddr()
	if err != nil {
		return nil, nil, nil, err
	}
	adminKey, err := launch.Init(home, launch.InitOptions{ChainID: "pnyx-bench", P2PAddr: p2p, RPCAddr: node.RPCOff})
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: nodeOpts})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := r.WaitForBlocks(ctx, 1); err != nil {
		r.Stop()
		return nil, nil, nil, err
	}
	return r, client.New(r.APIURL), adminKey, nil
}

func benchPnyx(ctx context.Context, out, progress io.Writer, home string, nodeOpts node.Options, o benchTxOptions, prof *os.File) (benchResult, int, error) {
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
	keys := make([]ed25519.PrivateKey, o.txs)
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

// waitCommitted polls the API until raw is committed and checks its code.
func waitCommitted(ctx context.Context, c *client.Client, raw []byte) error {
	path := "/v1/txs/" + hex.EncodeToString(tx.Hash(raw))
	for {
		var res api.TxResult
		err := c.Get(ctx, path, nil, &res)
		if err == nil {
			if res.Code != 0 {
				return &codes.Error{Code: res.Code, Msg: res.Log}
			}
			return nil
		}
		if codes.Of(err) != codes.NotFound {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func benchBaseline(ctx context.Context, progress io.Writer, home string, nodeOpts node.Options, o benchTxOptions, size int) (benchResult, error) {
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
	ntx := o.baseTxs
	if ntx <= 0 {
		ntx = 5 * o.txs
	}
	txs := nodetest.PaddedCounterTxs("bench", ntx, size)
	fmt.Fprintln(progress, "bench tx: baseline: submitting")
	return measure(ctx, progress, "baseline", n, c, txs, o)
}

// measure submits txs through the API at c from o.workers goroutines,
// without waiting for commits, and counts them as they are committed by
// following n's blocks. A submission refused because the mempool is full is
// retried shortly after; any other refusal is an error.
func measure(ctx context.Context, progress io.Writer, name string, n *node.Node, c *client.Client, txs [][]byte, o benchTxOptions) (benchResult, error) {
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
	errs := make(chan error, o.workers)
	for range o.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(int64(o.batch))) - o.batch
				if k >= len(txs) {
					return
				}
				chunk := txs[k:min(k+o.batch, len(txs))]
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

// processCPU is the user plus system CPU time this process has used. Other
// work on the machine slows a run down but does not add to it, so it tells
// a slower machine from a busier one.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

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
