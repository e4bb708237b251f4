// Package chain is the pnyx ABCI++ application: it decodes each transaction,
// authenticates it, routes it to its module and commits the resulting state
// into the Merkle store whose root is the AppHash.
//
// Build one with New over a store and a module.Program (pnyx's is
// modules.New()) and hand it to the node:
//
//	st, _ := store.Open(dir)
//	app := chain.New(st, modules.New(), chain.Options{})
//	// node.New(home, app, ...)
//
// The chain names no module: it routes each tx type to the handler of the
// module spec that declares it, and runs the specs' block hooks and
// invariants in the program's order.
//
// The pipeline for every transaction, in CheckTx and in FinalizeBlock alike:
// size and canonical decoding, chain ID, known type, Ed25519 signature (once
// per node: a signature verified in CheckTx, or before it by Preverify, which
// the API calls, is remembered and not verified again), the signer's next
// nonce, then the module handler on
// a store.Overlay that is written only if the handler succeeds. CheckTx runs
// the handler too and discards its writes, so it rejects what FinalizeBlock
// would reject against the same state. A rejected transaction changes
// nothing, not even the nonce.
//
// CheckTx judges against the last committed state (a snapshot), under its
// own lock, so the node hands it to CometBFT through a connection-synced
// client and it runs while the next block executes: admitting txs (and
// Preverify's checks) no longer waits for FinalizeBlock. The mempool's
// recheck after every Commit drops what the block made invalid.
//
// Everything FinalizeBlock does depends only on the block's transactions,
// height and header time: no wall clock, no randomness, no goroutines, no map
// iteration.
package chain

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/tx"
)

// Options tune an App.
type Options struct {
	// CheckInvariants re-checks the modules' invariants (the token supply)
	// after every block and halts the node if one breaks. A debugging aid:
	// it walks all balances.
	CheckInvariants bool
	// MaxPendingPerSigner caps one signer's txs waiting in the mempool
	// (0: DefaultMaxPendingPerSigner; negative: no cap). See fairness.go.
	MaxPendingPerSigner int
	// SignerBytesPerBlock caps the bytes of one signer's txs in a block this
	// node proposes (0: DefaultSignerBytesPerBlock; negative: no cap).
	SignerBytesPerBlock int
	// SignerTxsPerBlock caps the number of one signer's txs in a block this
	// node proposes (0: DefaultSignerTxsPerBlock; negative: no cap).
	SignerTxsPerBlock int
}

// App is the ABCI application.
type App struct {
	abci.BaseApplication

	store *store.Store
	opts  Options
	prog  module.Program
	// specs are the program's modules in order; routes maps each tx type
	// to its route and the index of its module in specs.
	specs  []module.Spec
	routes map[string]route

	// chainID is set by New or InitChain, before any other call.
	chainID string

	// mu guards the block being executed and the fields below; FinalizeBlock
	// and Commit hold it throughout.
	mu        sync.Mutex
	lastTime  time.Time
	lastBlock int64
	// stats counts what FinalizeBlock did, for metrics.
	stats Stats
	// cost measures blocks for the proposal's bulk allowance (fairness.go).
	cost blockCost

	// checkMu guards CheckTx's view; Commit replaces it.
	// Lock order: mu, then checkMu, then verifiedMu.
	checkMu sync.Mutex
	// checkState is the last committed state (nil before the first
	// commit: CheckTx then reads the working state under mu).
	checkState *store.View
	// checkHeight and checkTime are the height and time of the last
	// committed block: CheckTx judges a tx as if in the next block.
	checkHeight int64
	checkTime   time.Time
	// checkNonces holds the next nonce per signer including txs accepted
	// into the mempool since the last commit.
	checkNonces map[string]uint64
	// checkPending counts each signer's txs admitted since the last commit
	// (after the recheck: the txs they have waiting), for admitBudget.
	checkPending map[string]int

	// verifiedMu guards verified on its own, so Preverify never waits for a
	// block to finish executing.
	verifiedMu sync.Mutex
	// verified remembers txs whose signature Preverify or CheckTx verified,
	// so neither CheckTx nor FinalizeBlock verifies them again.
	verified map[[32]byte]struct{}
}

// Stats are counters for monitoring.
type Stats struct {
	TxsOK, TxsFailed, SigCacheHits uint64
	// The wall time blocks took on this node, by phase: executing their
	// txs (FinalizeBlock up to the app hash), waiting for the previous
	// block's state to be saved (the store saves beside the next block),
	// applying their writes to the tree and hashing it (WorkingHash), and
	// Commit. Their sum against the time passed tells how much of it the
	// chain's one block thread was busy: during an import nearly all,
	// which makes it the bound on members per second
	// (docs/performance.md). Measured for monitoring only; no block reads
	// them.
	ExecuteTime, SaveWaitTime, HashTime, CommitTime time.Duration
}

// route is a module's route and the module it belongs to.
type route struct {
	module.Route
	spec int
}

const (
	keyChainID   = "app/chain_id"
	keyGenesis   = "app/genesis"
	keyLastBlock = "app/last_block"
	maxVerified  = 200_000
)

// New builds the application running prog over a store, loading genesis
// parameters when the store already holds a chain. It panics if two modules
// declare the same tx type.
func New(st *store.Store, prog module.Program, opts Options) *App {
	a := &App{store: st, opts: opts, prog: prog, checkNonces: map[string]uint64{}, checkPending: map[string]int{}, verified: map[[32]byte]struct{}{}}
	a.specs = prog.Specs()
	a.routes = map[string]route{}
	for i, sp := range a.specs {
		for _, r := range sp.Routes {
			if prev, dup := a.routes[r.Type]; dup {
				panic(fmt.Sprintf("chain: modules %s and %s both handle %s", a.specs[prev.spec].Name, sp.Name, r.Type))
			}
			a.routes[r.Type] = route{Route: r, spec: i}
		}
	}
	if raw := st.Get([]byte(keyGenesis)); raw != nil {
		if _, err := prog.Genesis(raw); err != nil {
			panic(fmt.Sprintf("chain: stored genesis is corrupt: %v", err))
		}
		a.chainID = string(st.Get([]byte(keyChainID)))
		if lb := st.Get([]byte(keyLastBlock)); len(lb) == 16 {
			a.lastBlock = int64(binary.BigEndian.Uint64(lb[:8]))
			a.lastTime = time.Unix(0, int64(binary.BigEndian.Uint64(lb[8:]))).UTC()
		}
		a.refreshCheckState()
	}
	return a
}

// refreshCheckState points CheckTx at the latest committed state. Callers
// hold mu (or own the App exclusively, as New does).
func (a *App) refreshCheckState() {
	// A view of the version just committed reads it while it is being
	// saved, so CheckTx (the mempool's recheck right after Commit) never
	// waits for the save.
	snap, err := a.store.LatestView()
	if err != nil {
		panic(fmt.Sprintf("chain: committed version %d unreadable: %v", a.store.Version(), err))
	}
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	a.checkState = snap
	a.checkHeight, a.checkTime = a.lastBlock, a.lastTime
	a.checkNonces = map[string]uint64{}
	a.checkPending = map[string]int{}
}

// Persisted returns a channel closed once the last committed block's state
// is on disk (node.Persister).
func (a *App) Persisted() <-chan struct{} { return a.store.SavedSignal() }

// Program returns the program the app runs.
func (a *App) Program() module.Program { return a.prog }

// Specs returns the program's module specs, in order (for the API's
// OpenAPI document and the CLI).
func (a *App) Specs() []module.Spec { return a.specs }

// Personal reports whether key holds or indexes a personal record: whether
// it starts with a prefix a module's spec declares Personal.
func (a *App) Personal(key []byte) bool {
	for _, sp := range a.specs {
		for _, p := range sp.Personal {
			if strings.HasPrefix(string(key), p) {
				return true
			}
		}
	}
	return false
}

// anonymous reports whether typ is a known tx type whose envelope carries no
// signer (module.Route.Anonymous).
func (a *App) anonymous(typ string) bool { return a.routes[typ].Anonymous }

// Store returns the state store, for readers that take snapshots.
func (a *App) Store() *store.Store { return a.store }

// ChainID returns the chain ID from genesis.
func (a *App) ChainID() string { return a.chainID }

// Stats returns a copy of the counters.
func (a *App) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// Info tells CometBFT where the application's state stands.
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	resp := &abci.ResponseInfo{Data: "pnyx", Version: "1", AppVersion: 1, LastBlockHeight: a.store.Version()}
	if resp.LastBlockHeight > 0 {
		resp.LastBlockAppHash = a.store.LastCommitHash()
	}
	return resp, nil
}

// InitChain validates genesis.json's app_state, stores it and lets the
// program write the genesis state.
func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	raw, err := a.prog.Genesis(req.AppStateBytes)
	if err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	a.chainID = req.ChainId
	a.store.Set([]byte(keyGenesis), raw)
	a.store.Set([]byte(keyChainID), []byte(req.ChainId))
	ctx := &module.Context{ChainID: req.ChainId, Height: req.InitialHeight, Time: req.Time, Store: a.store}
	if err := a.prog.InitGenesis(ctx); err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	return &abci.ResponseInitChain{AppHash: a.store.WorkingHash()}, nil
}

// CheckTx admits a transaction to the mempool only if it would execute
// against the last committed state, after the txs admitted since.
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	a.checkMu.Lock()
	if a.checkState == nil {
		// Before the first commit the genesis state exists only in the
		// working tree, which mu guards; take it first (lock order).
		a.checkMu.Unlock()
		a.mu.Lock()
		defer a.mu.Unlock()
		a.checkMu.Lock()
	}
	defer a.checkMu.Unlock()
	var kv store.KV = a.store
	if a.checkState != nil {
		kv = store.ReadOnly(a.checkState)
	}
	env, hash, err := a.authenticate(kv, req.Tx, true)
	if err == nil {
		err = a.admitBudget(env)
	}
	if err == nil && !a.lightRecheck(req, env) {
		err = a.execute(kv, env, true, a.checkHeight+1, a.checkTime, nil)
	}
	if err != nil {
		return &abci.ResponseCheckTx{Code: uint32(codes.Of(err)), Codespace: codes.Codespace, Log: codes.Message(err)}, nil
	}
	if !a.anonymous(env.Type) {
		a.checkNonces[string(env.Signer)] = env.Nonce + 1
		a.checkPending[string(env.Signer)]++
		a.rememberVerified(hash)
	}
	return &abci.ResponseCheckTx{Code: 0, GasWanted: 1}, nil
}

// Preverify decodes raw and verifies its signature without reading state and
// without the application lock, and remembers a good signature so that
// CheckTx and FinalizeBlock do not verify it again. The API calls it on the
// request's goroutine before handing a tx to the mempool: CometBFT's mempool
// runs CheckTx one at a time, so a signature verified here is verified in
// parallel with other requests and with the block being executed, off that
// serial path. It reports what CheckTx would report for a bad
// encoding or signature; everything else (chain ID, type, nonce, the handler)
// is left to CheckTx. Skipping Preverify is always safe: CheckTx then
// verifies the signature itself.
func (a *App) Preverify(raw []byte) error {
	env, err := tx.Decode(raw)
	if err != nil {
		return err
	}
	if r, ok := a.routes[env.Type]; ok && r.Anonymous {
		// Anonymous txs carry no signature: their module checks the body
		// (a ballot's credentials and one-time signature) and remembers it.
		if pre := a.specs[r.spec].Preverify; pre != nil {
			return pre(env)
		}
		return nil
	}
	if err := env.VerifySignature(); err != nil {
		return err
	}
	a.rememberVerified(sha256.Sum256(raw))
	return nil
}

// rememberVerified records a tx whose signature verified. The set is
// bounded: when full it starts over, and the txs it forgot are verified
// again, which costs time but never correctness.
func (a *App) rememberVerified(hash [32]byte) {
	a.verifiedMu.Lock()
	defer a.verifiedMu.Unlock()
	if len(a.verified) >= maxVerified {
		a.verified = map[[32]byte]struct{}{}
	}
	a.verified[hash] = struct{}{}
}

// sigVerified reports whether hash's signature was verified before; with
// consume (FinalizeBlock, where a tx executes once) it forgets the tx.
func (a *App) sigVerified(hash [32]byte, consume bool) bool {
	a.verifiedMu.Lock()
	defer a.verifiedMu.Unlock()
	_, seen := a.verified[hash]
	if seen && consume {
		delete(a.verified, hash)
	}
	return seen
}

// authenticate decodes raw and checks chain ID, type, signature and nonce
// (the next one in kv, or in CheckTx after the txs admitted since).
//
// The hash (for the signature cache) is zero for anonymous txs, which have
// no signature to cache: a ballot is ~7 KB, hashed at every pass.
func (a *App) authenticate(kv store.Reader, raw []byte, checking bool) (*tx.Envelope, [32]byte, error) {
	var hash [32]byte
	env, err := tx.Decode(raw)
	if err != nil {
		return nil, hash, err
	}
	if env.ChainID != a.chainID {
		return nil, hash, codes.WrongChain.Errorf("tx is for chain %q, this is %q", env.ChainID, a.chainID)
	}
	if _, ok := a.routes[env.Type]; !ok {
		return nil, hash, codes.UnknownType.Errorf("no module handles tx type %q", env.Type)
	}
	if a.anonymous(env.Type) {
		if !allZero(env.Signer) || !allZero(env.Signature) || env.Nonce != 0 {
			return nil, hash, codes.Malformed.Errorf("a %s tx is anonymous: signer, nonce and signature must be zero", env.Type)
		}
		return env, hash, nil
	}
	hash = sha256.Sum256(raw)
	if a.sigVerified(hash, !checking) {
		if !checking {
			a.stats.SigCacheHits++
		}
	} else if err := env.VerifySignature(); err != nil {
		return nil, hash, err
	}
	want := NextNonce(kv, env.Signer)
	if checking {
		if n, ok := a.checkNonces[string(env.Signer)]; ok {
			want = n
		}
	}
	if env.Nonce != want {
		what := "replayed"
		if env.Nonce > want {
			what = "out of order"
		}
		return nil, hash, codes.BadNonce.Errorf("nonce %d is %s: the signer's next nonce is %d", env.Nonce, what, want)
	}
	return env, hash, nil
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

func nonceKey(signer []byte) []byte { return append([]byte("acct/"), signer...) }

// NextNonce reads the nonce a signer's next tx must carry.
func NextNonce(r store.Reader, signer []byte) uint64 {
	v := r.Get(nonceKey(signer))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// execute runs the handler on an overlay over kv; unless checking it
// writes the overlay and the new nonce to kv on success.
func (a *App) execute(kv store.KV, env *tx.Envelope, checking bool, height int64, at time.Time, events *[]module.Event) error {
	ov := store.NewOverlay(kv)
	// An anonymous tx has no signer to look up (its key is all zeros), and
	// its handler judges the body alone; the lookup cost two reads for
	// every ballot in CheckTx, its rechecks and FinalizeBlock.
	caller := module.Caller{Key: env.Signer}
	if !a.anonymous(env.Type) {
		caller = a.prog.Signer(kv, env.Signer)
	}
	ctx := &module.Context{ChainID: a.chainID, Height: height, Time: at, Store: ov, Caller: caller, Checking: checking}
	if err := a.routes[env.Type].Handler(ctx, env.Body); err != nil {
		return err
	}
	if checking {
		return nil
	}
	if !a.anonymous(env.Type) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], env.Nonce+1)
		ov.Set(nonceKey(env.Signer), n[:])
	}
	ov.Write()
	*events = ctx.Events()
	return nil
}

// clockWanted reports whether any module needs block time to follow the
// wall clock at block time now.
func (a *App) clockWanted(now time.Time) bool {
	for _, sp := range a.specs {
		if sp.Clock != nil && sp.Clock(a.store, now) {
			return true
		}
	}
	return false
}

// FinalizeBlock executes a decided block.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cost.begin(req.Txs)
	start := time.Now()
	results := make([]*abci.ExecTxResult, len(req.Txs))
	for _, sp := range a.specs {
		if sp.BeginBlock != nil {
			sp.BeginBlock(a.store, req.Height, req.Txs)
		}
	}
	for i, raw := range req.Txs {
		results[i] = a.deliver(raw, req.Height, req.Time)
	}
	for _, sp := range a.specs {
		if sp.EndBlock != nil {
			sp.EndBlock(a.store)
		}
	}
	// The last block's height and time let CheckTx judge windows after a
	// restart. They are stored only in blocks that carry txs, or while a
	// module's deadline is near (Spec.Clock): writing them changes the app
	// hash, and CometBFT makes a new block after every app hash change, so
	// an idle chain would never idle, and a chain near a deadline keeps its
	// block time within a block of the clock (issue 11, finding 4).
	if len(req.Txs) > 0 || a.clockWanted(req.Time) {
		var lb [16]byte
		binary.BigEndian.PutUint64(lb[:8], uint64(req.Height))
		binary.BigEndian.PutUint64(lb[8:], uint64(req.Time.UnixNano()))
		a.store.Set([]byte(keyLastBlock), lb[:])
	}
	a.lastBlock, a.lastTime = req.Height, req.Time
	if a.opts.CheckInvariants {
		for _, sp := range a.specs {
			if sp.Invariant == nil {
				continue
			}
			if err := sp.Invariant(a.store); err != nil {
				panic(fmt.Sprintf("chain: %s invariant broken after block %d: %v", sp.Name, req.Height, err))
			}
		}
	}
	waiting := time.Now()
	if err := a.store.WaitSaved(); err != nil {
		panic(fmt.Sprintf("chain: the state of block %d was not saved: %v", req.Height-1, err))
	}
	hashing := time.Now()
	hash := a.store.WorkingHash()
	a.stats.ExecuteTime += waiting.Sub(start)
	a.stats.SaveWaitTime += hashing.Sub(waiting)
	a.stats.HashTime += time.Since(hashing)
	return &abci.ResponseFinalizeBlock{TxResults: results, AppHash: hash}, nil
}

func (a *App) deliver(raw []byte, height int64, at time.Time) *abci.ExecTxResult {
	env, _, err := a.authenticate(a.store, raw, false)
	var events []module.Event
	if err == nil {
		err = a.execute(a.store, env, false, height, at, &events)
	}
	if err != nil {
		a.stats.TxsFailed++
		return &abci.ExecTxResult{Code: uint32(codes.Of(err)), Codespace: codes.Codespace, Log: codes.Message(err)}
	}
	a.stats.TxsOK++
	return &abci.ExecTxResult{Code: 0, Events: toABCI(env, events)}
}

func toABCI(env *tx.Envelope, events []module.Event) []abci.Event {
	out := make([]abci.Event, 0, len(events)+1)
	out = append(out, abci.Event{Type: "tx", Attributes: []abci.EventAttribute{
		{Key: "type", Value: env.Type, Index: true},
		{Key: "signer", Value: hex.EncodeToString(env.Signer), Index: true},
	}})
	for _, ev := range events {
		e := abci.Event{Type: ev.Type}
		for _, at := range ev.Attrs {
			e.Attributes = append(e.Attributes, abci.EventAttribute{Key: at.Key, Value: at.Value, Index: true})
		}
		out = append(out, e)
	}
	return out
}

// Commit persists the block's state; only here does state reach the disk.
func (a *App) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	start := time.Now()
	if _, _, err := a.store.Commit(); err != nil {
		return nil, err
	}
	a.stats.CommitTime += time.Since(start)
	a.refreshCheckState()
	a.cost.end()
	return &abci.ResponseCommit{}, nil
}

// Query serves ABCI queries: path "/key" with the store key in Data returns
// the value at the latest committed version (or Height), with an ICS-23 proof
// when Prove is set. The API reads snapshots directly; this is for CometBFT's
// abci_query.
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	if req.Path != "/key" {
		return &abci.ResponseQuery{Code: uint32(codes.NotFound), Codespace: codes.Codespace, Log: "unknown query path " + req.Path}, nil
	}
	h := req.Height
	if h == 0 {
		h = a.store.Version()
	}
	snap, err := a.store.Snapshot(h)
	if err != nil {
		return &abci.ResponseQuery{Code: uint32(codes.NotFound), Codespace: codes.Codespace, Log: err.Error()}, nil
	}
	resp := &abci.ResponseQuery{Key: req.Data, Height: h}
	if !req.Prove {
		resp.Value = snap.Get(req.Data)
		return resp, nil
	}
	v, p, err := snap.Prove(req.Data)
	if err != nil {
		return &abci.ResponseQuery{Code: uint32(codes.Internal), Codespace: codes.Codespace, Log: err.Error()}, nil
	}
	pb, _ := p.Marshal()
	resp.Value = v
	resp.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: "ics23:iavl", Key: req.Data, Data: pb}}}
	return resp, nil
}

// Close closes the state store; a node harness calls it after the node stops.
func (a *App) Close() error { return a.store.Close() }
