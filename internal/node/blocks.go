package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/types"
)

// ErrHeightNotAvailable is returned for a height above the latest committed
// block or below the oldest stored one.
var ErrHeightNotAvailable = errors.New("node: height not available")

// CommittedBlock is one committed block with the results of its txs.
type CommittedBlock struct {
	Height  int64
	Hash    []byte    // block hash
	Time    time.Time // header time (BFT time, deterministic)
	AppHash []byte    // app hash after executing this block (in header Height+1)
	Txs     [][]byte
	// Results[i] is the result of Txs[i]. Only Code, Data, GasWanted and
	// GasUsed are hashed into the chain (LastResultsHash); Log, Info and
	// Events are not provable.
	Results []*abci.ExecTxResult
	Events  []abci.Event // block-level FinalizeBlock events
}

// TxHash returns the hash of Txs[i] (sha256, as CometBFT computes it).
func (b *CommittedBlock) TxHash(i int) []byte { return TxHash(b.Txs[i]) }

// checkHeight resolves height 0 to the latest and rejects heights not in the
// stores. Callers hold n.mu shared.
func (n *Node) checkHeight(height int64) (int64, error) {
	if n.stopped {
		return 0, ErrStopped
	}
	latest := n.committed.Load()
	if height == 0 {
		height = latest
	}
	if height < 1 || height > latest || height < n.env.BlockStore.Base() {
		return 0, fmt.Errorf("%w: %d (stored %d..%d)", ErrHeightNotAvailable, height, n.env.BlockStore.Base(), latest)
	}
	return height, nil
}

// loadResults reads the stored FinalizeBlock response of height. Callers
// hold n.mu shared.
//
// CometBFT stores the response protobuf-encoded, and an empty block whose
// app hash is empty encodes to zero bytes, which its store then reports as
// "no results for height". Such a block's response is the empty response.
func (n *Node) loadResults(height int64, txs int) (*abci.ResponseFinalizeBlock, error) {
	res, err := n.env.StateStore.LoadFinalizeBlockResponse(height)
	var none sm.ErrNoABCIResponsesForHeight
	if errors.As(err, &none) && txs == 0 {
		return &abci.ResponseFinalizeBlock{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("node: results at %d: %w", height, err)
	}
	return res, nil
}

// Block returns the committed block at height (0: latest).
func (n *Node) Block(height int64) (*types.Block, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	height, err := n.checkHeight(height)
	if err != nil {
		return nil, err
	}
	b := n.env.BlockStore.LoadBlock(height)
	if b == nil {
		return nil, fmt.Errorf("%w: block %d missing", ErrHeightNotAvailable, height)
	}
	return b, nil
}

// BlockResults returns the stored FinalizeBlock response of the block at
// height (0: latest): tx results with codes, logs and events, block events,
// validator updates and the resulting app hash.
func (n *Node) BlockResults(height int64) (*abci.ResponseFinalizeBlock, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	height, err := n.checkHeight(height)
	if err != nil {
		return nil, err
	}
	meta := n.env.BlockStore.LoadBlockMeta(height)
	if meta == nil {
		return nil, fmt.Errorf("%w: block %d missing", ErrHeightNotAvailable, height)
	}
	return n.loadResults(height, meta.NumTxs)
}

// SignedHeader returns the header at height (0: latest) with the commit that
// signs it: the canonical commit stored with block height+1, or for the
// latest block the commit this node saw (which carries +2/3 of the power
// too, possibly a different subset of signatures). Together with
// Validators(height) it is what light-client verification needs.
//
// A state change committed at height H is proven by the app hash in header
// H+1, which exists once the next block is committed (CometBFT makes that
// block right away after any block that changed the app hash).
func (n *Node) SignedHeader(height int64) (*types.SignedHeader, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.stopped {
		return nil, ErrStopped
	}
	// Headers are stored before the app commits them, so allow up to the
	// block store's height: the header for H+1 proves the state of H.
	latest := n.env.BlockStore.Height()
	if height == 0 {
		height = latest
	}
	if height < 1 || height > latest || height < n.env.BlockStore.Base() {
		return nil, fmt.Errorf("%w: %d (stored %d..%d)", ErrHeightNotAvailable, height, n.env.BlockStore.Base(), latest)
	}
	meta := n.env.BlockStore.LoadBlockMeta(height)
	if meta == nil {
		return nil, fmt.Errorf("%w: header %d missing", ErrHeightNotAvailable, height)
	}
	var commit *types.Commit
	if height < latest {
		commit = n.env.BlockStore.LoadBlockCommit(height)
	}
	if commit == nil {
		commit = n.env.BlockStore.LoadSeenCommit(height)
	}
	if commit == nil {
		return nil, fmt.Errorf("%w: commit %d missing", ErrHeightNotAvailable, height)
	}
	header := meta.Header
	return &types.SignedHeader{Header: &header, Commit: commit}, nil
}

// Validators returns the validator set that signs the block at height.
func (n *Node) Validators(height int64) (*types.ValidatorSet, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.stopped {
		return nil, ErrStopped
	}
	if height == 0 {
		height = n.env.BlockStore.Height()
	}
	vals, err := n.env.StateStore.LoadValidators(height)
	if err != nil {
		return nil, fmt.Errorf("%w: validators at %d: %v", ErrHeightNotAvailable, height, err)
	}
	return vals, nil
}

// committedBlock returns block height and its results: from memory for the
// few latest blocks, otherwise from the stores.
func (n *Node) committedBlock(height int64) (*CommittedBlock, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	height, err := n.checkHeight(height)
	if err != nil {
		return nil, err
	}
	if cb := n.recent.get(height); cb != nil {
		return cb, nil
	}
	return n.storedBlock(height)
}

// storedBlock reads block height and its results from the stores. Callers
// hold n.mu shared.
func (n *Node) storedBlock(height int64) (*CommittedBlock, error) {
	b := n.env.BlockStore.LoadBlock(height)
	if b == nil {
		return nil, fmt.Errorf("%w: block %d missing", ErrHeightNotAvailable, height)
	}
	res, err := n.loadResults(height, len(b.Txs))
	if err != nil {
		return nil, err
	}
	if len(res.TxResults) != len(b.Txs) {
		return nil, fmt.Errorf("node: block %d has %d txs but %d results", height, len(b.Txs), len(res.TxResults))
	}
	cb := &CommittedBlock{
		Height:  height,
		Hash:    b.Hash(),
		Time:    b.Time,
		AppHash: res.AppHash,
		Txs:     make([][]byte, len(b.Txs)),
		Results: res.TxResults,
		Events:  res.Events,
	}
	for i, tx := range b.Txs {
		cb.Txs[i] = tx
	}
	return cb, nil
}

// recentBlocks keeps the last few committed blocks as the app executed them,
// so the followers (the tx tracker, the search index) that read every new
// block do not each load and decode it from the block store again: under
// load that decoding was a tenth of the node's CPU.
type recentBlocks struct {
	mu      sync.Mutex
	pending *CommittedBlock // executed, not yet committed
	blocks  [recentBlockCount]*CommittedBlock
}

// recentBlockCount covers followers a few blocks behind; older heights are
// read from the stores.
const recentBlockCount = 8

// executed records the block FinalizeBlock just executed. Its fields are
// what CometBFT stores for the block: the txs, header time and hash from the
// request, the results from the response.
func (r *recentBlocks) executed(req *abci.RequestFinalizeBlock, res *abci.ResponseFinalizeBlock) {
	cb := &CommittedBlock{Height: req.Height, Hash: req.Hash, Time: req.Time, AppHash: res.AppHash,
		Txs: req.Txs, Results: res.TxResults, Events: res.Events}
	if cb.Txs == nil {
		cb.Txs = [][]byte{}
	}
	r.mu.Lock()
	r.pending = cb
	r.mu.Unlock()
}

// committed makes the executed block at height readable.
func (r *recentBlocks) committed(height int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending != nil && r.pending.Height == height {
		r.blocks[height%recentBlockCount] = r.pending
	}
	r.pending = nil
}

func (r *recentBlocks) get(height int64) *CommittedBlock {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cb := r.blocks[height%recentBlockCount]; cb != nil && cb.Height == height {
		return cb
	}
	return nil
}

// Follow calls fn with every committed block from fromHeight on, in order,
// then waits for new blocks and delivers them as they commit. It reads the
// block and state stores, so it can start at any stored height (1 to rebuild
// an index from scratch) and never misses a block however far behind fn
// falls. It returns fn's first error, ctx's error, or ErrStopped.
//
// Follow works before Start (it delivers what is on disk, then waits).
// fn must not call Stop.
func (n *Node) Follow(ctx context.Context, fromHeight int64, fn func(CommittedBlock) error) error {
	if fromHeight < 1 {
		fromHeight = 1
	}
	for h := fromHeight; ; h++ {
		if err := n.waitFor(ctx, h); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		cb, err := n.committedBlock(h)
		if err != nil {
			return err
		}
		if err := fn(*cb); err != nil {
			return err
		}
	}
}

// TxOutcome is where and how a committed tx ended.
type TxOutcome struct {
	Hash      []byte
	Height    int64
	Index     uint32 // position in the block
	Code      uint32 // 0 = success; anything else: the tx changed nothing
	Codespace string
	Log       string
	Data      []byte
	GasWanted int64
	GasUsed   int64
	Events    []abci.Event
}

// WaitTx waits until the tx with this hash (TxHash of its bytes) is
// committed and returns its outcome. It is answered from one internal
// follower of committed blocks, so any number of concurrent waits cost no
// event subscriptions. A tx committed shortly before the call is found in
// the recent-tx cache (see FindTx); one committed before this Node started
// is not, and WaitTx then waits until ctx ends — look it up in the index.
func (n *Node) WaitTx(ctx context.Context, hash []byte) (TxOutcome, error) {
	return n.WaitTxAfter(ctx, hash, 0)
}

// WaitTxAfter is WaitTx for a tx handed to the mempool when the chain
// stood at height after: it returns an outcome from a later block, or a
// success from any block. The same bytes can commit more than once: a tx
// that failed in its block left its nonce unused, so a client that sends
// the same body again signs the same bytes, and the earlier copy's failure
// is not this one's outcome; but they succeed at most once, and a success
// is the outcome of every copy (one the mempool turned away as a
// duplicate may have committed before after).
func (n *Node) WaitTxAfter(ctx context.Context, hash []byte, after int64) (TxOutcome, error) {
	if len(hash) != 32 {
		return TxOutcome{}, fmt.Errorf("node: tx hash must be 32 bytes, got %d", len(hash))
	}
	if n.isStopped() {
		return TxOutcome{}, ErrStopped
	}
	// A tx committed before the follower's cache: in the lookup. One that
	// commits after this check reaches the cache, which wait checks first.
	if o, ok := n.lookupTx(hash); ok && answers(o, after) {
		return o, nil
	}
	return n.txs.wait(ctx, hash, after)
}

// FindTx returns the outcome of a committed tx: from memory for the newest
// Options.RecentTxs, else from the durable lookup (txlookup.go), which
// covers every stored block once the follower has caught up after a start.
func (n *Node) FindTx(hash []byte) (TxOutcome, bool) {
	if o, ok := n.txs.find(hash); ok {
		return o, true
	}
	return n.lookupTx(hash)
}

// trackTxs is the one internal follower: it records every committed tx in
// the recent-tx cache and releases its waiters.
func (n *Node) trackTxs(ctx context.Context, from int64) {
	defer n.followerWG.Done()
	recording := true
	err := n.Follow(ctx, from, func(b CommittedBlock) error {
		n.txs.add(&b)
		// A lookup that cannot be written (a full disk) must not stop the
		// follower, which WaitTx depends on: stop recording, so the lookup's
		// height stays where its entries are complete, and the next start
		// records the rest again.
		if recording {
			if err := n.recordTxs(&b); err != nil {
				recording = false
				if !errors.Is(err, errDBClosed) {
					n.logger.Error("pnyx tx lookup: not recording until restart", "height", b.Height, "err", err)
				}
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, ErrStopped) {
		n.logger.Error("pnyx tx follower stopped", "err", err)
	}
}
