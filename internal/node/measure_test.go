package node_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
)

// Measurements behind the defaults in config.go; they depend on the machine,
// so they only run on request:
//
//	PNYX_MEASURE=1 go test ./node -run Measure -v -count=1
//
// PNYX_MEASURE_TXS sets the number of txs per run (default 20000).

func measureTxs(t *testing.T) int {
	if os.Getenv("PNYX_MEASURE") == "" {
		t.Skip("set PNYX_MEASURE=1 to measure")
	}
	if s := os.Getenv("PNYX_MEASURE_TXS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return 20000
}

// TestMeasureTimeoutCommit: committed tx/s of one validator with CounterApp
// for several timeout_commit values, 250-byte txs, 8 submitting goroutines.
func TestMeasureTimeoutCommit(t *testing.T) {
	ntx := measureTxs(t)
	for _, tc := range []time.Duration{50, 100, 200, 300, 500, 1000} {
		tc := tc * time.Millisecond
		home := initSingle(t)
		n, err := node.New(home, newCounter(t, home), node.Options{Config: func(c *node.Config) {
			c.Consensus.TimeoutCommit = tc
		}})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		// Warm up (first blocks, caches), then measure.
		if _, err := nodetest.Load(ctx, n, nodetest.PaddedCounterTxs("warm", 500, 250), 8); err != nil {
			t.Fatal(err)
		}
		res, err := nodetest.Load(ctx, n, nodetest.PaddedCounterTxs("m", ntx, 250), 8)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		// Latency of a lone tx: submit, WaitTx.
		lat := loneTxLatency(t, n, 10)
		t.Logf("timeout_commit=%v: %v; lone tx submit->committed median %v", tc, res, lat)
		_ = n.Stop()
	}
}

// loneTxLatency is the median time from BroadcastTxSync to WaitTx returning
// for txs sent one at a time.
func loneTxLatency(t *testing.T, n *node.Node, k int) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var ds []time.Duration
	for i := range k {
		tx := fmt.Appendf(nil, "lone-%d-%d", time.Now().UnixNano(), i)
		start := time.Now()
		if _, err := n.BroadcastTxSync(ctx, tx); err != nil {
			t.Fatal(err)
		}
		if _, err := n.WaitTx(ctx, node.TxHash(tx)); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	for i := range ds { // insertion sort, k is small
		for j := i; j > 0 && ds[j] < ds[j-1]; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
	return ds[len(ds)/2]
}

// TestMeasureFourValidators: commit latency and throughput of 4 in-process
// validators with the 10 ms gossip settings Testnet writes, and with
// CometBFT's 100 ms defaults.
func TestMeasureFourValidators(t *testing.T) {
	ntx := measureTxs(t)
	for _, gossip := range []time.Duration{node.MultiValidatorGossip, 100 * time.Millisecond} {
		net := nodetest.StartNetwork(t, 4, "measure", nil, nodetest.CounterAppIn, node.Options{Config: func(c *node.Config) {
			c.P2P.FlushThrottleTimeout = gossip
			c.Consensus.PeerGossipSleepDuration = gossip
		}})
		lat := loneTxLatency(t, net.Nodes[0], 10)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		res, err := nodetest.Load(ctx, net.Nodes[0], nodetest.PaddedCounterTxs("m4", ntx/2, 250), 8)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("4 validators, gossip %v: lone tx submit->committed median %v; %v", gossip, lat, res)
		net.StopAll()
	}
}
