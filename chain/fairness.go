package chain

import (
	"context"
	"encoding/hex"

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
)

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
	return &abci.ResponsePrepareProposal{Txs: fairTxs(req.Txs, req.MaxTxBytes, a.signerBytesPerBlock(), a.signerTxsPerBlock())}, nil
}

// fairTxs picks the txs of a proposal; a negative perSignerBytes or
// perSignerTxs means no such per-signer limit.
func fairTxs(txs [][]byte, maxBytes int64, perSignerBytes, perSignerTxs int) [][]byte {
	out := make([][]byte, 0, len(txs))
	var total int64
	usedBytes, usedTxs := map[string]int{}, map[string]int{}
	deferred := map[string]bool{}
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
