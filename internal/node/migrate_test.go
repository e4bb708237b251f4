package node

import (
	"os"
	"strings"
	"testing"

	cfg "github.com/cometbft/cometbft/config"
)

// TestMigrateConfigOldHome: a home as pnyx wrote them before issue 12
// (p2p on 0.0.0.0, no peer filter, pex and RPC on) is reported, then
// rewritten to loopback, filter on, pex and RPC off, with the old file
// kept; a second run finds nothing to do. A networked home keeps its
// address and is told to replace 0.0.0.0, and gets the multi-validator
// consensus timeouts.
func TestMigrateConfigOldHome(t *testing.T) {
	home := t.TempDir()
	if err := Init(home, InitOptions{ChainID: "mig"}); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	c.P2P.ListenAddress = "tcp://0.0.0.0:26656"
	c.RPC.ListenAddress = "tcp://0.0.0.0:26657"
	c.FilterPeers, c.P2P.PexReactor = false, true
	cfg.WriteConfigFile(configPath(home), c)
	before, _ := os.ReadFile(configPath(home))

	changes, err := MigrateConfig(home, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 4 {
		t.Fatalf("want 4 changes, got %q", changes)
	}
	if now, _ := os.ReadFile(configPath(home)); string(now) != string(before) {
		t.Fatal("a dry run rewrote config.toml")
	}
	if _, err := MigrateConfig(home, false, true); err != nil {
		t.Fatal(err)
	}
	c, err = LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if !c.FilterPeers || c.P2P.PexReactor || c.RPC.ListenAddress != "" || c.P2P.ListenAddress != DefaultP2PAddr {
		t.Fatalf("after migration: filter %v pex %v rpc %q p2p %q", c.FilterPeers, c.P2P.PexReactor, c.RPC.ListenAddress, c.P2P.ListenAddress)
	}
	if bak, _ := os.ReadFile(configPath(home) + ".bak"); string(bak) != string(before) {
		t.Fatal("the old config.toml was not kept as config.toml.bak")
	}
	if again, _ := MigrateConfig(home, false, true); len(again) != 0 {
		t.Fatalf("a migrated home still has changes: %q", again)
	}

	// A networked home: the address stays, with advice.
	c.P2P.ListenAddress = "tcp://0.0.0.0:26656"
	c.P2P.PersistentPeers = "0123456789012345678901234567890123456789@10.0.0.2:26656"
	cfg.WriteConfigFile(configPath(home), c)
	changes, err = MigrateConfig(home, false, true)
	if err != nil {
		t.Fatal(err)
	}
	// Init's single-node home kept CometBFT's consensus timeouts; with
	// peers it gets the multi-validator ones.
	if len(changes) != 2 || !strings.Contains(changes[0], "consensus timeouts") || !strings.Contains(changes[1], "replace 0.0.0.0") {
		t.Fatalf("networked home: %q", changes)
	}
	c, _ = LoadConfig(home)
	if c.P2P.ListenAddress != "tcp://0.0.0.0:26656" {
		t.Fatalf("networked home's address changed to %q", c.P2P.ListenAddress)
	}
	if c.Consensus.TimeoutPropose != WANTimeoutPropose || c.Consensus.TimeoutPrecommit != WANTimeoutVote {
		t.Fatalf("networked home's timeouts: propose %v precommit %v", c.Consensus.TimeoutPropose, c.Consensus.TimeoutPrecommit)
	}
}
