package node

import (
	"fmt"
	"os"
	"strings"

	cfg "github.com/cometbft/cometbft/config"
)

// MigrateConfig brings a home's config.toml written by an older pnyx to
// today's safe defaults, and returns one line per change (none: nothing
// to do). With write false it only reports. Homes made before issue 12
// listened for peers on 0.0.0.0 with no peer filter (any node holding the
// genesis could connect and sync every block) and ran CometBFT's RPC,
// which answers reads without knowing who asks. The changes:
//
//   - filter_peers on: only persistent peers, unconditional peer IDs and
//     HOME/config/allowed_peers may connect;
//   - pex off: nothing to discover in a permissioned network;
//   - RPC off, unless keepRPC;
//   - a networked home still on CometBFT's consensus timeouts gets pnyx's
//     (WANTimeoutPropose, WANTimeoutVote);
//   - a home with no persistent peers (a single node) listens for peers on
//     loopback instead of 0.0.0.0. A networked home keeps its address: the
//     operator should replace 0.0.0.0 by the host's own address, which
//     MigrateConfig cannot know, and it says so.
//
// The old file is kept as config.toml.bak.
func MigrateConfig(home string, keepRPC, write bool) ([]string, error) {
	c, err := LoadConfig(home)
	if err != nil {
		return nil, err
	}
	var changes []string
	if !c.FilterPeers {
		c.FilterPeers = true
		changes = append(changes, "filter_peers: false -> true (only configured peers may connect)")
	}
	if c.P2P.PexReactor {
		c.P2P.PexReactor = false
		changes = append(changes, "p2p.pex: true -> false")
	}
	if c.RPC.ListenAddress != "" && !keepRPC {
		changes = append(changes, fmt.Sprintf("rpc.laddr: %q -> \"\" (CometBFT's RPC off; pnyx's API serves clients)", c.RPC.ListenAddress))
		c.RPC.ListenAddress = ""
	}
	def := cfg.DefaultConsensusConfig()
	if strings.TrimSpace(c.P2P.PersistentPeers) != "" && c.Consensus.TimeoutPropose == def.TimeoutPropose &&
		c.Consensus.TimeoutPrecommit == def.TimeoutPrecommit && c.Consensus.TimeoutPrevote == def.TimeoutPrevote {
		changes = append(changes, fmt.Sprintf("consensus timeouts: propose %v -> %v, prevote and precommit %v -> %v (a validator that is down costs less; docs/performance.md)",
			def.TimeoutPropose, WANTimeoutPropose, def.TimeoutPrevote, WANTimeoutVote))
		c.Consensus.TimeoutPropose = WANTimeoutPropose
		c.Consensus.TimeoutPrevote, c.Consensus.TimeoutPrecommit = WANTimeoutVote, WANTimeoutVote
	}
	wildcard := strings.Contains(c.P2P.ListenAddress, "0.0.0.0") || strings.Contains(c.P2P.ListenAddress, "[::]")
	switch {
	case wildcard && strings.TrimSpace(c.P2P.PersistentPeers) == "":
		changes = append(changes, fmt.Sprintf("p2p.laddr: %q -> %q (a single node has no peers)", c.P2P.ListenAddress, DefaultP2PAddr))
		c.P2P.ListenAddress = DefaultP2PAddr
	case wildcard:
		changes = append(changes, fmt.Sprintf("p2p.laddr: %q kept; replace 0.0.0.0 with this host's own address (pnyx start --p2p-addr, or edit config.toml)", c.P2P.ListenAddress))
	}
	if !write || len(changes) == 0 {
		return changes, nil
	}
	path := configPath(c.RootDir)
	old, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path+".bak", old, 0o600); err != nil {
		return nil, fmt.Errorf("node: keep the old config: %w", err)
	}
	cfg.WriteConfigFile(path, c)
	return changes, nil
}
