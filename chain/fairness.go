package chain

import (
	"context"
	"encoding/hex"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/tx"
)

// Fairness under bulk work (issue 12 finding 5, issue 17). Two budgets keep
// one signer — a member flooding comments, a registrar importing a million
// members — from taking the node over. Both are this node's admission and
// proposal policy, not consensus rules: a block another proposer built
// differently executes the same everywhere, so neither needs to be
// deterministic or on chain.
//
//   - CheckTx admits at most MaxPendingPerSigner txs of one signer between
//     two commits (the mempool's recheck after a commit re-admits what is
//     still waiting, so this is the signer's share of the mempool). Beyond
//     it the tx is refused with codes.Unavailable — "retry after the next
//     block", which every pnyx client already does for a full mempool.
//   - PrepareProposal carries at most SignerBytesPerBlock bytes and
//     SignerTxsPerBlock txs of one signer (always at least one tx), so a
//     block that follows a bulk import or a flood of small txs still has
//     room — and time — for everyone else's txs. A signer's txs are taken as
//     a prefix in mempool (nonce) order: skipping one and taking a later one
//     would only fail the later one's nonce.
//   - Batches (txs of at least recheckLightBytes: a registrar's 500-entry
//     approvals, an issuer's signatures) may go beyond their signer's byte
//     budget into a bulk allowance shared by all signers, sized from what
//     the last blocks cost this node to execute and commit so that a block
//     takes about BulkBlockTime (see bulkBytes). So the bulk work of
//     registrars and issuers goes as fast as the node keeps blocks short,
//     and everyone else's txs still wait for at most about two such
//     blocks. A member's large tx (a long petition) may use the allowance
//     too; it is bounded in time and shared whoever uses it, and the
//     per-signer tx count still applies.

const (
	// DefaultMaxPendingPerSigner: 2 % of the node's 50,000-tx mempool. An
	// importer needs a handful in flight; a flood stops here.
	DefaultMaxPendingPerSigner = 1000
	// DefaultSignerBytesPerBlock: two 500-entry approvals (~62 KB each),
	// 1,000 members, per block from one registrar. With four in flight a
	// block carried 2,000 and took 10-20 s at 100,000 members on the shared
	// 2-core machine, and every other member's tx waited for two such blocks
	// (other_tx_p95_ms=27793, docs/performance.md).
	DefaultSignerBytesPerBlock = 128 << 10
	// DefaultSignerTxsPerBlock: the byte budget alone let ~300 small txs of
	// one flooding signer into each block, which took ~0.7 s to execute,
	// and other members' commit p99 went from 453 ms to 2.1 s
	// (`pnyx network bench --flood`, docs/performance.md). 32 is more than
	// a member, a trustee or an issuer with 8 batches in flight sends
	// between two blocks, and at 5 blocks/s still 160 txs/s for a flood.
	DefaultSignerTxsPerBlock = 32
	// recheckLightBytes: on the mempool's recheck after a commit, a signed tx
	// at least this large (a 500-entry batch) is re-authenticated — chain,
	// signature cache, nonce, budget — but its handler is not re-run. A
	// batch the block made invalid then fails in its block with its code and
	// changes nothing; re-running 500 entries' reads for every waiting batch
	// after every block is what made imports stall the chain.
	recheckLightBytes = 4 << 10
	// BulkBlockTime is how long (execution and commit) this node aims to
	// spend on a block when batches fill its bulk allowance. Another
	// member's tx waits for the block being executed, the commit timeout
	// (200 ms) and its own block: with 500 ms about 1.5 s in all, within
	// issue 17's other_tx_p95_ms ≤ 2,000.
	BulkBlockTime = 500 * time.Millisecond
	// MaxBulkBytesPerBlock bounds the bulk allowance however cheap blocks
	// were: 16 batches of 500 entries, 8,000 members.
	MaxBulkBytesPerBlock = 1 << 20
	// bulkCostMinBytes: blocks with fewer tx bytes are not measured; their
	// fixed cost per block (the commit of a near-empty version) says
	// nothing about the cost of a byte of batches.
	bulkCostMinBytes = 64 << 10
)

// blockCost measures what blocks cost this node, per tx byte, from the
// start of FinalizeBlock to the end of Commit: wall time on this machine
// under its load, which is what other members' txs wait for. It is
// proposal policy only (see above), never read by a block's execution.
type blockCost struct {
	start time.Time
	bytes int64
	// nsPerByte is a moving average over measured blocks (each weighs a
	// quarter); 0 until a block was measured.
	nsPerByte atomic.Int64
}

// begin marks the start of a block carrying txs. Callers hold App.mu.
func (c *blockCost) begin(txs [][]byte) {
	c.start, c.bytes = time.Now(), 0
	for _, raw := range txs {
		c.bytes += int64(len(raw))
	}
}

// end marks the end of the block's commit. Callers hold App.mu.
func (c *blockCost) end() {
	if c.start.IsZero() || c.bytes < bulkCostMinBytes {
		return
	}
	ns := max(time.Since(c.start).Nanoseconds()/c.bytes, 1)
	c.start = time.Time{}
	if old := c.nsPerByte.Load(); old > 0 {
		ns = (3*old + ns) / 4
	}
	c.nsPerByte.Store(ns)
}

// bulkBytes is the bytes of batches a proposal may carry, all signers
// together: as many as the measured cost per byte lets execute in
// BulkBlockTime, between perSigner (no allowance beyond the signer's own
// budget) and MaxBulkBytesPerBlock. Unmeasured, it is perSigner.
func (c *blockCost) bulkBytes(perSigner int) int {
	ns := c.nsPerByte.Load()
	if ns <= 0 || perSigner < 0 {
		return perSigner
	}
	return int(min(max(BulkBlockTime.Nanoseconds()/ns, int64(perSigner)), MaxBulkBytesPerBlock))
}

func (a *App) maxPendingPerSigner() int {
	if a.opts.MaxPendingPerSigner == 0 {
		return DefaultMaxPendingPerSigner
	}
	return a.opts.MaxPendingPerSigner
}

func (a *App) signerTxsPerBlock() int {
	if a.opts.SignerTxsPerBlock == 0 {
		return DefaultSignerTxsPerBlock
	}
	return a.opts.SignerTxsPerBlock
}

func (a *App) signerBytesPerBlock() int {
	if a.opts.SignerBytesPerBlock == 0 {
		return DefaultSignerBytesPerBlock
	}
	return a.opts.SignerBytesPerBlock
}

// admitBudget refuses a signed tx whose signer already has the most txs
// waiting that one signer may have. Callers hold checkMu.
func (a *App) admitBudget(env *tx.Envelope) error {
	limit := a.maxPendingPerSigner()
	if limit < 0 || a.anonymous(env.Type) {
		return nil
	}
	if n := a.checkPending[string(env.Signer)]; n >= limit {
		return codes.Unavailable.Errorf("signer %s… has %d txs waiting for a block, the most one signer may have here; retry after the next block", hex.EncodeToString(env.Signer)[:16], n)
	}
	return nil
}

// lightRecheck reports whether a recheck of raw may skip the handler.
func (a *App) lightRecheck(req *abci.RequestCheckTx, env *tx.Envelope) bool {
	return req.Type == abci.CheckTxType_Recheck && len(req.Tx) >= recheckLightBytes && !a.anonymous(env.Type)
}

// PrepareProposal builds this node's proposal from the mempool's txs: in
// their order, within the block's byte limit, and at most
// SignerBytesPerBlock bytes and SignerTxsPerBlock txs of any one signer
// (see the comment above).
func (a *App) PrepareProposal(_ context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	perSigner := a.signerBytesPerBlock()
	return &abci.ResponsePrepareProposal{Txs: fairTxs(req.Txs, req.MaxTxBytes, perSigner, a.signerTxsPerBlock(), a.cost.bulkBytes(perSigner))}, nil
}

// fairTxs picks the txs of a proposal; a negative perSignerBytes or
// perSignerTxs means no such per-signer limit. Batches beyond their
// signer's byte budget may use what bulkBytes leaves beyond perSignerBytes,
// shared by all signers (batches within the budget are not counted).
func fairTxs(txs [][]byte, maxBytes int64, perSignerBytes, perSignerTxs, bulkBytes int) [][]byte {
	out := make([][]byte, 0, len(txs))
	var total int64
	usedBytes, usedTxs := map[string]int{}, map[string]int{}
	deferred := map[string]bool{}
	bulkLeft := bulkBytes - perSignerBytes
	for _, raw := range txs {
		if total+int64(len(raw)) > maxBytes {
			continue // a smaller tx later may still fit
		}
		if perSignerBytes >= 0 || perSignerTxs >= 0 {
			if env, err := tx.Decode(raw); err == nil && !allZero(env.Signer) {
				s := string(env.Signer)
				if deferred[s] {
					continue
				}
				overBytes := perSignerBytes >= 0 && usedBytes[s]+len(raw) > perSignerBytes
				overTxs := perSignerTxs >= 0 && usedTxs[s]+1 > perSignerTxs
				if usedTxs[s] > 0 && overBytes && !overTxs && len(raw) >= recheckLightBytes && len(raw) <= bulkLeft {
					bulkLeft -= len(raw) // a batch, from the bulk allowance
					overBytes = false
				}
				if usedTxs[s] > 0 && (overBytes || overTxs) {
					deferred[s] = true // and every later tx of theirs
					continue
				}
				usedBytes[s] += len(raw)
				usedTxs[s]++
			}
		}
		total += int64(len(raw))
		out = append(out, raw)
	}
	return out
}
