package chain

import (
	"testing"

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
