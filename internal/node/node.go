package node

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	cmtflags "github.com/cometbft/cometbft/libs/cli/flags"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/libs/log"
	mempl "github.com/cometbft/cometbft/mempool"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	rpccore "github.com/cometbft/cometbft/rpc/core"
	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"
)

// ErrStopped is returned by calls made after Stop.
var ErrStopped = errors.New("node: stopped")

// ErrTxInCache is returned by BroadcastTxSync for a tx the mempool has seen
// recently (pending, or committed a moment ago). Resubmitting is safe.
var ErrTxInCache = mempl.ErrTxInCache

// ErrMempoolFull is wrapped by BroadcastTxSync's error when the mempool is at
// capacity; clients should retry later.
var ErrMempoolFull = errors.New("node: mempool is full")

// Options tune a Node at start-up; the zero value is fine.
type Options struct {
	// LogLevel for CometBFT's logger: "error", "info", "debug", "none", or
	// CometBFT's per-module syntax ("consensus:info,*:error"). Default: the
	// home's config.toml log_level, which Init sets to "error".
	LogLevel string
	// LogWriter receives CometBFT's logs (default os.Stderr).
	LogWriter io.Writer
	// Config, if set, adjusts the configuration loaded from config.toml
	// before the node is built (addresses from CLI flags, test timeouts).
	Config func(*Config)
	// RecentTxs is how many committed txs FindTx remembers (default 100,000;
	// their outcomes take at most DefaultRecentTxBytes, whichever is less).
	RecentTxs int
	// RefuseQuery, if set, sees every ABCI query (CometBFT's abci_query)
	// before the application; a non-nil answer is returned instead of the
	// application's. pnyx refuses personal records this way, since the RPC
	// cannot tell who is asking.
	RefuseQuery func(*abci.RequestQuery) *abci.ResponseQuery
	// MetricsAddr, when set, serves CometBFT's consensus metrics for
	// Prometheus at http://MetricsAddr/metrics (default: config.toml's
	// prometheus_listen_addr if prometheus = true, else off).
	MetricsAddr string
	// HaltHeight, when positive, stops this node's chain after it commits
	// that height, for an upgrade at a coordinated halt height: Halted is
	// closed once the block is committed, and the node refuses to execute
	// any later block (so even a node slow to stop commits nothing the new
	// binary would execute differently). Restart without it (or with a
	// higher one) to go on.
	HaltHeight int64
	// StallAfter is how long without a commit Health calls the node halted
	// (default: twice create_empty_blocks_interval plus timeout_commit, at
	// least 10 s; never when empty blocks are off).
	StallAfter time.Duration
}

// Node is a CometBFT node running an ABCI application in-process.
type Node struct {
	home   string
	config *cfg.Config
	cmt    *cmtnode.Node
	env    *rpccore.Environment // the stores, mempool, etc. rpc/core uses
	logger log.Logger

	refuseQuery func(*abci.RequestQuery) *abci.ResponseQuery

	// watch and lastCommit (Unix nanoseconds) feed Health.
	watch      *healthWatch
	lastCommit atomic.Int64
	stall      time.Duration

	// committed is the height of the last block whose app Commit returned.
	committed atomic.Int64
	notifyMu  sync.Mutex
	notify    chan struct{} // closed and replaced on every commit and on Stop

	// mu guards the stores: readers hold it shared, Stop takes it exclusively
	// before the databases are closed so no read touches a closed DB.
	mu      sync.RWMutex
	stopped bool
	started bool

	// checkTxMu serializes our submissions to the mempool. CometBFT v0.38's
	// mempool checks for room before the app's CheckTx and again after it,
	// and when the second check fails it drops the tx silently while the
	// caller still gets the app's "OK": an accepted tx that never commits.
	// Concurrent submitters make that window real under bursts (measured:
	// 8 goroutines submitting 200,000 txs lost some). Serialized, and with
	// the headroom mempoolRoom keeps for txs arriving from peers, the second
	// check sees what the first saw. The mempool connection serializes the
	// app's CheckTx anyway, so this costs no throughput.
	checkTxMu sync.Mutex

	haltHeight int64
	halted     chan struct{} // closed once haltHeight is committed
	haltOnce   sync.Once

	metricsAddr string
	metricsReg  *prometheus.Registry
	stopMetrics func()

	txs         *txTracker
	lookup      dbm.DB // the durable tx lookup (txlookup.go)
	recent      recentBlocks
	followerCtx context.Context
	cancel      context.CancelFunc
	followerWG  sync.WaitGroup
}

// New loads the home's config, keys and genesis and builds a node around
// app. The ABCI handshake runs here: a node that was stopped replays to the
// app whatever blocks it has not committed yet. New does not start consensus
// or networking; call Start.
func New(home string, app abci.Application, opts Options) (*Node, error) {
	if app == nil {
		return nil, errors.New("node: nil application")
	}
	conf, err := LoadConfig(home)
	if err != nil {
		return nil, err
	}
	if opts.Config != nil {
		opts.Config(conf)
		if err := conf.ValidateBasic(); err != nil {
			return nil, fmt.Errorf("node: invalid config: %w", err)
		}
	}
	logger, err := newLogger(opts, conf.LogLevel)
	if err != nil {
		return nil, err
	}
	watch := &healthWatch{}
	logger = watchLogger{logger, watch}
	pv, err := loadPrivValidator(conf)
	if err != nil {
		return nil, err
	}
	nodeKey, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("node: load node key: %w", err)
	}

	n := &Node{home: conf.RootDir, config: conf, logger: logger, notify: make(chan struct{}), refuseQuery: opts.RefuseQuery,
		watch: watch, stall: opts.StallAfter, haltHeight: opts.HaltHeight, halted: make(chan struct{})}
	if n.metricsAddr = metricsAddr(conf, opts.MetricsAddr); n.metricsAddr != "" {
		n.metricsReg = prometheus.NewRegistry()
	}
	n.lastCommit.Store(time.Now().UnixNano())
	n.txs = newTxTracker(opts.RecentTxs)
	hooked := &commitHook{Application: app, n: n}
	var opened []dbm.DB
	cmt, err := cmtnode.NewNode(conf, pv, nodeKey,
		// One lock per ABCI connection, not one for all: the mempool's
		// CheckTx runs while the consensus connection executes a block.
		// The app must (and pnyx's chain.App does) keep CheckTx off the
		// state the block is changing.
		proxy.NewConnSyncLocalClientCreator(hooked),
		cmtnode.DefaultGenesisDocProviderFunc(conf),
		func(ctx *cfg.DBContext) (dbm.DB, error) {
			db, err := dbProvider(ctx)
			if err == nil {
				opened = append(opened, db)
			}
			return db, err
		},
		metricsProvider(conf, n.metricsReg),
		logger,
	)
	if err != nil {
		// NewNode leaves open what it opened (a failed handshake replay,
		// say); close it so the home can be opened again in this process.
		for _, db := range opened {
			_ = db.Close()
		}
		return nil, fmt.Errorf("node: %w", err)
	}
	n.cmt = cmt
	// ConfigureRPC is the only accessor for the state store; the Environment
	// is also what rpc/core's handlers use, so our reads match RPC's.
	env, err := cmt.ConfigureRPC()
	if err != nil {
		n.closeUnstarted()
		return nil, fmt.Errorf("node: %w", err)
	}
	n.env = env
	// After the handshake the app and the state store agree on the height.
	st, err := env.StateStore.Load()
	if err != nil {
		n.closeUnstarted()
		return nil, fmt.Errorf("node: load state: %w", err)
	}
	n.committed.Store(st.LastBlockHeight)
	if n.haltHeight > 0 && st.LastBlockHeight >= n.haltHeight {
		n.closeUnstarted()
		return nil, fmt.Errorf("node: the home is at height %d, at or past the halt height %d; start without it (or with a later one)", st.LastBlockHeight, n.haltHeight)
	}
	lookup, indexed, err := openTxLookup(conf)
	if err != nil {
		n.closeUnstarted()
		return nil, err
	}
	n.lookup = lookup
	n.followerCtx, n.cancel = context.WithCancel(context.Background())
	// The follower behind WaitTx and FindTx runs from here on, so a WaitTx
	// may be registered before Start. It starts where the durable lookup
	// stopped (from the oldest stored block if that is later), so blocks
	// committed before a crash, or all of them after the lookup was
	// deleted, are recorded again.
	from := min(indexed, st.LastBlockHeight) + 1
	from = max(from, env.BlockStore.Base())
	n.followerWG.Add(1)
	go n.trackTxs(n.followerCtx, from)
	return n, nil
}

// loadPrivValidator checks the key files before privval.LoadFilePV, which
// exits the process on any error.
func loadPrivValidator(conf *cfg.Config) (*privval.FilePV, error) {
	keyFile, stateFile := conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile()
	var key privval.FilePVKey
	b, err := os.ReadFile(keyFile)
	if err == nil {
		err = cmtjson.Unmarshal(b, &key)
	}
	if err != nil {
		return nil, fmt.Errorf("node: validator key %s: %w", keyFile, err)
	}
	var st privval.FilePVLastSignState
	b, err = os.ReadFile(stateFile)
	if err == nil {
		err = cmtjson.Unmarshal(b, &st)
	}
	if err != nil {
		return nil, fmt.Errorf("node: validator state %s: %w", stateFile, err)
	}
	return privval.LoadFilePV(keyFile, stateFile), nil
}

func newLogger(opts Options, confLevel string) (log.Logger, error) {
	level := opts.LogLevel
	if level == "" {
		level = confLevel
	}
	if level == "" || level == "none" {
		return log.NewNopLogger(), nil
	}
	w := opts.LogWriter
	if w == nil {
		w = os.Stderr
	}
	l, err := cmtflags.ParseLogLevel(level, log.NewTMLogger(log.NewSyncWriter(w)), "error")
	if err != nil {
		return nil, fmt.Errorf("node: log level %q: %w", level, err)
	}
	return quietLogger{l}, nil
}

// quietLogger demotes to info the messages CometBFT logs at error level for
// routine events — a peer disconnecting (every validator restart), and the
// shutdown of the p2p switch and block-sync pool — so that "errors only"
// means errors an operator must look at.
type quietLogger struct{ log.Logger }

var routineErrors = map[string]bool{
	"Stopped accept routine, as transport is closed": true,
	"Stopping peer for error":                        true,
	"error while stopping peer":                      true,
	"Error stopping pool":                            true,
	"Won't start a peer - switch is not running":     true,
}

func (q quietLogger) Error(msg string, keyvals ...any) {
	if routineErrors[msg] || closedListener(msg, keyvals) {
		q.Logger.Info(msg, keyvals...)
		return
	}
	q.Logger.Error(msg, keyvals...)
}

// closedListener: the RPC server reports its listener closing on Stop as
// an error.
func closedListener(msg string, keyvals []any) bool {
	if msg != "Error serving server" {
		return false
	}
	for _, kv := range keyvals {
		if err, ok := kv.(error); ok && strings.Contains(err.Error(), "use of closed network connection") {
			return true
		}
	}
	return false
}

func (q quietLogger) With(keyvals ...any) log.Logger { return quietLogger{q.Logger.With(keyvals...)} }

// Start starts networking and consensus.
func (n *Node) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return ErrStopped
	}
	if n.started {
		return errors.New("node: already started")
	}
	if n.metricsAddr != "" {
		stop, err := serveMetrics(n.metricsAddr, n.metricsReg)
		if err != nil {
			n.mu.Unlock()
			n.Stop() // closes what New opened
			n.mu.Lock()
			return err
		}
		n.stopMetrics = stop
	}
	if err := n.cmt.Start(); err != nil {
		if n.stopMetrics != nil {
			n.stopMetrics()
		}
		// A failed start (a port in use, say) may have started part of the
		// node; OnStop releases whatever did start and closes the stores, so
		// the home can be opened again. This Node is done.
		n.cmt.OnStop()
		_ = n.cmt.ProxyApp().Stop()
		n.stopped = true
		n.cancel()
		n.txs.stop()
		n.wake()
		// The follower may be mid-block; the lookup refuses writes once
		// closed (closeSafeDB), and nothing it writes can be wrong.
		_ = n.lookup.Close()
		return fmt.Errorf("node: start: %w", err)
	}
	n.started = true
	return nil
}

// Stop shuts the node down and closes its databases. Follow and WaitTx calls
// in progress return ErrStopped. The app is not closed; that is the caller's.
// Stop is idempotent.
func (n *Node) Stop() error {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return nil
	}
	n.stopped = true
	n.mu.Unlock()

	// Wake everyone waiting for blocks; they see stopped and return.
	n.cancel()
	n.wake()
	n.followerWG.Wait()

	// Exclusive lock: no store read is in flight while the DBs close.
	n.mu.Lock()
	defer n.mu.Unlock()
	var err error
	if n.started {
		// cmt.Stop runs OnStop, which stops the reactors (consensus finishes
		// its step) and closes the block, state and evidence stores.
		err = n.cmt.Stop()
		// CometBFT v0.38 does not stop the app connections on Stop.
		if perr := n.cmt.ProxyApp().Stop(); perr != nil && err == nil {
			err = perr
		}
	} else {
		n.closeUnstarted()
	}
	n.txs.stop()
	if n.lookup != nil {
		_ = n.lookup.Close()
	}
	if n.stopMetrics != nil {
		n.stopMetrics()
	}
	if n.started {
		go collectLeakedConns()
	}
	if err != nil {
		return fmt.Errorf("node: stop: %w", err)
	}
	return nil
}

// collectLeakedConns runs the garbage collector a few times after a stop.
//
// CometBFT v0.38's switch starts a reconnect goroutine for a persistent peer
// whose connection fails, and connections fail while the switch shuts down.
// Such a goroutine can dial after the switch has stopped; the switch then
// neither starts nor closes the new connection (addPeer returns no error
// when the switch is not running). The remote validator keeps it as a live
// peer and rejects the restarted node as a duplicate for as long as the
// socket stays open — until the garbage collector finalizes it, which took
// up to a minute in the 4-validator restart test. In a separate process the
// exit closes it; for a node restarted in the same process (tests, tools),
// collecting promptly closes it within seconds.
func collectLeakedConns() {
	for _, d := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second} {
		time.Sleep(d)
		runtime.GC()
	}
}

// closeUnstarted releases what NewNode opened when Start never ran (OnStop,
// which normally closes the stores, only runs for a started service).
func (n *Node) closeUnstarted() {
	_ = n.cmt.EventBus().Stop()
	_ = n.cmt.ProxyApp().Stop()
	_ = n.cmt.BlockStore().Close()
	if n.env != nil {
		_ = n.env.StateStore.Close()
	}
	_ = n.cmt.EvidencePool().Close()
	if n.lookup != nil {
		_ = n.lookup.Close()
	}
}

// Halted is closed once the node has committed Options.HaltHeight (never
// without one, or when the home was already past it: check LatestHeight).
func (n *Node) Halted() <-chan struct{} { return n.halted }

// Home is the node's home directory (absolute).
func (n *Node) Home() string { return n.home }

// Config is the configuration the node runs with.
func (n *Node) Config() *Config { return n.config }

// ChainID is the genesis chain ID.
func (n *Node) ChainID() string { return n.env.GenDoc.ChainID }

// Genesis is the genesis document.
func (n *Node) Genesis() *types.GenesisDoc { return n.env.GenDoc }

// NodeID is the p2p node ID (hex of the node key's address).
func (n *Node) NodeID() string { return string(n.cmt.NodeInfo().ID()) }

// P2PAddress is "ID@host:port" built from the p2p listen address, the form
// persistent_peers takes. With a 0.0.0.0 listen address, replace the host
// with one the other validators can reach.
func (n *Node) P2PAddress() string {
	addr := strings.TrimPrefix(n.config.P2P.ListenAddress, "tcp://")
	return n.NodeID() + "@" + addr
}

// ValidatorAddress is this node's validator address (hex upper case).
func (n *Node) ValidatorAddress() string { return n.env.PubKey.Address().String() }

// LatestHeight is the height of the last block committed by the app.
func (n *Node) LatestHeight() int64 { return n.committed.Load() }

// MetricsRegistry is the registry served at MetricsAddr (nil when the node
// serves no metrics), so the process can add its own metrics to the same
// listener.
func (n *Node) MetricsRegistry() *prometheus.Registry { return n.metricsReg }

// Status is a snapshot of the node's view of the chain.
type Status struct {
	ChainID          string
	NodeID           string
	Moniker          string
	ValidatorAddress string    // hex
	Height           int64     // last block committed by the app
	AppHash          []byte    // app hash after that block
	BlockHash        []byte    // hash of that block
	BlockTime        time.Time // that block's header time
	CatchingUp       bool      // block-syncing from peers, not yet in consensus
	Peers            int
	Running          bool
	// Health and HealthReason as Node.Health reports them.
	Health       Health
	HealthReason string
}

// Status reports the node's height, app hash, latest block time, whether it
// is catching up, its validator address and peer count.
func (n *Node) Status() (Status, error) {
	h := n.Health() // before the lock: Health takes it too
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.stopped {
		return Status{}, ErrStopped
	}
	s := Status{
		ChainID:          n.ChainID(),
		NodeID:           n.NodeID(),
		Moniker:          n.config.Moniker,
		ValidatorAddress: n.ValidatorAddress(),
		Height:           n.committed.Load(),
		Running:          n.started,
	}
	s.Health, s.HealthReason = h.Health, h.Reason
	if n.started {
		s.CatchingUp = n.cmt.ConsensusReactor().WaitSync()
		s.Peers = n.cmt.Switch().Peers().Size()
	}
	if s.Height > 0 {
		meta := n.env.BlockStore.LoadBlockMeta(s.Height)
		if meta == nil {
			return s, fmt.Errorf("node: block %d missing", s.Height)
		}
		s.BlockHash = meta.BlockID.Hash
		s.BlockTime = meta.Header.Time
		res, err := n.loadResults(s.Height, meta.NumTxs)
		if err != nil {
			return s, err
		}
		s.AppHash = res.AppHash
	} else {
		// Nothing committed yet: the app hash InitChain returned.
		st, err := n.env.StateStore.Load()
		if err != nil {
			return s, err
		}
		s.AppHash = st.AppHash
	}
	return s, nil
}

// TxHash is the hash CometBFT identifies a tx by: sha256 of its bytes.
func TxHash(tx []byte) []byte {
	h := sha256.Sum256(tx)
	return h[:]
}

// BroadcastTxSync submits tx to the mempool and returns the app's CheckTx
// response, like CometBFT RPC's broadcast_tx_sync. A non-zero Code means the
// app rejected the tx. An error means the mempool refused it before the app
// saw it: ErrTxInCache (seen recently), ErrMempoolFull, or a tx too large.
// Acceptance does not guarantee inclusion; confirm with WaitTx.
func (n *Node) BroadcastTxSync(ctx context.Context, tx []byte) (*abci.ResponseCheckTx, error) {
	n.mu.RLock()
	if n.stopped {
		n.mu.RUnlock()
		return nil, ErrStopped
	}
	if err := n.mempoolRoom(len(tx)); err != nil {
		n.mu.RUnlock()
		return nil, err
	}
	resCh := make(chan *abci.ResponseCheckTx, 1)
	// See checkTxMu. With the local ABCI client the callback runs inside
	// CheckTx, so holding the lock covers both fullness checks.
	n.checkTxMu.Lock()
	err := n.env.Mempool.CheckTx(tx, func(res *abci.ResponseCheckTx) {
		resCh <- res // buffered; the callback runs once
	}, mempl.TxInfo{})
	n.checkTxMu.Unlock()
	n.mu.RUnlock()
	if err != nil {
		var full mempl.ErrMempoolIsFull
		if errors.As(err, &full) {
			return nil, fmt.Errorf("%w: %v", ErrMempoolFull, err)
		}
		return nil, err
	}
	select {
	case res := <-resCh:
		return res, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("node: waiting for CheckTx: %w", ctx.Err())
	}
}

// mempoolRoom refuses a tx when the mempool is nearly full: it keeps 1% of
// the mempool free for txs gossiped by peers, which reach CheckTx without
// checkTxMu and could otherwise fill the last slot between the two checks.
func (n *Node) mempoolRoom(txSize int) error {
	mc := n.config.Mempool
	count, bytes := mc.Size/100, mc.MaxTxsBytes/100
	if n.env.Mempool.Size()+1+count > mc.Size || n.env.Mempool.SizeBytes()+int64(txSize)+bytes > mc.MaxTxsBytes {
		return fmt.Errorf("%w: %d txs, %d bytes", ErrMempoolFull, n.env.Mempool.Size(), n.env.Mempool.SizeBytes())
	}
	return nil
}

// MempoolSize is the number of txs waiting in the mempool.
func (n *Node) MempoolSize() int { return n.env.Mempool.Size() }

// CometBFT exposes the underlying node for what this package does not wrap.
func (n *Node) CometBFT() *cmtnode.Node { return n.cmt }

// commitHook wraps the app to learn when a block is committed: after the
// app's Commit returns, the block, its FinalizeBlock response and the app
// state are all persisted, so readers woken here see a consistent view.
// FinalizeBlock and Commit both come over the consensus connection, which
// the local client serializes, so height needs no lock.
type commitHook struct {
	abci.Application
	n      *Node
	height int64
	// announced is closed once the last committed block is announced
	// (a Persister's blocks are announced from goroutines, one after
	// another).
	announced chan struct{}
}

func (h *commitHook) FinalizeBlock(ctx context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	if halt := h.n.haltHeight; halt > 0 && req.Height > halt {
		// CometBFT stops consensus on this error; the node is stopping
		// anyway (Halted).
		return nil, fmt.Errorf("node: halt height %d reached; not executing block %d (restart with the upgraded binary)", halt, req.Height)
	}
	h.height = req.Height
	res, err := h.Application.FinalizeBlock(ctx, req)
	if err == nil {
		h.n.recent.executed(req, res)
	}
	return res, err
}

// Query answers CometBFT's peer-filter queries (peers.go) and passes the
// rest to the application.
func (h *commitHook) Query(ctx context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	if strings.HasPrefix(req.Path, filterPrefix) {
		return h.n.filterPeer(req.Path), nil
	}
	if h.n.refuseQuery != nil {
		if res := h.n.refuseQuery(req); res != nil {
			return res, nil
		}
	}
	return h.Application.Query(ctx, req)
}

func (h *commitHook) Commit(ctx context.Context, req *abci.RequestCommit) (*abci.ResponseCommit, error) {
	res, err := h.Application.Commit(ctx, req)
	if err == nil && h.height > 0 {
		height := h.height
		// The block's own data is final now; the next FinalizeBlock
		// replaces the pending one.
		h.n.recent.committed(height)
		p, ok := h.Application.(Persister)
		if !ok {
			h.n.announce(height)
			return res, err
		}
		// Announce each block once its state is on disk, in order.
		saved, prev, done := p.Persisted(), h.announced, make(chan struct{})
		h.announced = done
		go func() {
			defer close(done)
			if prev != nil {
				<-prev
			}
			<-saved
			h.n.announce(height)
		}()
	}
	return res, err
}

// Persister is an application whose Commit may return before the block's
// state is on disk (chain.App: its store saves on a goroutine beside the
// next block). Persisted returns a channel closed once the last committed
// block's state is on disk. The node announces a block as committed
// (WaitTx, Follow, Health) only then, so a caller it wakes reads that state
// at once, from a snapshot that never waits.
type Persister interface {
	Persisted() <-chan struct{}
}

// announce makes block height committed for WaitTx, Follow and Health.
func (n *Node) announce(height int64) {
	n.committed.Store(height)
	// Wall-clock time for Health only; nothing in a block sees it.
	n.lastCommit.Store(time.Now().UnixNano())
	n.wake()
	if halt := n.haltHeight; halt > 0 && height >= halt {
		n.haltOnce.Do(func() { close(n.halted) })
	}
}

// wake releases everyone blocked in waitFor.
func (n *Node) wake() {
	n.notifyMu.Lock()
	close(n.notify)
	n.notify = make(chan struct{})
	n.notifyMu.Unlock()
}

// waitFor blocks until a block at height h or above is committed.
func (n *Node) waitFor(ctx context.Context, h int64) error {
	for {
		n.notifyMu.Lock()
		ch := n.notify
		n.notifyMu.Unlock()
		if n.isStopped() {
			return ErrStopped
		}
		if n.committed.Load() >= h {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (n *Node) isStopped() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.stopped
}
