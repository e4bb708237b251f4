package chain

import (
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
)

// TestBallotProofsAreVerifiedAheadOfTheirBlock: the proofs of ballots that
// came through Preverify (as every ballot through the API does) are
// verified while they wait for their block, so the block verifies no proof
// batch for them, and its results are what a node that never saw them
// computes.
func TestBallotProofsAreVerifiedAheadOfTheirBlock(t *testing.T) {
	p := newPoll(t, 3)
	h := p.h
	h.do(p.commissioner, election.TypeCreate, p.createBody())
	p.ceremony()
	var vs []*kit.Voter
	var creds [][][]byte
	for i := range 3 {
		v, c := p.credentials(i)
		vs, creds = append(vs, v), append(creds, c)
	}
	p.at(p.election().VoteStart)
	// The first ballot makes the election known to Preverify.
	p.castAll([]*ballot.Ballot{p.seal(vs[0], creds[0], 0)})
	var raws [][]byte
	for i := 1; i < 3; i++ {
		raw := kit.BallotTx(testChainID, p.seal(vs[i], creds[i], i))
		if err := h.app.Preverify(raw); err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	h.party.Elections.WaitAhead()
	before := h.party.Elections.Totals()
	for i, r := range h.block(raws...) {
		if r.Code != 0 {
			t.Fatalf("ballot %d: code %d %s", i, r.Code, r.Log)
		}
	}
	after := h.party.Elections.Totals()
	if got := after.ProofsAhead - before.ProofsAhead; got != 2 {
		t.Fatalf("%d ballots' proofs verified ahead of the block, want 2", got)
	}
	if got := after.ProofsBatches - before.ProofsBatches; got != 0 {
		t.Fatalf("the block verified %d proof batches, want 0", got)
	}
	if tl, _ := election.GetTally(h.snap(), p.id); tl.Cast != 3 {
		t.Fatalf("cast %d, want 3", tl.Cast)
	}
}

// TestBallotWithBadProofFoundAheadStaysOutOfBlocks: a ballot whose proof
// fails, seen by Preverify, is refused by CheckTx once its proofs were
// checked ahead of any block (so the mempool's recheck drops it); a block
// that carries it anyway (another proposer's) refuses it with the code a
// node that never saw it gives.
func TestBallotWithBadProofFoundAheadStaysOutOfBlocks(t *testing.T) {
	p := newPoll(t, 2)
	h := p.h
	h.do(p.commissioner, election.TypeCreate, p.createBody())
	p.ceremony()
	v0, c0 := p.credentials(0)
	v, creds := p.credentials(1)
	p.at(p.election().VoteStart)
	p.castAll([]*ballot.Ballot{p.seal(v0, c0, 0)})
	bad := p.seal(v, creds, 0).Bytes()
	bad[len(bad)-64-32] ^= 1 // a proof response, still canonical
	raw := anonTx(t, resign(t, v, bad))
	if err := h.app.Preverify(raw); err != nil {
		t.Fatalf("Preverify checks credentials and signature only: %v", err)
	}
	h.party.Elections.WaitAhead()
	if ct := h.check(raw); codes.Code(ct.Code) != election.CodeBallotProof {
		t.Fatalf("CheckTx of a ballot whose proof failed ahead: code %d (%s) %q, want %s", ct.Code, codes.Code(ct.Code), ct.Log, election.CodeBallotProof)
	}
	if r := h.block(raw)[0]; codes.Code(r.Code) != election.CodeBallotProof {
		t.Fatalf("bad proof in a block: code %d %s", r.Code, r.Log)
	}
}
