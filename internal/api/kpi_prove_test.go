package api

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/auth"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/kpi"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/proof"
)

// kpiNode is a headerNode that also reports the last block's time, by
// which the API judges a period's state.
type kpiNode struct {
	*headerNode
}

func (n kpiNode) Status() (node.Status, error) {
	return node.Status{ChainID: testChain, Height: n.c.height, BlockTime: n.c.now, Running: true}, nil
}

// TestKPIScorecardProof reads a member's scorecard through the API with
// ?prove=1, signed by the member, and checks it as `pnyx verify kpi` does:
// the proof against the validators' signed header, then the score
// recomputed from the proven records alone. A card claiming another score
// fails, and so does one whose proof leaves out the member's record of the
// period.
func TestKPIScorecardProof(t *testing.T) {
	c := newTestChain(t)
	sec, chair, att, alice := testKey("kpi-secretary"), testKey("kpi-chair"), testKey("kpi-attestor"), testKey("kpi-alice")
	c.do(c.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "Seoul", Parent: "hq"})
	c.do(c.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{
		{PublicKey: keyHex(sec), Chapter: "hq", Class: members.Responsible},
		{PublicKey: keyHex(chair), Chapter: "hq", Class: members.Responsible},
		{PublicKey: keyHex(att), Chapter: "hq", Class: members.Responsible},
		{PublicKey: keyHex(alice), Chapter: "seoul", Class: members.General},
	}})
	c.do(c.admin, org.TypeGrantRole, org.RoleBody{Member: memberID(sec), Role: org.Secretary, Chapter: "hq"})
	c.do(c.admin, org.TypeGrantRole, org.RoleBody{Member: memberID(att), Role: org.KPIAttestor, Chapter: "hq"})
	c.do(c.admin, assembly.TypeCreateBody, assembly.CreateBodyBody{ID: "council", Chapter: "hq", Kind: assembly.KindSupremeCouncil, Name: "council", Quorum: assembly.Quorum{BP: 5000, MoreThan: true}})
	c.do(c.admin, assembly.TypeGrantMandate, assembly.GrantMandateBody{Body: "council", Member: memberID(chair), Position: assembly.Chair})
	c.do(c.admin, assembly.TypeGrantMandate, assembly.GrantMandateBody{Body: "council", Member: memberID(sec), Position: assembly.Member})

	// A rule set from April 2026 (the chain starts in March), adopted by a
	// finalized council decision.
	rs := kpi.RuleSet{ID: "rs", Period: kpi.Month, EffectiveFrom: "2026-04", GraceDays: 5, AppealDays: 7, AppealsBody: "council",
		Scorecards: []kpi.Scorecard{{ID: "member", Subject: kpi.SubjectMember, SecondAttestorAboveBP: 10000, Rules: []kpi.Rule{
			{ID: "dues", Facts: []string{"dues_month"}, Aggregation: kpi.AggYesNo, Target: 1, Scoring: kpi.ScoreLinear, WeightBP: 6000},
			{ID: "hours", Facts: []string{"volunteer_hours"}, Aggregation: kpi.AggSum, Target: 20, Scoring: kpi.ScoreLinear, WeightBP: 4000},
		}}}}
	c.do(sec, kpi.TypePropose, kpi.ProposeBody{RuleSet: rs})
	c.do(sec, assembly.TypeSchedule, assembly.ScheduleBody{Body: "council", Title: "KPI", ScheduledAt: c.now.Unix(), Agenda: []assembly.AgendaItem{{No: 1, Title: "KPI"}}})
	c.do(sec, assembly.TypeOpen, assembly.MeetingBody{Meeting: "council.1"})
	c.do(chair, assembly.TypeCheckIn, assembly.MeetingBody{Meeting: "council.1"})
	c.do(sec, assembly.TypeCheckIn, assembly.MeetingBody{Meeting: "council.1"})
	c.do(sec, assembly.TypeMotion, assembly.MotionBody{Meeting: "council.1", AgendaItem: 1, Title: "KPI", Text: "kpi:rs"})
	c.do(sec, assembly.TypeDecide, assembly.DecideBody{Meeting: "council.1", Motion: 1, Decision: assembly.Adopted, For: 2})
	c.do(sec, assembly.TypeClose, assembly.MeetingBody{Meeting: "council.1"})
	hash, err := assembly.RecordHash(c.app.Store(), "council.1")
	if err != nil {
		t.Fatal(err)
	}
	cosig := func(k ed25519.PrivateKey) string {
		return hex.EncodeToString(ed25519.Sign(k, assembly.CosignMessage(testChain, "finalize", "council.1", hash)))
	}
	c.do(sec, assembly.TypeFinalize, assembly.FinalizeBody{Meeting: "council.1", RecordHash: hex.EncodeToString(hash), Chair: memberID(chair), ChairSig: cosig(chair), SecretarySig: cosig(sec)})
	c.do(sec, kpi.TypeAdopt, kpi.AdoptBody{Proposal: "rs", Meeting: "council.1", Motion: 1})

	// April: an attestor posts Alice's dues and 8 volunteer hours.
	c.now = time.Date(2026, 4, 10, 12, 0, 0, 0, kpi.KST)
	ev := strings.Repeat("ab", 32)
	c.do(att, kpi.TypeAttest, kpi.AttestBody{Batch: "b1", Facts: []kpi.FactInput{
		{Type: "dues_month", Subject: memberID(alice), Period: "2026-04", Value: 1, Evidence: ev},
		{Type: "volunteer_hours", Subject: memberID(alice), Period: "2026-04", Value: 8, Evidence: ev},
	}})

	n := kpiNode{newHeaderNode(t, c)}
	n.release(c.app.Store().Version() + 1)
	at := time.Unix(1_900_000_000, 0)
	srv := New(c.app, n, Options{Now: func() time.Time { return at }})
	path := "/v1/kpi/periods/2026-04/scorecards/member/members/" + memberID(alice)
	read := func(k ed25519.PrivateKey) (int, string) {
		req := httptest.NewRequest("GET", path+"?prove=1", nil)
		auth.Sign(req, testChain, k, at)
		at = at.Add(time.Second) // a signed read is accepted once
		return serve(srv, req)
	}
	code, body := read(alice)
	if code != http.StatusOK {
		t.Fatalf("the member's own read: HTTP %d %s", code, body)
	}
	var card KPICard
	if err := json.Unmarshal([]byte(body), &card); err != nil {
		t.Fatal(err)
	}
	// 6000 (dues) + 8/20 of 4000 (hours).
	if card.ScoreBP != 7600 || len(card.Rules) != 2 || len(card.Rules[0].Facts) != 1 || card.Rules[0].Facts[0].Attestor != memberID(att) {
		t.Fatalf("card: %d bp, rules %+v", card.ScoreBP, card.Rules)
	}
	if len(card.Proof) == 0 {
		t.Fatal("no proof with ?prove=1")
	}

	// What `pnyx verify kpi` does with the saved card.
	p, err := proof.Unmarshal(card.Proof)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(p, n.vals); err != nil {
		t.Fatalf("the proof does not verify: %v", err)
	}
	records := map[string][]byte{}
	for _, e := range p.Entries {
		records[string(e.Key)] = e.Value
	}
	record := string(kpi.TallyKey(kpi.SubjectMember, "2026-04", memberID(alice)))
	if records[record] == nil {
		t.Fatalf("the proof does not hold the member's record of the period (%d entries)", len(p.Entries))
	}
	if err := kpi.VerifyCard(records, card.Card); err != nil {
		t.Fatalf("an honest card: %v", err)
	}
	inflated := card.Card
	inflated.ScoreBP = 10000
	if err := kpi.VerifyCard(records, inflated); err == nil {
		t.Error("a card claiming 10000 bp verified")
	}
	delete(records, record)
	if err := kpi.VerifyCard(records, card.Card); err == nil || !strings.Contains(err.Error(), "does not cover") {
		t.Errorf("a proof without the member's record: %v", err)
	}

	// Someone without scope is refused, proof or not.
	if code, body := read(testKey("kpi-stranger")); code != http.StatusForbidden && code != http.StatusUnauthorized {
		t.Errorf("a stranger's read: HTTP %d %s", code, body)
	}
}
