package chain

import (
	"crypto/ed25519"
	"fmt"
	"testing"

	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// council sets up the supreme council: five mandate holders (chair Choi,
// members), a secretary with the org role, and an outsider. The council's
// story is modules/assembly/testdata/supreme-council.txt.
type council struct {
	h                *harness
	chair, secretary ed25519.PrivateKey
	members          []ed25519.PrivateKey
	outsider         ed25519.PrivateKey
}

func newCouncil(t *testing.T) *council {
	h := newHarness(t)
	c := &council{h: h, chair: key("chair-choi"), secretary: key("secretary-han"), outsider: key("outsider")}
	approve := func(k ed25519.PrivateKey) {
		h.do(h.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(k), Chapter: "hq", Class: members.Responsible}}})
	}
	h.do(h.admin, assembly.TypeCreateBody, assembly.CreateBodyBody{ID: "supreme-council", Chapter: "hq", Kind: assembly.KindSupremeCouncil, Name: "최고위원회", Quorum: assembly.Quorum{BP: 5000, MoreThan: true}})
	for _, k := range []ed25519.PrivateKey{c.chair, c.secretary, c.outsider} {
		approve(k)
	}
	h.do(h.admin, org.TypeGrantRole, org.RoleBody{Member: idOf(c.secretary), Role: org.Secretary, Chapter: "hq"})
	h.do(h.admin, assembly.TypeGrantMandate, assembly.GrantMandateBody{Body: "supreme-council", Member: idOf(c.chair), Position: assembly.Chair})
	for i := 0; i < 4; i++ {
		k := key(fmt.Sprintf("councillor-%d", i))
		approve(k)
		h.do(h.admin, assembly.TypeGrantMandate, assembly.GrantMandateBody{Body: "supreme-council", Member: idOf(k), Position: assembly.Member})
		c.members = append(c.members, k)
	}
	return c
}

func (c *council) schedule() string {
	c.h.do(c.secretary, assembly.TypeSchedule, assembly.ScheduleBody{Body: "supreme-council", Title: "제12차 최고위원회의", ScheduledAt: c.h.now.Unix() + 3600,
		Agenda: []assembly.AgendaItem{{No: 1, Title: "청년 정책 결의"}, {No: 2, Title: "당사 이전"}}})
	b, _ := assembly.GetBody(c.h.snap(), "supreme-council")
	return fmt.Sprintf("supreme-council.%d", b.Meetings)
}

// TestInquorateClose: a meeting can close without a quorum, and says so.
func TestInquorateClose(t *testing.T) {
	c := newCouncil(t)
	mtg := c.schedule()
	c.h.do(c.secretary, assembly.TypeOpen, assembly.MeetingBody{Meeting: mtg})
	c.h.do(c.chair, assembly.TypeCheckIn, assembly.MeetingBody{Meeting: mtg})
	c.h.do(c.secretary, assembly.TypeMotion, assembly.MotionBody{Meeting: mtg, AgendaItem: 1, Title: "x", Text: "y"})
	c.h.do(c.secretary, assembly.TypeDecide, assembly.DecideBody{Meeting: mtg, Motion: 1, Decision: assembly.Deferred})
	c.h.do(c.secretary, assembly.TypeClose, assembly.MeetingBody{Meeting: mtg})
	m, _ := assembly.GetMeeting(c.h.snap(), mtg)
	if m.QuorumAtClose == nil || m.QuorumAtClose.Met || m.QuorumAtClose.Present != 1 || m.QuorumAtClose.Base != 5 {
		t.Fatalf("quorum at close = %+v", m.QuorumAtClose)
	}
}
