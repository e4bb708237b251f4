package chain

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
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
	v, err := kit.NewVoter([32]byte{'l', 'a', 't', 'e'})
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
	ib, err := kit.IssueBodyFor(h.snap(), e, p.issuerKeys[0], 0, []uint64{seq})
	if err != nil {
		t.Fatal(err)
	}
	h.do(p.issuers[0], election.TypeIssue, ib)
	ib, err = kit.IssueBodyFor(h.snap(), e, p.issuerKeys[1], 1, []uint64{seq})
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
	h.reject(kit.BallotTx(testChainID, p.seal(v, creds, 0)), election.CodeRevoteLimit)
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
	h.reject(kit.BallotTx(testChainID, p.seal(v, creds, 0)), election.CodeRevoteLimit)
}

// TestCredentialsNeedNoOldState: a credential request judges eligibility
// by the registry as of the election's creation, and reads it from the
// member's record, not from that version of the state. Here the node keeps
// only 5 versions and pins none, so the version of the election's creation
// is pruned long before the request, and the request still succeeds: a
// node that prunes, or keeps only its latest state, executes every block
// like an archive node.
func TestCredentialsNeedNoOldState(t *testing.T) {
	p := newPoll(t, 1)
	h := p.h
	if err := h.app.store.SetRetention(5, func(store.Reader) []int64 { return nil }); err != nil {
		t.Fatal(err)
	}
	body := p.createBody()
	body.IssueEnd, body.VoteStart, body.VoteEnd = body.IssueStart+5000, body.IssueStart+5000, body.IssueStart+6000
	h.do(p.commissioner, election.TypeCreate, body)
	p.ceremony()
	for range 2 * store.PruneEvery {
		h.block()
	}
	if _, err := h.app.store.Snapshot(p.election().EligibleAt); err == nil {
		t.Fatalf("version %d, unpinned and older than the retention, was not pruned", p.election().EligibleAt)
	}
	p.credentials(0)
}

// TestElectionPinsItsRegistryVersion: with a retention of 5 versions, far
// fewer than the blocks of the election's issuance, the registry as of the
// election's creation stays while the election lives, so that the node can
// prove its requesters against it (record version 5); older unpinned
// versions are pruned, and the pin goes with the election.
func TestElectionPinsItsRegistryVersion(t *testing.T) {
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
	if _, err := h.app.store.Snapshot(pinned); err != nil {
		t.Fatalf("version %d, pinned by a live election, was pruned: %v", pinned, err)
	}
	h.do(p.commissioner, election.TypeCancel, election.CancelBody{Election: p.id, Reason: election.ReasonCommission})
	for range store.PruneEvery {
		h.block()
	}
	if _, err := h.app.store.Snapshot(pinned); err == nil {
		t.Fatalf("version %d stayed pinned after its election was cancelled", pinned)
	}
}

// ceremonyUntilChecks runs keys, dealings (trustee 1 sealing a bad share to
// trustee 2 when corrupt) and the checks of the trustees in checkers.
func ceremonyUntilChecks(t *testing.T, p *poll, corrupt bool, checkers ...int) {
	h := p.h
	for l := 1; l <= 3; l++ {
		tr, _, _ := p.trustee(l)
		h.do(p.trustees[l-1], election.TypeTrusteeKey, election.TrusteeKeyBody{Election: p.id, Key: hex.EncodeToString(tr.HPKEKey)})
	}
	e := p.election()
	for l := 1; l <= 3; l++ {
		_, d, _ := p.trustee(l)
		if l == 1 && corrupt {
			key, _ := hex.DecodeString(e.HPKEKeys[1])
			if err := ceremony.CorruptShare(rand.Reader, e.Params(), d, 2, key); err != nil {
				t.Fatal(err)
			}
		}
		h.do(p.trustees[l-1], election.TypeDeal, kit.DealBodyFor(p.id, d))
	}
	for _, l := range checkers {
		_, _, bad := p.trustee(l)
		h.do(p.trustees[l-1], election.TypeCheck, election.CheckBody{Election: p.id, Complaints: bad})
	}
}

// finishAcks has every trustee take its steps (acknowledgement) and the
// issuers post their keys.
func finishAcks(t *testing.T, p *poll) {
	h := p.h
	for l := 1; l <= 3; l++ {
		typ, body, waiting, err := kit.TrusteeStep(h.snap(), p.election(), p.seeds[l-1], l, h.now.Unix())
		if err != nil || typ != election.TypeAck {
			t.Fatalf("trustee %d: step %q (%s) %v, want an acknowledgement", l, typ, waiting, err)
		}
		h.do(p.trustees[l-1], typ, body)
	}
	for i, is := range p.issuerKeys {
		h.do(p.issuers[i], election.TypeIssuerKey, kit.IssuerKeyBodyFor(p.id, is))
	}
}

// TestCeremonyDeadlineDisqualifiesADealerWhoDoesNotAnswer: trustee 1 seals
// a bad share to trustee 2, trustee 2 complains, trustee 1 never answers.
// Without a deadline that stalls the ceremony forever; past its deadline
// the ceremony concludes with trustees 2 and 3 as dealers (k = 2), the late
// answer is refused, and the election becomes ready.
func TestCeremonyDeadlineDisqualifiesADealerWhoDoesNotAnswer(t *testing.T) {
	p := newPoll(t, 1)
	h := p.h
	body := p.createBody()
	body.CeremonyEnd = h.now.Unix() + 300
	h.do(p.commissioner, election.TypeCreate, body)
	ceremonyUntilChecks(t, p, true, 1, 2, 3)
	if e := p.election(); e.JointKey != "" || len(e.Complaints) != 1 {
		t.Fatalf("complaints %v, joint key %q", e.Complaints, e.JointKey)
	}
	conclude := election.ConcludeBody{Election: p.id}
	h.rejectDo(p.commissioner, election.TypeConclude, conclude, election.CodeWrongPhase) // before the deadline
	typ, answer, _, err := kit.TrusteeStep(h.snap(), p.election(), p.seeds[0], 1, h.now.Unix())
	if err != nil || typ != election.TypeAnswer {
		t.Fatalf("trustee 1's step %q %v", typ, err)
	}
	p.at(body.CeremonyEnd)
	h.rejectDo(p.general, election.TypeConclude, conclude, codes.Unauthorized)
	h.do(p.trustees[2], election.TypeConclude, conclude)
	e := p.election()
	if e.JointKey == "" || fmt.Sprint(e.Qualified) != "[2 3]" {
		t.Fatalf("after the deadline: qualified %v, joint key %q", e.Qualified, e.JointKey)
	}
	h.rejectDo(p.trustees[0], election.TypeAnswer, answer, election.CodeWrongPhase)
	finishAcks(t, p)
	if s := p.election().Status; s != election.PhaseReady {
		t.Fatalf("status %s, want ready", s)
	}
	// The election runs to its end with the disqualified dealer's trustee
	// still decrypting (its key share sums the qualified dealings), and
	// the record verifies: the verifier recomputes the same QUAL.
	v, creds := p.credentials(0)
	e = p.election()
	p.at(e.VoteStart)
	p.castAll([]*ballot.Ballot{p.seal(v, creds, 1)})
	p.at(e.VoteEnd)
	for _, l := range []int{1, 3} {
		typ, body, _, err := kit.TrusteeStep(h.snap(), p.election(), p.seeds[l-1], l, h.now.Unix())
		if err != nil || typ != election.TypeDecrypt {
			t.Fatalf("trustee %d: %q %v", l, typ, err)
		}
		h.do(p.trustees[l-1], typ, body)
	}
	if tl, _ := election.GetTally(h.snap(), p.id); fmt.Sprint(tl.Results) != "[[0 1 0]]" {
		t.Fatalf("results %v", tl.Results)
	}
	rec, err := election.Record(h.snap(), p.id, election.BallotsFromBlocks(h.blockTxs))
	if err != nil {
		t.Fatal(err)
	}
	if rep := record.VerifyBytes(rec.Encode(), record.Options{}); !rep.OK() {
		t.Fatalf("record of a ceremony concluded at its deadline fails %v", rep.Failed())
	}
}

// TestCeremonyDeadlineTreatsAMissingCheckAsNoComplaint: trustee 3 never
// posts its check; past the deadline the ceremony concludes with every
// dealer qualified, and trustee 3's late check is refused.
func TestCeremonyDeadlineTreatsAMissingCheckAsNoComplaint(t *testing.T) {
	p := newPoll(t, 1)
	h := p.h
	body := p.createBody()
	body.CeremonyEnd = h.now.Unix() + 300
	h.do(p.commissioner, election.TypeCreate, body)
	ceremonyUntilChecks(t, p, false, 1, 2)
	p.at(body.CeremonyEnd)
	h.do(p.commissioner, election.TypeConclude, election.ConcludeBody{Election: p.id})
	if e := p.election(); fmt.Sprint(e.Qualified) != "[1 2 3]" || e.JointKey == "" {
		t.Fatalf("qualified %v, joint key %q", e.Qualified, e.JointKey)
	}
	h.rejectDo(p.trustees[2], election.TypeCheck, election.CheckBody{Election: p.id, Complaints: []int{1}}, election.CodeWrongPhase)
	finishAcks(t, p)
	if s := p.election().Status; s != election.PhaseReady {
		t.Fatalf("status %s, want ready", s)
	}
}

// TestCeremonyDeadlineCancelsWithoutEveryDealing: a trustee that never
// deals makes the ceremony fail at the deadline (the record holds every
// trustee's dealing); acknowledgements missing past AcksDue do too.
func TestCeremonyDeadlineCancelsWithoutEveryDealing(t *testing.T) {
	p := newPoll(t, 1)
	h := p.h
	body := p.createBody()
	body.CeremonyEnd = h.now.Unix() + 300
	h.do(p.commissioner, election.TypeCreate, body)
	for l := 1; l <= 3; l++ {
		tr, _, _ := p.trustee(l)
		h.do(p.trustees[l-1], election.TypeTrusteeKey, election.TrusteeKeyBody{Election: p.id, Key: hex.EncodeToString(tr.HPKEKey)})
	}
	p.at(body.CeremonyEnd)
	h.do(p.commissioner, election.TypeConclude, election.ConcludeBody{Election: p.id})
	if e := p.election(); e.Status != election.PhaseCancelled || e.Reason != election.ReasonCeremonyFailed {
		t.Fatalf("status %s reason %d", e.Status, e.Reason)
	}

	q := newPoll(t, 1)
	body = q.createBody()
	body.CeremonyEnd = q.h.now.Unix() + 300
	q.h.do(q.commissioner, election.TypeCreate, body)
	ceremonyUntilChecks(t, q, false, 1, 2, 3)
	e := q.election()
	if e.AcksDue < body.CeremonyEnd {
		t.Fatalf("acks due %d before the ceremony's end %d", e.AcksDue, body.CeremonyEnd)
	}
	q.at(body.CeremonyEnd)
	q.h.rejectDo(q.commissioner, election.TypeConclude, election.ConcludeBody{Election: q.id}, election.CodeWrongPhase)
	q.at(e.AcksDue)
	q.h.do(q.commissioner, election.TypeConclude, election.ConcludeBody{Election: q.id})
	if e := q.election(); e.Status != election.PhaseCancelled {
		t.Fatalf("acks missing past %d: status %s", e.AcksDue, e.Status)
	}
}

// TestCeremonyWithoutDeadlineCannotBeConcluded: elections created without
// ceremony_end (every election before it) keep waiting for every trustee.
func TestCeremonyWithoutDeadlineCannotBeConcluded(t *testing.T) {
	p := newPoll(t, 1)
	p.h.do(p.commissioner, election.TypeCreate, p.createBody())
	p.at(p.h.now.Unix() + 100_000)
	p.h.rejectDo(p.commissioner, election.TypeConclude, election.ConcludeBody{Election: p.id}, election.CodeWrongPhase)
	body := p.createBody()
	body.ID, body.CeremonyEnd = "other", body.IssueEnd
	p.h.rejectDo(p.commissioner, election.TypeCreate, body, codes.InvalidArgument)
}
