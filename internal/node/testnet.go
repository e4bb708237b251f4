package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
)

// DefaultBasePort is where Testnet starts numbering ports.
const DefaultBasePort = 26656

// TestnetOptions describes a local multi-validator network.
type TestnetOptions struct {
	ChainID     string          // required
	AppState    json.RawMessage // genesis app_state, as for Init
	GenesisTime time.Time       // default now

	// Host every node listens on and dials (default 127.0.0.1).
	Host string
	// BasePort numbers the ports: node i listens for p2p on BasePort+2i and
	// (with RPC) for RPC on BasePort+2i+1 (default DefaultBasePort, so node0 gets
	// CometBFT's usual 26656/26657).
	BasePort int
	// P2PPorts and RPCPorts, if set (one per node), replace the derived
	// ports; tests pass free ports here. RPCPorts turns the RPC on.
	P2PPorts []int
	RPCPorts []int
	// RPC turns CometBFT's RPC server on, on the derived ports; it is off
	// by default (it answers reads without knowing who asks).
	RPC bool
	// NoRPC keeps the RPC off even when RPC or RPCPorts is set.
	NoRPC bool

	ConsensusParams *types.ConsensusParams
}

// Testnet writes n validator homes, out/node0 .. out/node{n-1}, that share
// one genesis listing all n validators with equal power and dial each other
// on loopback. It returns the homes. Start each with New(home, app, ...) and
// Start, in one process or as `pnyx start --home out/nodeI`.
func Testnet(out string, n int, opts TestnetOptions) ([]string, error) {
	if n < 1 {
		return nil, errors.New("node: testnet needs at least one validator")
	}
	if opts.ChainID == "" {
		return nil, errors.New("node: TestnetOptions.ChainID is required")
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.BasePort == 0 {
		opts.BasePort = DefaultBasePort
	}
	if opts.GenesisTime.IsZero() {
		opts.GenesisTime = cmttime.Now()
	}
	if (opts.P2PPorts != nil && len(opts.P2PPorts) != n) || (opts.RPCPorts != nil && len(opts.RPCPorts) != n) {
		return nil, fmt.Errorf("node: testnet of %d needs %d ports per list", n, n)
	}
	p2pPort := func(i int) int {
		if opts.P2PPorts != nil {
			return opts.P2PPorts[i]
		}
		return opts.BasePort + 2*i
	}
	rpcAddr := func(i int) string {
		switch {
		case opts.NoRPC:
			return RPCOff
		case opts.RPCPorts != nil:
			return fmt.Sprintf("tcp://%s:%d", opts.Host, opts.RPCPorts[i])
		case opts.RPC:
			return fmt.Sprintf("tcp://%s:%d", opts.Host, opts.BasePort+2*i+1)
		default:
			return RPCOff
		}
	}

	homes := make([]string, n)
	for i := range homes {
		homes[i] = filepath.Join(out, fmt.Sprintf("node%d", i))
		// Check every home before writing any, so a refusal leaves no
		// half-written network behind.
		if _, err := os.Stat(filepath.Join(homes[i], cfg.DefaultConfigDir)); err == nil {
			return nil, fmt.Errorf("node: %s already has a config directory; refusing to overwrite", homes[i])
		}
	}

	confs := make([]*cfg.Config, n)
	pvs := make([]*privval.FilePV, n)
	peers := make([]string, n)
	for i, home := range homes {
		c, err := prepareHome(home, fmt.Sprintf("node%d", i),
			fmt.Sprintf("tcp://%s:%d", opts.Host, p2pPort(i)), rpcAddr(i))
		if err != nil {
			return nil, err
		}
		pvs[i] = privval.GenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
		pvs[i].Save()
		key, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile())
		if err != nil {
			return nil, fmt.Errorf("node: node key: %w", err)
		}
		peers[i] = fmt.Sprintf("%s@%s:%d", key.ID(), opts.Host, p2pPort(i))
		confs[i] = c
	}
	gen, err := genesisDoc(opts.ChainID, opts.GenesisTime, opts.AppState, opts.ConsensusParams, pvs)
	if err != nil {
		return nil, err
	}
	for i, c := range confs {
		if err := gen.SaveAs(c.GenesisFile()); err != nil {
			return nil, fmt.Errorf("node: write genesis: %w", err)
		}
		var others []string
		for j, p := range peers {
			if j != i {
				others = append(others, p)
			}
		}
		c.P2P.PersistentPeers = strings.Join(others, ",")
		// All nodes share one IP (loopback), which CometBFT's address book
		// would otherwise treat as one suspicious peer or a non-routable one.
		c.P2P.AllowDuplicateIP = true
		c.P2P.AddrBookStrict = false
		c.P2P.PexReactor = false
		if n > 1 {
			tuneMultiValidator(c)
		}
		cfg.WriteConfigFile(configPath(c.RootDir), c)
	}
	return homes, nil
}
