package node

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
)

// Host roles in a network file.
const (
	RoleValidator = "validator"
	// RoleSentry is a full node that is not a validator. With Fronts set it
	// stands in front of that validator, which then peers only with its
	// sentries; without, it is a replica that peers with every public node.
	RoleSentry = "sentry"
	// RoleReplica is a full node that serves the API in front of the
	// validators (reads, and txs it gossips on): a sentry that fronts no
	// validator, named for what it is for.
	RoleReplica = "replica"
)

// DefaultNetworkP2PPort is the p2p port of a host whose line gives none.
const DefaultNetworkP2PPort = 26656

// Host is one machine of a network: a validator or a sentry, with the
// address the others reach it at.
type Host struct {
	Name string // home folder name and moniker: letters, digits, '-', '_'
	Role string // RoleValidator or RoleSentry
	IP   string // address the other hosts dial (IPv4 or IPv6 literal)
	Port int    // p2p port (default DefaultNetworkP2PPort)
	// Fronts is, for a sentry, the validator it stands in front of.
	Fronts string
	// Power is a validator's voting power (default DefaultPower).
	Power int64
}

// ParseHosts reads a network file: one host a line,
//
//	# name      role       address           options
//	hq          validator  10.10.0.1
//	seoul       validator  10.10.0.2:26656   power=10
//	seoul-s1    sentry     10.10.1.2         fronts=seoul
//	api-1       replica    10.10.2.1
//
// '#' starts a comment. The address is an IP with an optional p2p port.
func ParseHosts(r io.Reader) ([]Host, error) {
	var hosts []Host
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		if len(f) < 3 {
			return nil, fmt.Errorf("node: network file line %d: want NAME ROLE ADDRESS [fronts=NAME] [power=N]", line)
		}
		h := Host{Name: f[0], Role: f[1], IP: f[2]}
		if ip, port, err := net.SplitHostPort(f[2]); err == nil {
			p, err := strconv.Atoi(port)
			if err != nil {
				return nil, fmt.Errorf("node: network file line %d: port %q", line, port)
			}
			h.IP, h.Port = ip, p
		}
		for _, opt := range f[3:] {
			k, v, _ := strings.Cut(opt, "=")
			switch k {
			case "fronts":
				h.Fronts = v
			case "power":
				p, err := strconv.ParseInt(v, 10, 64)
				if err != nil || p <= 0 {
					return nil, fmt.Errorf("node: network file line %d: power %q is not a positive number", line, v)
				}
				h.Power = p
			default:
				return nil, fmt.Errorf("node: network file line %d: unknown option %q (fronts=, power=)", line, opt)
			}
		}
		hosts = append(hosts, h)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return hosts, nil
}

// NetworkOptions shape the homes Network writes.
type NetworkOptions struct {
	ChainID  string          // required
	AppState json.RawMessage // genesis app_state
	// AppStateFor, if set, makes app_state once the validator keys exist
	// (pnyx lists the validators there too); it replaces AppState.
	AppStateFor func(validators []types.GenesisValidator) (json.RawMessage, error)
	GenesisTime time.Time // default now
	// Config, if set, adjusts every host's config before it is written
	// (test timeouts, say).
	Config          func(*Config)
	ConsensusParams *types.ConsensusParams
}

// checkHosts validates a host list: unique names and addresses, known
// roles, sentries fronting validators, at least one validator.
func checkHosts(hosts []Host) error {
	names := map[string]string{}
	addrs := map[string]string{}
	validators := 0
	for i := range hosts {
		h := &hosts[i]
		if h.Port == 0 {
			h.Port = DefaultNetworkP2PPort
		}
		if h.Name == "" || strings.IndexFunc(h.Name, func(r rune) bool {
			return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) >= 0 {
			return fmt.Errorf("node: host name %q: use letters, digits, '-' and '_'", h.Name)
		}
		if _, dup := names[h.Name]; dup {
			return fmt.Errorf("node: host %q is listed twice", h.Name)
		}
		names[h.Name] = h.Role
		if net.ParseIP(h.IP) == nil {
			return fmt.Errorf("node: host %s: %q is not an IP address", h.Name, h.IP)
		}
		if ip := net.ParseIP(h.IP); ip.IsUnspecified() {
			return fmt.Errorf("node: host %s: %s is not an address other hosts can dial", h.Name, h.IP)
		}
		addr := net.JoinHostPort(h.IP, strconv.Itoa(h.Port))
		if other, dup := addrs[addr]; dup {
			return fmt.Errorf("node: hosts %s and %s share the address %s", other, h.Name, addr)
		}
		addrs[addr] = h.Name
		switch h.Role {
		case RoleValidator:
			validators++
			if h.Fronts != "" {
				return fmt.Errorf("node: host %s: only a sentry fronts a validator", h.Name)
			}
			if h.Power == 0 {
				h.Power = DefaultPower
			}
		case RoleSentry, RoleReplica:
			if h.Power != 0 {
				return fmt.Errorf("node: host %s: a %s has no voting power", h.Name, h.Role)
			}
			if h.Role == RoleReplica && h.Fronts != "" {
				return fmt.Errorf("node: host %s: a replica fronts no validator (make it a sentry)", h.Name)
			}
		default:
			return fmt.Errorf("node: host %s: role %q (want %s, %s or %s)", h.Name, h.Role, RoleValidator, RoleSentry, RoleReplica)
		}
	}
	for _, h := range hosts {
		if h.Fronts != "" && names[h.Fronts] != RoleValidator {
			return fmt.Errorf("node: sentry %s fronts %q, which is not a validator in the file", h.Name, h.Fronts)
		}
	}
	if validators == 0 {
		return errors.New("node: a network needs at least one validator")
	}
	return nil
}

// networkPeers decides who dials whom: a validator with sentries peers only with
// them; every other node (a public validator, a sentry, a replica) peers
// with every other public node; a sentry also peers with the validator it
// fronts. It returns, per host index, the indexes of its peers, sorted.
func networkPeers(hosts []Host) [][]int {
	hidden := map[string]bool{} // validators behind a sentry
	for _, h := range hosts {
		if h.Fronts != "" {
			hidden[h.Fronts] = true
		}
	}
	peers := make([][]int, len(hosts))
	for i, h := range hosts {
		for j, o := range hosts {
			switch {
			case i == j:
			case hidden[h.Name]: // I am hidden: only my sentries
				if o.Fronts == h.Name {
					peers[i] = append(peers[i], j)
				}
			case hidden[o.Name]: // they are hidden: only if I front them
				if h.Fronts == o.Name {
					peers[i] = append(peers[i], j)
				}
			default:
				peers[i] = append(peers[i], j)
			}
		}
	}
	return peers
}

// Network writes one home per host under out (out/NAME) sharing one genesis
// whose validators are the validator hosts, with each home's persistent
// peers set by role (networkPeers) and peer filtering on, so each node
// accepts exactly the peers it dials. Every node listens for peers on its
// own address; CometBFT's RPC is off. It refuses to write anything if any
// home exists already. It returns the homes in host order.
//
// The node keys and validator keys are made here, on one machine: for a
// real network's genesis ceremony each operator makes their own keys and
// sends only public keys (docs/operations.md); Network is the one-step
// version for drills and rehearsals.
func Network(out string, hosts []Host, opts NetworkOptions) ([]string, error) {
	if opts.ChainID == "" {
		return nil, errors.New("node: NetworkOptions.ChainID is required")
	}
	hosts = slices.Clone(hosts)
	if err := checkHosts(hosts); err != nil {
		return nil, err
	}
	if opts.GenesisTime.IsZero() {
		opts.GenesisTime = cmttime.Now()
	}
	homes := make([]string, len(hosts))
	for i, h := range hosts {
		homes[i] = filepath.Join(out, h.Name)
		if _, err := os.Stat(filepath.Join(homes[i], cfg.DefaultConfigDir)); err == nil {
			return nil, fmt.Errorf("node: %s already has a config directory; refusing to overwrite", homes[i])
		}
	}
	confs := make([]*cfg.Config, len(hosts))
	ids := make([]string, len(hosts))
	var vals []types.GenesisValidator
	for i, h := range hosts {
		listen := "tcp://" + net.JoinHostPort(h.IP, strconv.Itoa(h.Port))
		c, err := prepareHome(homes[i], h.Name, listen, RPCOff)
		if err != nil {
			return nil, err
		}
		// Every home has a validator key (CometBFT loads one); only the
		// validators' are in genesis.
		pv := privval.GenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
		pv.Save()
		key, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile())
		if err != nil {
			return nil, fmt.Errorf("node: node key: %w", err)
		}
		ids[i] = string(key.ID())
		confs[i] = c
		if h.Role == RoleValidator {
			pub, err := pv.GetPubKey()
			if err != nil {
				return nil, err
			}
			vals = append(vals, types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: h.Power, Name: h.Name})
		}
	}
	if opts.AppStateFor != nil {
		st, err := opts.AppStateFor(vals)
		if err != nil {
			return nil, err
		}
		opts.AppState = st
	}
	params := opts.ConsensusParams
	if params == nil {
		params = types.DefaultConsensusParams()
	}
	gen := &types.GenesisDoc{ChainID: opts.ChainID, GenesisTime: opts.GenesisTime.UTC(), InitialHeight: 1,
		ConsensusParams: params, AppState: opts.AppState, Validators: vals}
	if err := gen.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("node: invalid genesis: %w", err)
	}
	peers := networkPeers(hosts)
	for i, c := range confs {
		if err := gen.SaveAs(c.GenesisFile()); err != nil {
			return nil, fmt.Errorf("node: write genesis: %w", err)
		}
		var list, private []string
		for _, j := range peers[i] {
			list = append(list, ids[j]+"@"+net.JoinHostPort(hosts[j].IP, strconv.Itoa(hosts[j].Port)))
			if hosts[i].Fronts == hosts[j].Name {
				private = append(private, ids[j])
			}
		}
		c.P2P.PersistentPeers = strings.Join(list, ",")
		// A sentry never tells anyone its validator's address.
		c.P2P.PrivatePeerIDs = strings.Join(private, ",")
		tuneMultiValidator(c)
		if opts.Config != nil {
			opts.Config(c)
		}
		if err := c.ValidateBasic(); err != nil {
			return nil, fmt.Errorf("node: config of %s: %w", hosts[i].Name, err)
		}
		cfg.WriteConfigFile(configPath(c.RootDir), c)
	}
	return homes, nil
}
