package node

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
)

// AllowListFile is HOME/config/allowed_peers: node IDs (one a line, '#'
// comments) that may connect besides the home's persistent peers, for
// sentries and replicas added after the homes were written. The node reads
// it each time a peer connects, so an edit takes effect without a restart.
const AllowListFile = "allowed_peers"

func allowListPath(home string) string {
	return filepath.Join(home, cfg.DefaultConfigDir, AllowListFile)
}

// AllowPeers adds node IDs to home's allow-list file.
func AllowPeers(home string, ids ...string) error {
	for _, id := range ids {
		if !validID(id) {
			return fmt.Errorf("node: allow peer %q: a node ID is 40 hex digits", id)
		}
	}
	f, err := os.OpenFile(allowListPath(home), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("node: allow-list: %w", err)
	}
	for _, id := range ids {
		if _, err := fmt.Fprintln(f, id); err != nil {
			f.Close()
			return fmt.Errorf("node: allow-list: %w", err)
		}
	}
	return f.Close()
}

func validID(id string) bool {
	b, err := hex.DecodeString(id)
	return err == nil && len(b) == 20
}

// CometBFT asks the application whether to accept a peer when filter_peers
// is on (pnyx's default): "/p2p/filter/addr/<ip:port>" when a connection
// opens and "/p2p/filter/id/<node ID>" once the peer has proven its node
// key in the handshake. The node answers these itself, before the
// application sees them, so any application gets the same rule: only
// configured peers. Addresses are not identities (a sentry's clients, NAT),
// so every address passes and the node ID decides.
const (
	filterPrefix   = "/p2p/filter/"
	filterIDPrefix = "/p2p/filter/id/"
)

// filterPeer answers a /p2p/filter/ query.
func (n *Node) filterPeer(path string) *abci.ResponseQuery {
	id, isID := strings.CutPrefix(path, filterIDPrefix)
	if !isID {
		return &abci.ResponseQuery{}
	}
	ok, err := n.peerAllowed(strings.ToLower(id))
	switch {
	case err != nil:
		return &abci.ResponseQuery{Code: 1, Log: err.Error()}
	case !ok:
		return &abci.ResponseQuery{Code: 1, Log: fmt.Sprintf("peer %s is not among this node's persistent peers or in %s", id, allowListPath(n.home))}
	}
	return &abci.ResponseQuery{}
}

// peerAllowed reports whether id is a persistent or unconditional peer in
// config.toml or listed in the allow-list file.
func (n *Node) peerAllowed(id string) (bool, error) {
	var ids []string
	for _, p := range splitList(n.config.P2P.PersistentPeers) {
		pid, _, _ := strings.Cut(p, "@")
		ids = append(ids, strings.ToLower(pid))
	}
	for _, pid := range splitList(n.config.P2P.UnconditionalPeerIDs) {
		ids = append(ids, strings.ToLower(pid))
	}
	if slices.Contains(ids, id) {
		return true, nil
	}
	f, err := os.Open(allowListPath(n.home))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("node: allow-list: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if strings.ToLower(strings.TrimSpace(line)) == id {
			return true, nil
		}
	}
	return false, sc.Err()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// HomeNodeID is the node ID of home's node key, the ID its peers list.
func HomeNodeID(home string) (string, error) {
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	key, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		return "", fmt.Errorf("node: node key: %w", err)
	}
	return string(key.ID()), nil
}
