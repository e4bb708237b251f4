package chain

import (
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
)

// TestRequestsCloseBeforeAnswers: with request_end, credential requests
// close before issuance does, and the issuers still answer the last
// request made in time, until issue_end. Requests and answers used to
// close at the same moment, so a request made just before issue_end could
// go unanswered (issue 11's known limit).
func TestRequestsCloseBeforeAnswers(t *testing.T) {
	p := newPoll(t, 2)
	h := p.h
	body := p.createBody()
	for _, bad := range []int64{body.IssueStart, body.IssueEnd + 1} {
		b := body
		b.RequestEnd = bad
		h.rejectDo(p.commissioner, election.TypeCreate, b, codes.InvalidArgument)
	}
	body.RequestEnd = body.IssueEnd - 300
	h.do(p.commissioner, election.TypeCreate, body)
	p.ceremony()
	e := p.election()
	v0, err := kit.NewVoter([32]byte{'r', 0})
	if err != nil {
		t.Fatal(err)
	}
	rb0, err := v0.Request(e, p.voters[0])
	if err != nil {
		t.Fatal(err)
	}
	p.at(e.RequestEnd - 30)
	h.do(p.voters[0], election.TypeRequest, rb0)
	v1, err := kit.NewVoter([32]byte{'r', 1})
	if err != nil {
		t.Fatal(err)
	}
	rb1, err := v1.Request(e, p.voters[1])
	if err != nil {
		t.Fatal(err)
	}
	p.at(e.RequestEnd)
	h.rejectDo(p.voters[1], election.TypeRequest, rb1, election.CodeWrongPhase)
	// The request made shortly before the close is answered after it.
	seq, _ := election.RequestOf(h.snap(), p.id, idOf(p.voters[0]))
	p.at(e.IssueEnd - 30)
	for j, is := range p.issuerKeys {
		ib, err := kit.IssueBodyFor(h.snap(), e, is, j, []uint64{seq})
		if err != nil {
			t.Fatal(err)
		}
		h.do(p.issuers[j], election.TypeIssue, ib)
	}
	if _, err := v0.Credentials(h.snap(), e, p.voters[0], seq); err != nil {
		t.Fatal(err)
	}
}
