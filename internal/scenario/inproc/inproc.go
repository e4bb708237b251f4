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
package inproc

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/types"

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
}

// AdminKey is the in-process chain's HQ admin key, derived from a fixed
// seed as scenario names are.
func AdminKey() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "scenario/admin")
	return ed25519.NewKeyFromSeed(seed)
}

// Start builds the chain from modules.DefaultGenesis with AdminKey as HQ
// admin, commits genesis and serves the API on a free local port.
func Start(opts Options) (*Node, error) {
	n := &Node{app: chain.New(store.OpenMemory(), modules.New(), chain.Options{CheckInvariants: true}), admin: AdminKey(), now: Genesis,
		blocks: map[int64]*types.Block{}, txs: map[[32]byte]node.TxOutcome{}}
	g := modules.DefaultGenesis(fmt.Sprintf("%x", n.admin.Public()))
	raw, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	if _, err := n.app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: ChainID, Time: n.now, InitialHeight: 1, AppStateBytes: raw}); err != nil {
		return nil, fmt.Errorf("InitChain: %w", err)
	}
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

// Advance moves block time forward by d and commits an empty block, so
// CheckTx, which judges time windows by the last block, sees the new time.
func (n *Node) Advance(d time.Duration) error {
	n.mu.Lock()
	defer n.mu.Unlock()
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

// block executes txs as the next block and commits it. Callers hold mu.
func (n *Node) block(txs [][]byte) (*abci.ResponseFinalizeBlock, error) {
	n.height++
	n.now = n.now.Add(BlockStep)
	resp, err := n.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: n.height, Time: n.now})
	if err != nil {
		return nil, fmt.Errorf("FinalizeBlock: %w", err)
	}
	if _, err := n.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		return nil, fmt.Errorf("Commit: %w", err)
	}
	b := &types.Block{Header: types.Header{ChainID: ChainID, Height: n.height, Time: n.now, AppHash: resp.AppHash}}
	for _, raw := range txs {
		b.Data.Txs = append(b.Data.Txs, raw)
	}
	n.blocks[n.height] = b
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

// WaitTx returns the outcome of a tx: every accepted tx is committed by the
// time BroadcastTxSync returns.
func (n *Node) WaitTx(ctx context.Context, hash []byte) (node.TxOutcome, error) {
	if o, ok := n.FindTx(hash); ok {
		return o, nil
	}
	return node.TxOutcome{}, fmt.Errorf("tx %x was never submitted", hash)
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

// errNoHeaders answers proof requests: no validator signs in-process.
var errNoHeaders = errors.New("the in-process chain has no signed headers, so no proofs")

// SignedHeader is not available in-process.
func (n *Node) SignedHeader(height int64) (*types.SignedHeader, error) { return nil, errNoHeaders }

// Validators is not available in-process.
func (n *Node) Validators(height int64) (*types.ValidatorSet, error) { return nil, errNoHeaders }

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
