package node_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
)

func TestTestnetLayout(t *testing.T) {
	out := t.TempDir()
	homes, err := node.Testnet(out, 3, node.TestnetOptions{
		ChainID:  "pnyx-local",
		AppState: json.RawMessage(`{"x":1}`),
		BasePort: 36000,
		RPC:      true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(homes) != 3 || homes[2] != filepath.Join(out, "node2") {
		t.Fatalf("homes %v", homes)
	}
	var first []byte
	for i, home := range homes {
		if !node.IsInitialized(home) {
			t.Fatalf("%s not initialized", home)
		}
		g, err := os.ReadFile(filepath.Join(home, "config/genesis.json"))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = g
		} else if string(g) != string(first) {
			t.Fatalf("node%d has a different genesis", i)
		}
		c, err := node.LoadConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		wantP2P := []string{"tcp://127.0.0.1:36000", "tcp://127.0.0.1:36002", "tcp://127.0.0.1:36004"}[i]
		wantRPC := []string{"tcp://127.0.0.1:36001", "tcp://127.0.0.1:36003", "tcp://127.0.0.1:36005"}[i]
		if c.P2P.ListenAddress != wantP2P || c.RPC.ListenAddress != wantRPC {
			t.Errorf("node%d listens on %s / %s", i, c.P2P.ListenAddress, c.RPC.ListenAddress)
		}
		peers := strings.Split(c.P2P.PersistentPeers, ",")
		if len(peers) != 2 || strings.Contains(c.P2P.PersistentPeers, wantP2P[len("tcp://"):]) {
			t.Errorf("node%d persistent_peers %q", i, c.P2P.PersistentPeers)
		}
		if !c.P2P.AllowDuplicateIP || c.P2P.AddrBookStrict || c.P2P.PexReactor ||
			c.P2P.FlushThrottleTimeout != node.MultiValidatorGossip ||
			c.Consensus.PeerGossipSleepDuration != node.MultiValidatorGossip {
			t.Errorf("node%d p2p/consensus settings: %+v", i, c.P2P)
		}
	}
	gen, err := types.GenesisDocFromJSON(first)
	if err != nil {
		t.Fatal(err)
	}
	if len(gen.Validators) != 3 || gen.Validators[0].Power != gen.Validators[2].Power || string(gen.AppState) == "" {
		t.Fatalf("genesis validators %+v", gen.Validators)
	}
	// Without RPC, the RPC is off, and every home filters its peers.
	off, err := node.Testnet(t.TempDir(), 2, node.TestnetOptions{ChainID: "pnyx-local", BasePort: 36010})
	if err != nil {
		t.Fatal(err)
	}
	for _, home := range off {
		c, err := node.LoadConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		if c.RPC.ListenAddress != "" || !c.FilterPeers {
			t.Errorf("%s: rpc %q, filter_peers %v", home, c.RPC.ListenAddress, c.FilterPeers)
		}
	}
	if _, err := node.Testnet(out, 3, node.TestnetOptions{ChainID: "again"}); err == nil {
		t.Fatal("Testnet overwrote existing homes")
	}
}

// TestFourValidators: agreement, liveness with one validator down, catch-up
// after restart. The chain package reruns nodetest.RunScenario with the
// pnyx app.
func TestFourValidators(t *testing.T) {
	nodetest.RunScenario(t, nodetest.Scenario{
		NewApp: nodetest.CounterAppIn,
		Tx:     nodetest.CounterTx,
	})
}
