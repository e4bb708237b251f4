package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
)

// RPCOff as InitOptions.RPCAddr disables CometBFT's own RPC server, which
// is also the default: pnyx's API calls the Node directly and does not need
// it, and the RPC answers without asking who reads (Options.RefuseQuery).
const RPCOff = "off"

// Default listen addresses, CometBFT's usual ports. Both are loopback: a
// home made by Init is a single node, which has no peers; a node of a
// network is given its address (Testnet, or InitOptions.P2PAddr).
const (
	DefaultP2PAddr = "tcp://127.0.0.1:26656"
	// DefaultRPCAddr is where the RPC listens when turned on without an
	// address (Testnet's RPC option uses its own ports).
	DefaultRPCAddr = "tcp://127.0.0.1:26657"
)

// DefaultPower is the voting power of each genesis validator.
const DefaultPower = 10

// InitOptions describes a new single-validator home.
type InitOptions struct {
	ChainID string // required
	Moniker string // default: the host name

	// AppState is the application's genesis state, composed by the caller
	// and written as genesis.json's app_state. nil means none.
	AppState json.RawMessage

	// GenesisTime defaults to now. Validators of one network must share it,
	// it is part of the genesis.
	GenesisTime time.Time

	// P2PAddr is the consensus/p2p listen address (default DefaultP2PAddr).
	P2PAddr string
	// RPCAddr is CometBFT's RPC listen address; empty or RPCOff (the
	// default) leaves it off.
	RPCAddr string

	// ConsensusParams defaults to CometBFT's defaults.
	ConsensusParams *types.ConsensusParams
}

// IsInitialized reports whether home holds a genesis, a config and the
// validator and node keys.
func IsInitialized(home string) bool {
	c := cfg.DefaultConfig()
	c.SetRoot(home)
	for _, f := range []string{configPath(home), c.GenesisFile(), c.PrivValidatorKeyFile(), c.NodeKeyFile()} {
		if _, err := os.Stat(f); err != nil {
			return false
		}
	}
	return true
}

// Init writes a single-validator CometBFT home: config.toml with pnyx's
// defaults, fresh node and validator keys, and a genesis naming that one
// validator. It refuses to touch a home that already has any of these files.
func Init(home string, opts InitOptions) error {
	if opts.ChainID == "" {
		return errors.New("node: InitOptions.ChainID is required")
	}
	if opts.Moniker == "" {
		opts.Moniker, _ = os.Hostname()
	}
	if opts.GenesisTime.IsZero() {
		opts.GenesisTime = cmttime.Now()
	}
	c, err := prepareHome(home, opts.Moniker, opts.P2PAddr, opts.RPCAddr)
	if err != nil {
		return err
	}
	pv := privval.GenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	pv.Save()
	if _, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile()); err != nil {
		return fmt.Errorf("node: node key: %w", err)
	}
	gen, err := genesisDoc(opts.ChainID, opts.GenesisTime, opts.AppState, opts.ConsensusParams, []*privval.FilePV{pv})
	if err != nil {
		return err
	}
	if err := gen.SaveAs(c.GenesisFile()); err != nil {
		return fmt.Errorf("node: write genesis: %w", err)
	}
	cfg.WriteConfigFile(configPath(home), c)
	return nil
}

// prepareHome checks that home holds no CometBFT files, creates its
// directories and returns the pnyx config for it with the given addresses.
// The caller writes the files.
func prepareHome(home, moniker, p2pAddr, rpcAddr string) (*cfg.Config, error) {
	abs, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	c := pnyxConfig(abs)
	for _, f := range []string{configPath(abs), c.GenesisFile(), c.PrivValidatorKeyFile(),
		c.PrivValidatorStateFile(), c.NodeKeyFile()} {
		if _, err := os.Stat(f); err == nil {
			return nil, fmt.Errorf("node: %s already exists; refusing to overwrite an existing home", f)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	for _, d := range []string{filepath.Join(abs, cfg.DefaultConfigDir), filepath.Join(abs, cfg.DefaultDataDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	c.Moniker = moniker
	c.P2P.ListenAddress = p2pAddr
	if c.P2P.ListenAddress == "" {
		c.P2P.ListenAddress = DefaultP2PAddr
	}
	switch rpcAddr {
	case "", RPCOff:
		c.RPC.ListenAddress = ""
	default:
		c.RPC.ListenAddress = rpcAddr
	}
	return c, nil
}

// genesisDoc builds and validates a genesis with equal power for every
// validator key.
func genesisDoc(chainID string, t time.Time, appState json.RawMessage, params *types.ConsensusParams, pvs []*privval.FilePV) (*types.GenesisDoc, error) {
	if params == nil {
		params = types.DefaultConsensusParams()
	}
	gen := &types.GenesisDoc{
		ChainID:         chainID,
		GenesisTime:     t.UTC(),
		InitialHeight:   1,
		ConsensusParams: params,
		AppState:        appState,
	}
	for i, pv := range pvs {
		pub, err := pv.GetPubKey()
		if err != nil {
			return nil, err
		}
		gen.Validators = append(gen.Validators, types.GenesisValidator{
			Address: pub.Address(),
			PubKey:  pub,
			Power:   DefaultPower,
			Name:    fmt.Sprintf("validator%d", i),
		})
	}
	if err := gen.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("node: invalid genesis: %w", err)
	}
	return gen, nil
}
