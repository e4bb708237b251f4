package chain

import (
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/election"
)

// Tests for issue 11 (elections members can trust against a hostile node)
// that need the chain: each runs the attack and asserts it no longer works.

// TestIssuerCannotAnswerAfterIssuanceCloses: an issuer who holds back one
// member's answer until voting opens would make that member's ballot the
// first new one-time key after the answer, linking member and ballot. The
// answer is refused at and after IssueEnd.
func TestIssuerCannotAnswerAfterIssuanceCloses(t *testing.T) {
	p := newPoll(t, 1)
	h := p.h
	h.do(p.commissioner, election.TypeCreate, p.createBody())
	p.ceremony()
	e := p.election()
	v, err := election.NewVoter([32]byte{'l', 'a', 't', 'e'})
	if err != nil {
		t.Fatal(err)
	}
	body, err := v.Request(e, p.voters[0])
	if err != nil {
		t.Fatal(err)
	}
	h.do(p.voters[0], election.TypeRequest, body)
	seq, _ := election.RequestOf(h.snap(), p.id, idOf(p.voters[0]))
	// Issuer 0 answers in time; issuer 1 holds its answer back.
	ib, err := election.IssueBodyFor(h.snap(), e, p.issuerKeys[0], 0, []uint64{seq})
	if err != nil {
		t.Fatal(err)
	}
	h.do(p.issuers[0], election.TypeIssue, ib)
	ib, err = election.IssueBodyFor(h.snap(), e, p.issuerKeys[1], 1, []uint64{seq})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int64{e.IssueEnd, e.VoteStart + 1} {
		p.at(at)
		h.rejectDo(p.issuers[1], election.TypeIssue, ib, election.CodeWrongPhase)
	}
}

// TestReSignedBallotWithFailedProofStaysOutOfTheMempool: once a block
// refused a ballot's proofs, the same ballot with a fresh one-time
// signature (new bytes, new tx hash) is refused by CheckTx too, so a
// spammer cannot fill block after block with one invalid ballot.
func TestReSignedBallotWithFailedProofStaysOutOfTheMempool(t *testing.T) {
	p := newPoll(t, 1)
	h := p.h
	h.do(p.commissioner, election.TypeCreate, p.createBody())
	p.ceremony()
	v, creds := p.credentials(0)
	p.at(p.election().VoteStart)
	bad := p.seal(v, creds, 0).Bytes()
	bad[len(bad)-64-32] ^= 1 // a proof response, still canonical
	if r := h.block(anonTx(t, resign(t, v, bad)))[0]; codes.Code(r.Code) != election.CodeBallotProof {
		t.Fatalf("bad proof in a block: code %d %s", r.Code, r.Log)
	}
	again := anonTx(t, resign(t, v, bad))
	if ct := h.check(again); codes.Code(ct.Code) != election.CodeBallotProof {
		t.Fatalf("the re-signed ballot whose proof a block refused: CheckTx code %d (%s) %q, want %s", ct.Code, codes.Code(ct.Code), ct.Log, election.CodeBallotProof)
	}
}

// TestRevotesPerOneTimeKeyAreCapped: one credential buys at most
// DefaultMaxRevotes re-votes; the next ballot under the same one-time key
// is refused with a clear code, in CheckTx and in a block.
func TestRevotesPerOneTimeKeyAreCapped(t *testing.T) {
	p := newPoll(t, 1)
	h := p.h
	h.do(p.commissioner, election.TypeCreate, p.createBody())
	p.ceremony()
	v, creds := p.credentials(0)
	p.at(p.election().VoteStart)
	for i := 0; i <= 10; i++ { // the first ballot and ten re-votes
		p.castAll([]*ballot.Ballot{p.seal(v, creds, i%3)})
	}
	h.reject(election.BallotTx(testChainID, p.seal(v, creds, 0)), election.CodeRevoteLimit)
	if tl, _ := election.GetTally(h.snap(), p.id); tl.Cast != 11 || tl.Counted != 1 {
		t.Fatalf("cast %d counted %d, want 11 and 1", tl.Cast, tl.Counted)
	}
}

// TestRevoteCapIsAnElectionParameter: an election may set a lower cap;
// a cap outside 0..MaxMaxRevotes is refused at creation.
func TestRevoteCapIsAnElectionParameter(t *testing.T) {
	p := newPoll(t, 1)
	h := p.h
	body := p.createBody()
	body.MaxRevotes = election.MaxMaxRevotes + 1
	h.rejectDo(p.commissioner, election.TypeCreate, body, codes.InvalidArgument)
	body.MaxRevotes = 2
	h.do(p.commissioner, election.TypeCreate, body)
	p.ceremony()
	v, creds := p.credentials(0)
	p.at(p.election().VoteStart)
	for i := range 3 {
		p.castAll([]*ballot.Ballot{p.seal(v, creds, i)})
	}
	h.reject(election.BallotTx(testChainID, p.seal(v, creds, 0)), election.CodeRevoteLimit)
}

// TestElectionOutlivesStateRetention: with a retention of 5 versions, far
// fewer than the blocks of the election's issuance, a credential request
// still reads the registry as of the election's creation (no node halts),
// older unpinned versions are pruned, and the pin goes with the election.
func TestElectionOutlivesStateRetention(t *testing.T) {
	p := newPoll(t, 1)
	h := p.h
	if err := h.app.store.SetRetention(5, election.PinnedVersions); err != nil {
		t.Fatal(err)
	}
	body := p.createBody()
	body.IssueEnd, body.VoteStart, body.VoteEnd = body.IssueStart+5000, body.IssueStart+5000, body.IssueStart+6000
	h.do(p.commissioner, election.TypeCreate, body)
	p.ceremony()
	pinned := p.election().EligibleAt
	for range 2 * store.PruneEvery {
		h.block()
	}
	if _, err := h.app.store.Snapshot(pinned - 1); err == nil {
		t.Fatalf("version %d (unpinned, older than the retention) was not pruned", pinned-1)
	}
	p.credentials(0) // reads the registry at EligibleAt: panics if it was pruned
	h.do(p.commissioner, election.TypeCancel, election.CancelBody{Election: p.id, Reason: election.ReasonCommission})
	for range store.PruneEvery {
		h.block()
	}
	if _, err := h.app.store.Snapshot(pinned); err == nil {
		t.Fatalf("version %d stayed pinned after its election was cancelled", pinned)
	}
}
