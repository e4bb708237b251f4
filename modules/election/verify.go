package election

import (
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	mrand "math/rand/v2"
	"sort"
	"time"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/internal/parallel"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/tx"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// weights returns the batch-weight source of a block: every call gives a
// fresh ChaCha8 stream seeded with SHA-256("pnyx/election/batch-weights/v1"
// ‖ height ‖ SHA-256 of each ballot in block order). Every batch draws the
// same stream, so which goroutine verifies which batch does not matter; the
// seed commits to every ballot of the block, so nobody can choose ballots
// after seeing the weights.
func weights(height int64, hashes [][32]byte) func() io.Reader {
	h := sha256.New()
	h.Write([]byte("pnyx/election/batch-weights/v1"))
	binary.Write(h, binary.BigEndian, height)
	for _, x := range hashes {
		h.Write(x[:])
	}
	var seed [32]byte
	h.Sum(seed[:0])
	return func() io.Reader { return &chacha{mrand.NewChaCha8(seed)} }
}

type chacha struct{ c *mrand.ChaCha8 }

func (c *chacha) Read(p []byte) (int, error) { return c.c.Read(p) }

func (m *Elections) verdictFor(h [32]byte) *verdict {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.block[h]
}

// BlockStats describes the last BeginBlock, for metrics and benchmarks.
type BlockStats struct {
	Ballots       int
	CheapChecked  int // ballots whose credentials and signature BeginBlock checked (CheckTx had not)
	Invalid       int
	ProofsBatches int
	ProofsAhead   int // ballots whose proofs were verified before the block (verifyAhead)
}

// BeginBlock verifies every ballot of a decided block before any of its
// transactions executes: decoding and, for ballots this node's CheckTx did
// not see, credentials and one-time signature, in parallel; then the range
// and selection-limit proofs of those whose proofs this node did not verify
// ahead of the block (verifyAhead), batched per election in fixed runs of
// ProofBatch, in parallel, with weights derived from the block (see
// weights). The ballot handler then looks up its verdict. kv is
// the state as of the start of the block: a ballot whose election is not
// ready there is left to the handler, which rejects it or, if the election
// became ready earlier in the same block, verifies it inline.
func (m *Elections) BeginBlock(kv store.Reader, height int64, txs [][]byte) BlockStats {
	type item struct {
		raw []byte
		h   [32]byte
		c   *ballot.Election
		v   verdict
	}
	var items []*item
	for _, raw := range txs {
		b := ballotOfTx(raw)
		if b == nil {
			// Any other tx may create or change an election: Clock reads
			// the deadlines from state again. Ballots never change them.
			m.staleDeadlines()
			continue
		}
		e, err := m.readOnly(kv, b)
		if err != nil || e.Status != PhaseReady {
			continue
		}
		c, err := m.Context(e)
		if err != nil {
			continue
		}
		items = append(items, &item{raw: b, h: sha256.Sum256(b), c: c})
	}
	st := BlockStats{Ballots: len(items)}
	m.mu.Lock()
	m.block = map[[32]byte]*verdict{}
	for _, it := range items {
		_, checked := m.checked[it.h]
		_, decoded := m.decodedBallot(it.h, false)
		if !checked && !decoded {
			st.CheapChecked++
		}
	}
	m.mu.Unlock()
	if len(items) == 0 {
		return st
	}
	workers := m.Workers
	// Decode and cheap checks, each ballot on its own: the verdict is the
	// ballot's alone, whoever computes it.
	parallel.For(len(items), workers, func(i int) {
		it := items[i]
		it.v.b, it.v.err = m.cheap(it.c, it.raw, it.h, false)
	})
	// Proofs, per election, in block order.
	hashes := make([][32]byte, len(items))
	for i, it := range items {
		hashes[i] = it.h
	}
	newRand := weights(height, hashes)
	var order []*ballot.Election
	groups := map[*ballot.Election][]*item{}
	for _, it := range items {
		if it.v.err != nil {
			continue
		}
		if _, ok := groups[it.c]; !ok {
			order = append(order, it.c)
		}
		groups[it.c] = append(groups[it.c], it)
	}
	for _, c := range order {
		g := groups[c]
		// Ballots whose proofs were verified ahead of the block (or in an
		// earlier one) need nothing more; the rest are batched here.
		var rest []*item
		m.mu.Lock()
		for _, it := range g {
			if _, ok := m.proofsOK[it.h]; ok {
				st.ProofsAhead++
				continue
			}
			rest = append(rest, it)
		}
		m.mu.Unlock()
		if len(rest) == 0 {
			continue
		}
		bs := make([]*ballot.Ballot, len(rest))
		for i, it := range rest {
			bs[i] = it.v.b
		}
		fails := ballot.VerifyProofsInBatches(c, bs, ProofBatch, workers, newRand, nil)
		st.ProofsBatches += (len(bs) + ProofBatch - 1) / ProofBatch
		failed := make([]bool, len(rest))
		for _, f := range fails {
			failed[f.Index] = true
			rest[f.Index].v.err = ballotError(f.Err)
			rest[f.Index].v.b = nil
			m.mu.Lock()
			m.rememberBad(rest[f.Index].raw, rest[f.Index].v.err)
			m.mu.Unlock()
		}
		// Verified here: the goroutine verifying ahead skips them.
		m.mu.Lock()
		for i, it := range rest {
			if !failed[i] {
				m.rememberProofsOK(it.h)
			}
		}
		m.mu.Unlock()
	}
	m.mu.Lock()
	m.totals.Ballots += st.Ballots
	m.totals.CheapChecked += st.CheapChecked
	m.totals.ProofsBatches += st.ProofsBatches
	m.totals.ProofsAhead += st.ProofsAhead
	for _, it := range items {
		if it.v.err != nil {
			st.Invalid++
			m.totals.Invalid++
		}
		if _, dup := m.block[it.h]; !dup {
			v := it.v
			m.block[it.h] = &v
		}
	}
	m.mu.Unlock()
	return st
}

// Totals sums BlockStats over every block this node executed.
func (m *Elections) Totals() BlockStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.totals
}

// ProofBatch is the number of ballots per multi-scalar multiplication in
// BeginBlock: fixed runs in block order, so the verdicts do not depend on
// the number of cores, and small enough that a block of a few hundred
// ballots (what a block carries under load) keeps both cores busy.
const ProofBatch = 128

// EndBlock stores the running aggregate of every election that received
// ballots in the block (in election ID order) and forgets the block's
// verdicts. kv is the block's state; FinalizeBlock calls it after the last
// transaction.
func (m *Elections) EndBlock(kv store.KV) {
	ids := make([]string, 0, len(m.blockAgg))
	for id := range m.blockAgg {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t, ok := GetTally(kv, id)
		if !ok {
			continue
		}
		agg := m.blockAgg[id]
		t.Aggregate = hex.EncodeToString(encodeAggregate(agg))
		module.Put(kv, string(TallyKey(id)), t)
		m.rememberAggregate(id, t.Aggregate, agg)
	}
	m.blockAgg = nil
	m.mu.Lock()
	m.block = nil
	m.mu.Unlock()
}

// Preverify checks a ballot's credentials and one-time signature off the
// application's serial path (the API calls it on the request's goroutine,
// through chain.App.Preverify) and remembers a pass, so that neither
// CheckTx nor FinalizeBlock checks them again. It reads no state: it
// only knows elections whose context this node has cached (after their
// first ballot), and otherwise leaves the work to CheckTx. Skipping it is
// always safe.
func (m *Elections) Preverify(env *tx.Envelope) error {
	if env.Type != TypeBallot {
		return nil
	}
	bb, err := decodeBallotBody(env.Body)
	if err != nil {
		return err
	}
	raw, err := BallotBytes(bb.Ballot)
	if err != nil || len(raw) < 33 {
		return err
	}
	var eid [32]byte
	copy(eid[:], raw[1:33])
	m.mu.Lock()
	c := m.byEID[eid]
	m.mu.Unlock()
	if c == nil {
		return nil
	}
	h := sha256.Sum256(raw)
	b, err := m.cheap(c, raw, h, true)
	if err != nil {
		return err
	}
	m.queueAhead(aheadItem{h: h, c: c, b: b, raw: raw})
	return nil
}

// Proofs ahead of the block. A ballot that passed Preverify waits in the
// mempool for its block; meanwhile one goroutine verifies the range and
// selection-limit proofs of the waiting ballots in batches, with weights
// from crypto/rand, and remembers those that verify (proofsOK). BeginBlock
// then verifies only the rest, and the block's serial path — on which the
// next ballots' admission waits — no longer carries the proofs of ballots
// this node saw before.
//
// The block's outcome does not change: a valid ballot verifies under any
// weights, and an invalid one passes a batch with probability at most
// 2^-128 (the argument by which BeginBlock's batches are sound in the
// first place). Only ballots found valid are skipped; one the goroutine
// finds invalid is verified again by its block, which gives the verdict
// and error as without this, and meanwhile CheckTx refuses it (bad), so
// its rechecks drop it from the mempool. The goroutine writes no state
// and runs outside block execution, like Preverify itself.

type aheadItem struct {
	h   [32]byte
	c   *ballot.Election
	b   *ballot.Ballot
	raw []byte
}

// queueAhead queues a preverified ballot and starts the goroutine if none
// runs. A full queue drops the ballot: its block verifies it.
func (m *Elections) queueAhead(it aheadItem) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.ahead) >= maxAhead {
		return
	}
	m.ahead = append(m.ahead, it)
	if !m.aheadRunning {
		m.aheadRunning = true
		go m.verifyAhead()
	}
}

// verifyAhead verifies queued ballots, ProofBatch at a time, until the
// queue is empty. One goroutine: the other core stays with admission and
// consensus.
func (m *Elections) verifyAhead() {
	for {
		m.mu.Lock()
		var batch []aheadItem
		for len(m.ahead) > 0 && len(batch) < ProofBatch {
			it := m.ahead[0]
			m.ahead = m.ahead[1:]
			if _, done := m.proofsOK[it.h]; !done {
				batch = append(batch, it) // else its block verified it already
			}
		}
		if len(m.ahead) == 0 {
			m.ahead = nil // let the backing array go
		}
		if len(batch) == 0 {
			m.aheadRunning = false
			m.mu.Unlock()
			return
		}
		m.mu.Unlock()
		m.verifyBatchAhead(batch)
	}
}

func (m *Elections) verifyBatchAhead(batch []aheadItem) {
	var order []*ballot.Election
	groups := map[*ballot.Election][]aheadItem{}
	for _, it := range batch {
		if _, ok := groups[it.c]; !ok {
			order = append(order, it.c)
		}
		groups[it.c] = append(groups[it.c], it)
	}
	for _, c := range order {
		g := groups[c]
		bs := make([]*ballot.Ballot, len(g))
		for i, it := range g {
			bs[i] = it.b
		}
		failed := map[int]error{}
		for _, f := range ballot.VerifyProofs(c, bs, crand.Reader) {
			failed[f.Index] = ballotError(f.Err)
		}
		m.mu.Lock()
		for i, it := range g {
			if err, bad := failed[i]; bad {
				m.rememberBad(it.raw, err)
				continue
			}
			m.rememberProofsOK(it.h)
		}
		m.mu.Unlock()
	}
}

// WaitAhead returns once no ballot waits for verification ahead of its
// block (for tests and benchmarks that want the same state every run).
func (m *Elections) WaitAhead() {
	for {
		m.mu.Lock()
		idle := !m.aheadRunning
		m.mu.Unlock()
		if idle {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// rememberProofsOK records that ballot h's proofs verified. Callers hold mu.
func (m *Elections) rememberProofsOK(h [32]byte) {
	if m.proofsOK == nil || len(m.proofsOK) >= maxChecked {
		m.proofsOK = map[[32]byte]struct{}{}
	}
	m.proofsOK[h] = struct{}{}
}

// rememberBad records that raw's proofs failed (by content, not by hash: the
// same ballot re-signed is new bytes with the same failed proofs), so that
// CheckTx refuses it. Callers hold mu.
func (m *Elections) rememberBad(raw []byte, err error) {
	if m.bad == nil || len(m.bad) >= maxDecoded {
		m.bad = map[[32]byte]error{}
	}
	m.bad[contentKey(raw)] = err
}
