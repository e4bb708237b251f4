package chain

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
)

// TestElectionExportsRecordVersion3WithItsTimeline: an election created
// with record_version 3 keeps the height and time of every request,
// answer and ballot, and its record carries them, so the verifier checks
// the schedule against what happened (election.timeline) and counts each
// issuer's answers (issuers.answered): here issuer 1 never answers one
// member, who therefore cannot vote. Version 4 carries the issuers' blind
// signatures too, and the verifier checks each (issuers.blind_signatures).
func TestElectionExportsRecordVersion3WithItsTimeline(t *testing.T) {
	for _, version := range []int{3, 4} {
		t.Run(fmt.Sprintf("version %d", version), func(t *testing.T) { exportsTimeline(t, version) })
	}
}

func exportsTimeline(t *testing.T, version int) {
	p := newPoll(t, 3)
	h := p.h
	bad := p.createBody()
	bad.RecordVersion = 5
	h.rejectDo(p.commissioner, election.TypeCreate, bad, codes.InvalidArgument)
	body := p.createBody()
	body.RecordVersion = version
	h.do(p.commissioner, election.TypeCreate, body)
	p.ceremony()
	v0, c0 := p.credentials(0)
	v1, c1 := p.credentials(1)
	// Member 2 asks; only issuer 0 answers.
	v2, err := kit.NewVoter([32]byte{'v', '3'})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := v2.Request(p.election(), p.voters[2])
	if err != nil {
		t.Fatal(err)
	}
	h.do(p.voters[2], election.TypeRequest, rb)
	seq, _ := election.RequestOf(h.snap(), p.id, idOf(p.voters[2]))
	ib, err := kit.IssueBodyFor(h.snap(), p.election(), p.issuerKeys[0], 0, []uint64{seq})
	if err != nil {
		t.Fatal(err)
	}
	h.do(p.issuers[0], election.TypeIssue, ib)

	e := p.election()
	p.at(e.VoteStart)
	p.castAll([]*ballot.Ballot{p.seal(v0, c0, 0), p.seal(v1, c1, 1)})
	p.castAll([]*ballot.Ballot{p.seal(v0, c0, 2)}) // a re-vote
	sb, rv, err := v1.Encrypt(p.context(), c1, choice(0))
	if err != nil {
		t.Fatal(err)
	}
	// Version 4 refuses an on-chain challenge (finding 6): its record has no
	// spoiled ballot; version 3 still takes one and records its height.
	wantSpoiled := 1
	if version >= 4 {
		h.reject(kit.SpoilTx(testChainID, sb, rv), election.CodeSpoilRefused)
		wantSpoiled = 0
	} else if r := h.block(kit.SpoilTx(testChainID, sb, rv))[0]; r.Code != 0 {
		t.Fatalf("spoil: %s", r.Log)
	}
	p.at(e.VoteEnd)
	for l := 2; l <= 3; l++ {
		tr, _, _ := p.trustee(l)
		db, err := kit.DecryptBodyFor(h.snap(), p.election(), tr)
		if err != nil {
			t.Fatal(err)
		}
		h.do(p.trustees[l-1], election.TypeDecrypt, db)
	}

	rec, err := election.Record(h.snap(), p.id, election.BallotsFromBlocks(h.blockTxs))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version != version || rec.Timeline == nil || len(rec.Timeline.Cast) != 3 || len(rec.Timeline.Spoiled) != wantSpoiled {
		t.Fatalf("version %d timeline %+v", rec.Version, rec.Timeline)
	}
	rep := record.Verify(rec, record.Options{})
	if !rep.OK() {
		t.Fatalf("failed %v", rep.Failed())
	}
	details := map[string]string{}
	for _, c := range rep.Checks {
		details[c.Name] = c.Detail
	}
	if !strings.Contains(details[record.CheckAnswered], "answered per issuer [3 2]; 2 one-time keys voted") {
		t.Fatalf("issuers.answered: %s", details[record.CheckAnswered])
	}
	if version == 4 && !strings.Contains(details[record.CheckBlind], "5 blind signatures, each answering") {
		t.Fatalf("issuers.blind_signatures: %s", details[record.CheckBlind])
	}
	if !strings.Contains(details[record.CheckTimeline], "every ballot in the voting window") {
		t.Fatalf("election.timeline: %s", details[record.CheckTimeline])
	}
	// The heights are the blocks' own: a ballot's is its box entry's.
	first, _ := election.GetBallot(h.snap(), p.id, 0)
	if rec.Timeline.Cast[0] != uint64(first.Height) {
		t.Fatalf("ballot 0 at %d, entry says %d", rec.Timeline.Cast[0], first.Height)
	}
}
