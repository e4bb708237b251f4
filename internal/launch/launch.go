// Package launch puts pnyx together: the Merkle store, the chain
// application, the CometBFT node and the HTTP API, in one process. It is the
// one code path behind `pnyx init`, `pnyx start`, `pnyx testnet`, `pnyx
// demo`, the end-to-end tests and the benchmarks, so each of them runs pnyx
// exactly as an operator does.
//
//	admin, err := launch.Init(home, launch.InitOptions{ChainID: "pnyx-local"})
//	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:26680"})
//	defer r.Stop()
//	fmt.Println("API on", r.APIURL)
//
// Start locks the home (HOME/data/pnyx.lock), so a second start on it says
// the home is in use. The API it serves is bounded so that no client can
// starve the node (limits.go): a connection cap that keeps a reserve of
// file descriptors for consensus, read/write/idle timeouts, body and header
// sizes and a per-request deadline. CometBFT's abci_query refuses personal
// records (refusePersonal).
package launch

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/internal/blobsync"
	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/validator"
)

// AdminKeyName is the key file holding the genesis HQ administrator's key.
const AdminKeyName = "admin"

// DefaultAPIAddr is where the API listens unless told otherwise.
const DefaultAPIAddr = "127.0.0.1:26680"

// InitOptions shape a new home.
type InitOptions struct {
	ChainID string // default "pnyx-local"
	// Genesis adjusts the pnyx genesis (signup grant, transfers) before it is
	// written.
	Genesis func(*modules.Genesis)
	// P2PAddr and RPCAddr as in node.InitOptions.
	P2PAddr, RPCAddr string
}

// Init creates a single-validator home with a fresh HQ administrator key,
// stored as HOME/keys/admin.json, named in the genesis. It returns that key.
func Init(home string, opts InitOptions) (ed25519.PrivateKey, error) {
	if node.IsInitialized(home) {
		return nil, fmt.Errorf("launch: %s is initialized already", home)
	}
	if opts.ChainID == "" {
		opts.ChainID = "pnyx-local"
	}
	admin, err := keys.New(home, AdminKeyName)
	if err != nil {
		return nil, err
	}
	appState, err := genesisFor(admin, opts.Genesis)
	if err != nil {
		return nil, err
	}
	if err := node.Init(home, node.InitOptions{ChainID: opts.ChainID, AppState: appState, P2PAddr: opts.P2PAddr, RPCAddr: opts.RPCAddr}); err != nil {
		return nil, err
	}
	return admin, nil
}

func genesisFor(admin ed25519.PrivateKey, adjust func(*modules.Genesis)) ([]byte, error) {
	g := modules.DefaultGenesis(hex.EncodeToString(admin.Public().(ed25519.PublicKey)))
	if adjust != nil {
		adjust(&g)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return modules.MarshalGenesis(g)
}

// TestnetOptions shape a multi-validator network.
type TestnetOptions struct {
	node.TestnetOptions
	Genesis func(*modules.Genesis)
}

// Testnet writes n validator homes under out sharing one genesis whose HQ
// administrator key is stored in every home's keys (so the CLI works against
// any node).
func Testnet(out string, n int, opts TestnetOptions) ([]string, ed25519.PrivateKey, error) {
	if opts.ChainID == "" {
		opts.ChainID = "pnyx-testnet"
	}
	_, admin, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, nil, err
	}
	appState, err := genesisFor(admin, opts.Genesis)
	if err != nil {
		return nil, nil, err
	}
	opts.TestnetOptions.AppState = appState
	homes, err := node.Testnet(out, n, opts.TestnetOptions)
	if err != nil {
		return nil, nil, err
	}
	for _, h := range homes {
		if err := keys.Save(h, AdminKeyName, admin); err != nil {
			return nil, nil, err
		}
	}
	return homes, admin, nil
}

// Options tune a running pnyx.
type Options struct {
	// APIAddr is the API's listen address; "127.0.0.1:0" picks a free port.
	// Empty means DefaultAPIAddr.
	APIAddr string
	// CORSOrigins lists other origins whose pages may call the API
	// (api.Options.CORSOrigins); none by default.
	CORSOrigins []string
	// P2PAddr and RPCAddr, when set, replace config.toml's listen
	// addresses for this run ("tcp://host:port"); RPCAddr node.RPCOff turns
	// CometBFT's RPC off.
	P2PAddr, RPCAddr string
	// CheckInvariants re-checks module invariants after every block.
	CheckInvariants bool
	// Node passes options to the CometBFT node (log level, config tweaks).
	Node node.Options

	// API bounds a flood of clients; the zero value takes the defaults.
	API APILimits

	// MetricsAddr, when set, serves CometBFT's consensus metrics (height,
	// rounds, missing validators, this validator's missed blocks, peers,
	// mempool, block sizes and times) for Prometheus at
	// http://MetricsAddr/metrics. Off by default: the listener is one more
	// port to protect, and an operator opens it to their monitoring host
	// only. pnyx's own metrics stay on the API's /metrics.
	MetricsAddr string

	// BlobPeers are other nodes' API URLs (http://10.0.0.5:26680) from
	// which this node fetches the blobs committed transactions reference
	// and it lacks (package blobsync), asked in order.
	BlobPeers []string

	// HaltHeight stops the chain on this node after that height
	// (node.Options.HaltHeight): the coordinated halt of an upgrade.
	HaltHeight int64

	// StateRetention, when positive, prunes application state versions
	// older than the last StateRetention, except every version a live
	// election is proven against (election.PinnedVersions). Zero keeps every
	// version (an archive node, the default).
	StateRetention int64
}

// APILimits bound what clients can take from the process; zero fields take
// the defaults in limits.go.
type APILimits struct {
	// MaxConns caps open API connections; connections over the cap are
	// closed at once. Default: what the descriptor limit leaves after the
	// node's reserve (see apiConnCap), at most DefaultAPIMaxConns.
	MaxConns int
	// ReadTimeout, WriteTimeout, IdleTimeout and HeaderTimeout are the
	// http.Server's.
	ReadTimeout, WriteTimeout, IdleTimeout, HeaderTimeout time.Duration
	// RequestTimeout and MaxBodyBytes are api.Options'.
	RequestTimeout time.Duration
	MaxBodyBytes   int64
}

// withDefaults fills the zero fields.
func (l APILimits) withDefaults() APILimits {
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultAPIMaxConns
		if lim := fdLimit(); lim > 0 {
			l.MaxConns = apiConnCap(lim)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.ReadTimeout, DefaultAPIReadTimeout)
	def(&l.WriteTimeout, DefaultAPIWriteTimeout)
	def(&l.IdleTimeout, DefaultAPIIdleTimeout)
	def(&l.HeaderTimeout, DefaultAPIHeaderTimeout)
	return l
}

// Running is a started pnyx.
type Running struct {
	Home string
	App  *chain.App
	// Party is the app's program: the modules, for metrics and benchmarks.
	Party  *modules.Party
	Node   *node.Node
	Store  *store.Store
	API    *api.Server
	APIURL string
	// Index is the search index, fed from committed blocks.
	Index *index.Index

	// APIMaxConns is the API's connection cap in effect.
	APIMaxConns int

	indexer *indexer
	blobs   *blobsync.Syncer
	unlock  func()
	limit   *limitListener
	http    *http.Server
	conns   connStates
	done    chan error
}

// connStates counts the API's connections by state, to say what a graceful
// shutdown that ran out of time was waiting for.
type connStates struct {
	mu sync.Mutex
	of map[net.Conn]http.ConnState
}

func (c *connStates) track(conn net.Conn, st http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.of == nil {
		c.of = make(map[net.Conn]http.ConnState)
	}
	if st == http.StateClosed || st == http.StateHijacked {
		delete(c.of, conn)
	} else {
		c.of[conn] = st
	}
}

// active is the number of connections handling a request.
func (c *connStates) active() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, st := range c.of {
		if st == http.StateActive {
			n++
		}
	}
	return n
}

// String is e.g. "2 active, 1 new".
func (c *connStates) String() string {
	c.mu.Lock()
	n := map[http.ConnState]int{}
	for _, st := range c.of {
		n[st]++
	}
	c.mu.Unlock()
	var parts []string
	for _, st := range []http.ConnState{http.StateActive, http.StateNew, http.StateIdle} {
		if n[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[st], st))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// BlobSyncPath is where the blob syncer keeps the height it has scanned to
// and the blobs still missing (package blobsync); deleting it costs a
// rescan of the blocks.
func BlobSyncPath(home string) string { return filepath.Join(home, "data", "blobsync.json") }

// StateDir is where the application state lives in a home.
func StateDir(home string) string { return filepath.Join(home, "data", "pnyx") }

// NewApp opens the application state in home; node tests use it to run the
// real pnyx application.
func NewApp(home string, opts chain.Options) (*chain.App, *store.Store, error) {
	if err := os.MkdirAll(StateDir(home), 0o700); err != nil {
		return nil, nil, err
	}
	st, err := store.Open(StateDir(home))
	if err != nil {
		return nil, nil, err
	}
	return chain.New(st, modules.New(), opts), st, nil
}

// Start opens the state, starts the node and serves the API. It first
// locks the home (a second start on it says the home is in use); every
// failure names its cause and releases what was opened, so the home can be
// started again.
func Start(home string, opts Options) (r *Running, err error) {
	if !node.IsInitialized(home) {
		return nil, fmt.Errorf("launch: %s is not initialized (run `pnyx init --home %s`)", home, home)
	}
	unlock, err := lockHome(home)
	if err != nil {
		return nil, err
	}
	var undo []func() // run in reverse when Start fails
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
			unlock()
		}
	}()
	app, st, err := NewApp(home, chain.Options{CheckInvariants: opts.CheckInvariants})
	if err != nil {
		return nil, err
	}
	undo = append(undo, func() { st.Close() })
	if opts.StateRetention != 0 {
		if err := st.SetRetention(opts.StateRetention, election.PinnedVersions); err != nil {
			return nil, fmt.Errorf("launch: state retention: %w", err)
		}
	}
	n, err := node.New(home, validatorUpdates{app}, nodeOptions(opts, app))
	if err != nil {
		return nil, err
	}
	undo = append(undo, func() { n.Stop() })
	ix, err := startIndexer(home, n)
	if err != nil {
		return nil, err
	}
	undo = append(undo, func() { ix.stop() })
	if err := n.Start(); err != nil {
		return nil, fmt.Errorf("launch: start the node (p2p %s, rpc %q): %w", n.Config().P2P.ListenAddress, n.Config().RPC.ListenAddress, err)
	}
	addr := opts.APIAddr
	if addr == "" {
		addr = DefaultAPIAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("launch: API listen %s: %w", addr, err)
	}
	lim := opts.API.withDefaults()
	blobDir := filepath.Join(home, "data", "blobs")
	// Blobs that committed transactions reference come from the peers'
	// APIs in the background (package blobsync), not inside any block.
	bs := blobsync.Start(n, &blobsync.Fetcher{Store: blobsync.Store{Dir: blobDir}, Peers: opts.BlobPeers}, BlobSyncPath(home))
	undo = append(undo, func() { bs.Stop() })
	// pnyx's metrics join CometBFT's on --metrics-addr when it is set
	// (the node's registry is nil otherwise); the API's /metrics serves
	// pnyx's alone.
	var also prometheus.Registerer
	if reg := n.MetricsRegistry(); reg != nil {
		also = reg
	}
	// The genesis the node started from, served as read (its hash is what
	// members check); a node without the file serves none.
	genesis, _ := os.ReadFile(genesisPath(home))
	srv := api.New(app, n, api.Options{BlobDir: blobDir, BlobSource: bs, Index: ix.x, AlsoRegister: also,
		RequestTimeout: lim.RequestTimeout, MaxBodyBytes: lim.MaxBodyBytes, CORSOrigins: opts.CORSOrigins, Genesis: genesis})
	party, _ := app.Program().(*modules.Party)
	r = &Running{Home: home, App: app, Party: party, Node: n, Store: st, API: srv, APIURL: "http://" + ln.Addr().String(), Index: ix.x, indexer: ix, blobs: bs,
		APIMaxConns: lim.MaxConns, unlock: unlock,
		http: &http.Server{Handler: srv.Handler(),
			ReadHeaderTimeout: lim.HeaderTimeout, ReadTimeout: lim.ReadTimeout,
			WriteTimeout: lim.WriteTimeout, IdleTimeout: lim.IdleTimeout,
			MaxHeaderBytes: DefaultAPIMaxHeaderBytes},
		done: make(chan error, 1)}
	r.http.ConnState = r.conns.track
	r.limit = newLimitListener(ln, lim.MaxConns)
	go func() { r.done <- r.http.Serve(r.limit) }()
	return r, nil
}

// nodeOptions adds to opts.Node what Start decides: the listen addresses
// of this run and the refusal of personal records over abci_query.
func nodeOptions(opts Options, app *chain.App) node.Options {
	no := opts.Node
	if opts.MetricsAddr != "" {
		no.MetricsAddr = opts.MetricsAddr
	}
	if opts.HaltHeight > 0 {
		no.HaltHeight = opts.HaltHeight
	}
	if no.RefuseQuery == nil {
		no.RefuseQuery = func(req *abci.RequestQuery) *abci.ResponseQuery { return refusePersonal(app, req) }
	}
	adjust := no.Config
	no.Config = func(c *node.Config) {
		if adjust != nil {
			adjust(c)
		}
		if opts.P2PAddr != "" {
			c.P2P.ListenAddress = opts.P2PAddr
		}
		switch opts.RPCAddr {
		case "":
		case node.RPCOff:
			c.RPC.ListenAddress = ""
		default:
			c.RPC.ListenAddress = opts.RPCAddr
		}
	}
	return no
}

// refusePersonal answers CometBFT's abci_query of a personal record with
// codes.Forbidden: the API serves those records only to a signed request
// by the member or an official with scope, and the RPC cannot check who is
// asking (issue 12, finding 3).
func refusePersonal(app *chain.App, req *abci.RequestQuery) *abci.ResponseQuery {
	if !app.Personal(req.Data) {
		return nil
	}
	return &abci.ResponseQuery{Code: uint32(codes.Forbidden), Codespace: codes.Codespace,
		Log: "personal records are served only by the pnyx API, to a signed request"}
}

// WaitForBlocks waits until the chain has committed at least height blocks.
func (r *Running) WaitForBlocks(ctx context.Context, height int64) error {
	for r.Node.LatestHeight() < height {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// Stop shuts down the API, then the node, then closes the state: the order
// that lets in-flight requests finish and leaves every database consistent.
func (r *Running) Stop() error {
	r.API.EndWaits()
	errHTTP := r.stopAPI()
	if err := <-r.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		errHTTP = err
	}
	errIndex := r.indexer.stop()
	errBlobs := r.blobs.Stop()
	errNode := r.Node.Stop()
	errStore := r.Store.Close()
	r.unlock()
	return errors.Join(errHTTP, errIndex, errBlobs, errNode, errStore)
}

// APIRefused counts API connections closed because the API was at its
// connection cap.
func (r *Running) APIRefused() int64 { return r.limit.Refused() }

// stopAPI shuts the API down gracefully, letting running requests finish
// within 5 s. The server's graceful shutdown also waits for every
// connection that has not sent a request, for its first 5 s: a client
// dialing a spare connection while its first comes free keeps one, more
// often over a slow link. Once no connection is handling a request, the
// rest are closed rather than waited for.
func (r *Running) stopAPI() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- r.http.Shutdown(ctx) }()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-shut:
			if err != nil {
				running := r.API.InFlight()
				if len(running) == 0 {
					running = []string{"none"}
				}
				err = fmt.Errorf("api: %w; requests running: %s; connections: %s", err, strings.Join(running, ", "), &r.conns)
			}
			return err
		case <-tick.C:
			if r.conns.active() == 0 {
				_ = r.http.Close()
			}
		}
	}
}

// Quiet is a node.Options that keeps CometBFT's logs out of the way.
func Quiet() node.Options { return node.Options{LogLevel: "none", LogWriter: io.Discard} }

// NetworkOptions shape the homes of a multi-host network.
type NetworkOptions struct {
	node.NetworkOptions
	Genesis func(*modules.Genesis)
}

// Network writes one home per host (node.Network) sharing a genesis whose
// HQ administrator key it makes and stores in every home's keys, so the
// CLI works against any node. It returns the homes in host order and the
// key.
func Network(out string, hosts []node.Host, opts NetworkOptions) ([]string, ed25519.PrivateKey, error) {
	_, admin, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, nil, err
	}
	// app_state lists the validators too, so validator/set knows the set
	// it changes (package validator).
	opts.NetworkOptions.AppStateFor = func(vals []types.GenesisValidator) (json.RawMessage, error) {
		return genesisFor(admin, func(g *modules.Genesis) {
			if opts.Genesis != nil {
				opts.Genesis(g)
			}
			for _, v := range vals {
				g.Validators = append(g.Validators, validator.GenesisValidator{PubKey: hex.EncodeToString(v.PubKey.Bytes()), Power: v.Power})
			}
		})
	}
	homes, err := node.Network(out, hosts, opts.NetworkOptions)
	if err != nil {
		return nil, nil, err
	}
	for _, h := range homes {
		if err := keys.Save(h, AdminKeyName, admin); err != nil {
			return nil, nil, err
		}
	}
	return homes, admin, nil
}
