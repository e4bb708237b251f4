package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
)

// busy makes a block every 50 ms even without txs.
func busy(c *node.Config) {
	c.Consensus.TimeoutCommit = 50 * time.Millisecond
	c.Consensus.CreateEmptyBlocksInterval = 0
}

// A home written by Init listens for peers on loopback unless told
// otherwise: a laptop's node is no public peer (issue 12, finding 2).
func TestSingleNodeHomeListensOnLoopback(t *testing.T) {
	home := t.TempDir()
	if err := node.Init(home, node.InitOptions{ChainID: "pnyx-test"}); err != nil {
		t.Fatal(err)
	}
	c, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.P2P.ListenAddress, "tcp://127.0.0.1:") {
		t.Fatalf("p2p listens on %s, not loopback", c.P2P.ListenAddress)
	}
}

// strangerHome writes a non-validator home for the validator's chain that
// dials the validator and nobody else.
func strangerHome(t *testing.T, validatorHome, validatorAddr string) string {
	t.Helper()
	home := t.TempDir()
	port := nodetest.FreePorts(t, 1)[0]
	if err := node.Init(home, node.InitOptions{ChainID: "other", P2PAddr: fmt.Sprintf("tcp://127.0.0.1:%d", port), RPCAddr: node.RPCOff}); err != nil {
		t.Fatal(err)
	}
	gen, err := os.ReadFile(filepath.Join(validatorHome, "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "config", "genesis.json"), gen, 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

func startStranger(t *testing.T, home, peer string) *node.Node {
	t.Helper()
	n, err := node.New(home, newCounter(t, home), node.Options{LogLevel: "none", Config: func(c *node.Config) {
		busy(c)
		c.P2P.PersistentPeers = peer
		c.P2P.AllowDuplicateIP = true
		c.P2P.AddrBookStrict = false
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPeerNotInAllowListCannotSync reproduces finding 2 of issue 12: a node
// not in genesis synced every block. A validator home from Testnet accepts
// only its configured peers: a stranger that dials it gets no block; once
// the stranger's node ID is in the validator's allow-list, it syncs.
func TestPeerNotInAllowListCannotSync(t *testing.T) {
	out := t.TempDir()
	homes, err := node.Testnet(out, 1, node.TestnetOptions{ChainID: "pnyx-filter", AppState: json.RawMessage(`{}`),
		P2PPorts: nodetest.FreePorts(t, 1), NoRPC: true})
	if err != nil {
		t.Fatal(err)
	}
	v, err := node.New(homes[0], newCounter(t, homes[0]), node.Options{LogLevel: "none", Config: busy})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nodetest.WaitHeight(ctx, t, v, 5)

	home := strangerHome(t, homes[0], v.P2PAddress())
	s := startStranger(t, home, v.P2PAddress())
	time.Sleep(5 * time.Second)
	if h := s.LatestHeight(); h > 0 {
		t.Errorf("a node outside the allow-list synced to height %d of %d", h, v.LatestHeight())
	}
	id := s.NodeID()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	// The same node, allowed.
	if err := node.AllowPeers(homes[0], id); err != nil {
		t.Fatal(err)
	}
	s = startStranger(t, home, v.P2PAddress())
	t.Cleanup(func() { _ = s.Stop() })
	nodetest.WaitHeight(ctx, t, s, v.LatestHeight())
}

// divergingApp computes another app hash than the network at one height,
// as a node whose state was corrupted does.
type divergingApp struct {
	abci.Application
	at int64
}

func (a divergingApp) FinalizeBlock(ctx context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	res, err := a.Application.FinalizeBlock(ctx, req)
	if err == nil && req.Height == a.at {
		res.AppHash = append([]byte("corrupt"), res.AppHash...)
	}
	return res, err
}

// TestDivergedNodeSaysSo reproduces the first half of finding 6 of issue 12:
// a node whose app hash differs from the chain's kept answering as if all
// were well. The node must report itself diverged (and the validator it
// follows healthy).
func TestDivergedNodeSaysSo(t *testing.T) {
	out := t.TempDir()
	homes, err := node.Testnet(out, 1, node.TestnetOptions{ChainID: "pnyx-diverge", AppState: json.RawMessage(`{}`),
		P2PPorts: nodetest.FreePorts(t, 1)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := node.New(homes[0], newCounter(t, homes[0]), node.Options{LogLevel: "none", Config: busy})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Txs, so the app hash changes from block to block.
	for i := range 20 {
		if _, err := v.BroadcastTxSync(ctx, []byte(fmt.Sprintf("tx-%d", i))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	nodetest.WaitHeight(ctx, t, v, 12)

	home := strangerHome(t, homes[0], v.P2PAddress())
	id, err := node.HomeNodeID(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := node.AllowPeers(homes[0], id); err != nil {
		t.Fatal(err)
	}
	f, err := node.New(home, divergingApp{newCounter(t, home), 4}, node.Options{LogLevel: "none", Config: func(c *node.Config) {
		busy(c)
		c.P2P.PersistentPeers = v.P2PAddress()
		c.P2P.AllowDuplicateIP = true
		c.P2P.AddrBookStrict = false
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Stop() })
	deadline := time.Now().Add(20 * time.Second)
	for f.Health().Health != node.Diverged && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if h := f.Health(); h.Health != node.Diverged {
		t.Fatalf("follower with a corrupt app hash at height 4 reports %q (%s) at height %d", h.Health, h.Reason, h.Height)
	}
	st, err := f.Status()
	if err != nil || st.Health != node.Diverged {
		t.Fatalf("follower status health %q, err %v", st.Health, err)
	}
	if h := v.Health(); h.Health != node.Healthy {
		t.Fatalf("validator reports %q: %s", h.Health, h.Reason)
	}
}

// TestNodeWithoutQuorumSaysHalted covers the second half of finding 6 of
// issue 12: a halted node kept answering as if all were well. One of two
// validators alone cannot commit; once it has waited past StallAfter it
// reports halted.
func TestNodeWithoutQuorumSaysHalted(t *testing.T) {
	homes, err := node.Testnet(t.TempDir(), 2, node.TestnetOptions{ChainID: "pnyx-halt", AppState: json.RawMessage(`{}`),
		P2PPorts: nodetest.FreePorts(t, 2)})
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.New(homes[0], newCounter(t, homes[0]), node.Options{LogLevel: "none", Config: busy, StallAfter: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Stop() })
	deadline := time.Now().Add(20 * time.Second)
	for n.Health().Health != node.Halted && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if h := n.Health(); h.Health != node.Halted || n.LatestHeight() != 0 {
		t.Fatalf("a validator without quorum at height %d reports %q (%s)", n.LatestHeight(), h.Health, h.Reason)
	}
}
