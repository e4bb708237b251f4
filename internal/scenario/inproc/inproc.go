// Package inproc runs a pnyx chain in-process for scenario files: a
// chain.App behind the real HTTP API (internal/api), with a Node that
// executes one block per submitted tx, so a scenario test pays for no
// consensus, no disk and no waiting, yet goes through the same client, API
// and application code as a real node.
//
//	n, err := inproc.Start(inproc.Options{})
//	defer n.Close()
//	r := scenario.New(ctx, n.Target())
//
// Beyond a real node, it checks what only in-process execution can see: a
// tx that CheckTx rejects is also executed in a block, which must reject it
// with the same code, and no rejected tx may change any state.
//
// One validator (ValidatorKey, from a fixed seed) signs every block's
// header as CometBFT would: header h carries the app hash of state h-1, the
// hash of the one-validator set, and a commit signed by it. So the API
// serves state proofs that proof.Verify accepts against Node.Trusted — the
// in-process chain's own validator, not any real network's. A proof of what
// the latest block v changed needs header v+1, which a real node signs when
// it proposes the next block: in-process, asking for header v+1 signs it as
// the header of an empty block, which is committed, at that header's time,
// before the next tx or Advance. A run that asks for no proof (a Target
// without Proofs) commits no such block, so its heights and times are what
// they were before the chain had a validator. The validator set is fixed:
// validator/* txs change the app's state, not who signs here.
package inproc

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	cmtversion "github.com/cometbft/cometbft/proto/tendermint/version"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/tx"
)

// ChainID is the in-process chain's ID.
const ChainID = "pnyx-scenario"

// Suffix is $sfx in-process: fixed, so state is the same every run, and
// not empty, so outputs show $sfx where a real node's random suffix goes.
const Suffix = "-000000"

// BlockStep is how far block time moves per block: about as far as on a
// fast real node, so a schedule of short windows ($time(+20)) that a real
// node keeps also holds in-process.
const BlockStep = 100 * time.Millisecond

// Genesis is the in-process chain's first block time.
var Genesis = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// keyLastBlock is the one key every block rewrites (chain's last-block
// marker), left out when comparing state around a rejected tx.
const keyLastBlock = "app/last_block"

// Options configure Start.
type Options struct {
	// IndexPath, if set, is where an index (petitions, search) is kept,
	// fed with every block as a node's follower feeds it.
	IndexPath string
}

// Node is the in-process chain and its API server.
type Node struct {
	app   *chain.App
	admin ed25519.PrivateKey
	srv   *httptest.Server
	x     *index.Index

	mu       sync.Mutex
	height   int64
	now      time.Time
	blocks   map[int64]*types.Block
	txs      map[[32]byte]node.TxOutcome
	problems []string

	// The validator and what the next header names of the last block.
	val         cmted25519.PrivKey
	vals        *types.ValidatorSet
	headers     map[int64]*types.SignedHeader
	appHash     []byte // of the last committed state (InitChain's before block 1)
	lastID      types.BlockID
	lastCommit  *types.Commit
	lastResults []*abci.ExecTxResult
	// pending is the empty block whose header SignedHeader(height+1) served;
	// it is committed before anything else happens to the chain.
	pending *proposal
}

// proposal is a block with its signed header, before it is executed.
type proposal struct {
	block *types.Block
	sh    *types.SignedHeader
}

// AdminKey is the in-process chain's HQ admin key, derived from a fixed
// seed as scenario names are.
func AdminKey() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "scenario/admin")
	return ed25519.NewKeyFromSeed(seed)
}

// ValidatorKey is the in-process chain's one validator's key, derived from
// a fixed seed as AdminKey is.
func ValidatorKey() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "scenario/validator")
	return ed25519.NewKeyFromSeed(seed)
}

// ValidatorPower is the voting power of the in-process validator.
const ValidatorPower = 10

// ValidatorSet is the in-process chain's validator set: ValidatorKey's alone,
// at ValidatorPower, the same on every chain Start makes.
func ValidatorSet() *types.ValidatorSet {
	pub := cmted25519.PrivKey(ValidatorKey()).PubKey()
	return types.NewValidatorSet([]*types.Validator{types.NewValidator(pub, ValidatorPower)})
}

// Start builds the chain from modules.DefaultGenesis with AdminKey as HQ
// admin, commits genesis and serves the API on a free local port.
func Start(opts Options) (*Node, error) {
	n := &Node{app: chain.New(store.OpenMemory(), modules.New(), chain.Options{CheckInvariants: true}), admin: AdminKey(), now: Genesis,
		blocks: map[int64]*types.Block{}, txs: map[[32]byte]node.TxOutcome{}, headers: map[int64]*types.SignedHeader{},
		val: cmted25519.PrivKey(ValidatorKey())}
	n.vals = ValidatorSet()
	g := modules.DefaultGenesis(fmt.Sprintf("%x", n.admin.Public()))
	raw, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	ic, err := n.app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: ChainID, Time: n.now, InitialHeight: 1, AppStateBytes: raw})
	if err != nil {
		return nil, fmt.Errorf("InitChain: %w", err)
	}
	n.appHash = ic.AppHash
	if opts.IndexPath != "" {
		if n.x, err = index.Open(opts.IndexPath); err != nil {
			return nil, err
		}
	}
	if _, err := n.block(nil); err != nil {
		return nil, err
	}
	n.srv = httptest.NewServer(api.New(n.app, n, api.Options{Index: n.x}).Handler())
	return n, nil
}

// Close stops the server.
func (n *Node) Close() {
	n.srv.Close()
	if n.x != nil {
		n.x.Close()
	}
}

// App returns the application.
func (n *Node) App() *chain.App { return n.app }

// URL is the API's base URL.
func (n *Node) URL() string { return n.srv.URL }

// Target describes the node to the scenario runner.
func (n *Node) Target() scenario.Target {
	return scenario.Target{URL: n.srv.URL, Admin: n.admin, Deterministic: true, Suffix: Suffix, Advance: n.Advance, Check: n.Check}
}

// Trusted is the in-process chain's validator set, for a runner to pin
// proofs to (scenario.Target.Trusted).
func (n *Node) Trusted() *types.ValidatorSet { return n.vals.Copy() }

// Advance moves block time forward by d and commits an empty block, so
// CheckTx, which judges time windows by the last block, sees the new time.
func (n *Node) Advance(d time.Duration) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.commitPending(); err != nil {
		return err
	}
	n.now = n.now.Add(d)
	_, err := n.block(nil)
	return err
}

// Check reports what went wrong since the last call: rejected txs that
// changed state, or that CheckTx and the block judged differently.
func (n *Node) Check() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.problems) == 0 {
		return nil
	}
	err := fmt.Errorf("%v", n.problems)
	n.problems = nil
	return err
}

// block executes txs as the next block, one BlockStep after the last, and
// commits it. Callers hold mu.
func (n *Node) block(txs [][]byte) (*abci.ResponseFinalizeBlock, error) {
	if err := n.commitPending(); err != nil {
		return nil, err
	}
	p, err := n.propose(txs, n.now.Add(BlockStep))
	if err != nil {
		return nil, err
	}
	return n.commit(p)
}

// commitPending commits the empty block whose header was served, if any.
// Callers hold mu.
func (n *Node) commitPending() error {
	if n.pending == nil {
		return nil
	}
	p := n.pending
	n.pending = nil
	_, err := n.commit(p)
	return err
}

// propose makes block height+1 of txs at time t and signs its header as
// the validator's precommit: the header carries the app hash of the last
// committed state, the results of the last block and the commit of it.
func (n *Node) propose(txs [][]byte, t time.Time) (*proposal, error) {
	h := n.height + 1
	last := n.lastCommit
	if last == nil {
		last = &types.Commit{} // block 1 commits to no earlier block
	}
	b := &types.Block{Data: types.Data{Txs: make(types.Txs, len(txs))}, LastCommit: last}
	for i, raw := range txs {
		b.Data.Txs[i] = raw
	}
	b.Header.Populate(cmtversion.Consensus{Block: version.BlockProtocol}, ChainID, t, n.lastID,
		n.vals.Hash(), n.vals.Hash(), types.DefaultConsensusParams().Hash(), n.appHash,
		types.NewResults(n.lastResults).Hash(), n.vals.Validators[0].Address)
	b.Header.Height = h
	parts, err := b.MakePartSet(types.BlockPartSizeBytes)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", h, err)
	}
	id := types.BlockID{Hash: b.Hash(), PartSetHeader: parts.Header()}
	commit := &types.Commit{Height: h, BlockID: id, Signatures: []types.CommitSig{{
		BlockIDFlag: types.BlockIDFlagCommit, ValidatorAddress: n.vals.Validators[0].Address, Timestamp: t}}}
	if commit.Signatures[0].Signature, err = n.val.Sign(commit.VoteSignBytes(ChainID, 0)); err != nil {
		return nil, fmt.Errorf("sign block %d: %w", h, err)
	}
	return &proposal{block: b, sh: &types.SignedHeader{Header: &b.Header, Commit: commit}}, nil
}

// commit executes a proposed block and commits it. Callers hold mu.
func (n *Node) commit(p *proposal) (*abci.ResponseFinalizeBlock, error) {
	b := p.block
	txs := make([][]byte, len(b.Txs))
	for i, raw := range b.Txs {
		txs[i] = raw
	}
	n.height, n.now = b.Height, b.Time
	resp, err := n.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: n.height, Time: n.now})
	if err != nil {
		return nil, fmt.Errorf("FinalizeBlock: %w", err)
	}
	if _, err := n.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		return nil, fmt.Errorf("Commit: %w", err)
	}
	// As a node does, the block counts as committed once its state is on
	// disk, where the API reads it.
	<-n.app.Persisted()
	n.blocks[n.height] = b
	n.headers[n.height] = p.sh
	n.appHash, n.lastID, n.lastCommit, n.lastResults = resp.AppHash, p.sh.Commit.BlockID, p.sh.Commit, resp.TxResults
	if n.x != nil {
		cb := node.CommittedBlock{Height: n.height, Time: n.now, AppHash: resp.AppHash, Txs: txs, Results: resp.TxResults, Events: resp.Events}
		if err := n.x.ApplyBlock(cb); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
	}
	return resp, nil
}

// dump renders every state key but the last-block marker.
func (n *Node) dump() string {
	var b bytes.Buffer
	var keys []string
	vals := map[string][]byte{}
	n.app.Store().Iterate(nil, func(k, v []byte) bool {
		if string(k) != keyLastBlock {
			keys = append(keys, string(k))
			vals[string(k)] = bytes.Clone(v)
		}
		return true
	})
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%q=%x;", k, vals[k])
	}
	return b.String()
}

// BroadcastTxSync runs CheckTx and then the tx in a block of its own. A tx
// CheckTx rejects runs in a block too, to check that the block agrees.
func (n *Node) BroadcastTxSync(ctx context.Context, raw []byte) (*abci.ResponseCheckTx, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	// A block whose header was served comes first, as on a node the tx
	// would go into the block after the one being proposed.
	if err := n.commitPending(); err != nil {
		return nil, err
	}
	ct, err := n.app.CheckTx(ctx, &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		return nil, err
	}
	before := n.dump()
	resp, err := n.block([][]byte{raw})
	if err != nil {
		return nil, err
	}
	res := resp.TxResults[0]
	if ct.Code != 0 && res.Code != ct.Code {
		n.problems = append(n.problems, fmt.Sprintf("CheckTx rejected with code %d (%s) but the block gave %d (%s)", ct.Code, ct.Log, res.Code, res.Log))
	}
	if res.Code != 0 {
		if res.Log == "" {
			n.problems = append(n.problems, fmt.Sprintf("rejection with code %d carries no message", res.Code))
		}
		if n.dump() != before {
			n.problems = append(n.problems, fmt.Sprintf("a rejected tx (code %d: %s) changed state", res.Code, res.Log))
		}
	}
	if ct.Code == 0 {
		hash := tx.Hash(raw)
		n.txs[[32]byte(hash)] = node.TxOutcome{Hash: hash, Height: n.height, Code: res.Code, Codespace: res.Codespace, Log: res.Log, Data: res.Data, GasWanted: res.GasWanted, GasUsed: res.GasUsed, Events: res.Events}
	}
	return ct, nil
}

// WaitTxAfter returns the outcome of a tx in a block above height after:
// every accepted tx is committed by the time BroadcastTxSync returns, and
// FindTx holds the latest copy of the same bytes.
func (n *Node) WaitTxAfter(ctx context.Context, hash []byte, after int64) (node.TxOutcome, error) {
	if o, ok := n.FindTx(hash); ok && o.Height > after {
		return o, nil
	}
	return node.TxOutcome{}, fmt.Errorf("tx %x was never submitted after block %d", hash, after)
}

// FindTx looks a committed tx up.
func (n *Node) FindTx(hash []byte) (node.TxOutcome, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(hash) != 32 {
		return node.TxOutcome{}, false
	}
	o, ok := n.txs[[32]byte(hash)]
	return o, ok
}

// Status reports the last block.
func (n *Node) Status() (node.Status, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return node.Status{ChainID: ChainID, NodeID: "inproc", Moniker: "inproc", Height: n.height, AppHash: n.app.Store().LastCommitHash(), BlockTime: n.now, Running: true}, nil
}

// SignedHeader returns header height with the validator's commit. Header
// height+1, which proves the latest state, is signed on request as the
// header of an empty block (see the package doc); 0 is the latest.
func (n *Node) SignedHeader(height int64) (*types.SignedHeader, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if height == 0 {
		height = n.height
	}
	if sh, ok := n.headers[height]; ok {
		return sh, nil
	}
	if height != n.height+1 {
		return nil, fmt.Errorf("no header %d (stored 1..%d): %w", height, n.height+1, node.ErrHeightNotAvailable)
	}
	if n.pending == nil {
		p, err := n.propose(nil, n.now.Add(BlockStep))
		if err != nil {
			return nil, err
		}
		n.pending = p
	}
	return n.pending.sh, nil
}

// Validators returns the validator set of a height a header exists for:
// always the one validator.
func (n *Node) Validators(height int64) (*types.ValidatorSet, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if height == 0 {
		height = n.height
	}
	if height < 1 || height > n.height+1 {
		return nil, fmt.Errorf("no validators at %d (stored 1..%d): %w", height, n.height+1, node.ErrHeightNotAvailable)
	}
	return n.vals.Copy(), nil
}

// Block returns a committed block's header and txs.
func (n *Node) Block(height int64) (*types.Block, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	b, ok := n.blocks[height]
	if !ok {
		return nil, fmt.Errorf("no block %d: %w", height, node.ErrHeightNotAvailable)
	}
	return b, nil
}

// MempoolSize is always 0: txs execute as they arrive.
func (n *Node) MempoolSize() int { return 0 }
