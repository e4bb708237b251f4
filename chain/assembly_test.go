package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// council sets up the supreme council: five mandate holders (chair Choi,
// members), a secretary with the org role, and an outsider.
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

func (c *council) cosign(kind, mtg string, hash []byte) (chairSig, secSig string) {
	msg := assembly.CosignMessage(testChainID, kind, mtg, hash)
	return hex.EncodeToString(ed25519.Sign(c.chair, msg)), hex.EncodeToString(ed25519.Sign(c.secretary, msg))
}

func minutesOf(s string) assembly.MinutesBody {
	sum := sha256.Sum256([]byte(s))
	return assembly.MinutesBody{Hash: hex.EncodeToString(sum[:]), Size: len(s), Content: s}
}

// TestStorySupremeCouncilMeeting: a council meets, reaches quorum, adopts
// one motion and rejects another, records minutes, is finalized by the
// chair and the secretary, and later corrected by an erratum.
func TestStorySupremeCouncilMeeting(t *testing.T) {
	c := newCouncil(t)
	h := c.h
	mtg := c.schedule()
	h.do(c.secretary, assembly.TypeOpen, assembly.MeetingBody{Meeting: mtg})

	// The chair and two councillors check in: 3 of 5 mandates, more than half.
	h.do(c.chair, assembly.TypeCheckIn, assembly.MeetingBody{Meeting: mtg})
	h.do(c.members[0], assembly.TypeCheckIn, assembly.MeetingBody{Meeting: mtg})
	// Before the third arrives the council is inquorate: no vote can be taken.
	h.do(c.secretary, assembly.TypeMotion, assembly.MotionBody{Meeting: mtg, AgendaItem: 1, Title: "청년 공천 30% 할당", Text: "본 최고위원회는 차기 총선 공천의 30%를 청년에게 할당한다."})
	h.rejectDo(c.secretary, assembly.TypeDecide, assembly.DecideBody{Meeting: mtg, Motion: 1, Decision: assembly.Adopted, For: 2}, assembly.CodeInquorate)
	// The secretary records a councillor who signed the paper register.
	h.do(c.secretary, assembly.TypeRecordAttendance, assembly.RecordAttendanceBody{Meeting: mtg, Members: []string{idOf(c.members[1])}})
	if p := assembly.Present(h.snap(), mtg); p != 3 {
		t.Fatalf("present = %d", p)
	}

	h.do(c.secretary, assembly.TypeDecide, assembly.DecideBody{Meeting: mtg, Motion: 1, Decision: assembly.Adopted, For: 2, Against: 1, Conclusions: "가결: 청년 할당제를 공천 규정에 반영한다."})
	h.do(c.secretary, assembly.TypeMotion, assembly.MotionBody{Meeting: mtg, AgendaItem: 2, Title: "당사 이전", Text: "중앙당사를 여의도에서 이전한다."})
	h.do(c.secretary, assembly.TypeDecide, assembly.DecideBody{Meeting: mtg, Motion: 2, Decision: assembly.Rejected, For: 1, Against: 2})
	m1, _ := assembly.GetMotion(h.snap(), mtg, 1)
	if m1.Decision != assembly.Adopted || m1.Quorum == nil || !m1.Quorum.Met || m1.Quorum.Present != 3 || m1.Quorum.Base != 5 {
		t.Fatalf("motion 1 = %+v", m1)
	}
	// A decision that contradicts its counts is refused.
	h.rejectDo(c.secretary, assembly.TypeDecide, assembly.DecideBody{Meeting: mtg, Motion: 2, Decision: assembly.Adopted, For: 1, Against: 2}, codes.WrongState)

	h.do(c.secretary, assembly.TypeClose, assembly.MeetingBody{Meeting: mtg})
	// Minutes whose content does not match the hash are refused.
	bad := minutesOf("회의록 v1")
	bad.Meeting, bad.Content = mtg, "회의록 v1 (altered)"
	h.rejectDo(c.secretary, assembly.TypeMinutes, bad, assembly.CodeMinutesMismatch)
	mins := minutesOf("제12차 최고위원회의 회의록\n1. 청년 할당제 가결 (2:1)\n2. 당사 이전 부결 (1:2)\n")
	mins.Meeting = mtg
	h.do(c.secretary, assembly.TypeMinutes, mins)

	// Finalization needs both signatures over the current record.
	hash, _ := assembly.RecordHash(h.snap(), mtg)
	chairSig, secSig := c.cosign("finalize", mtg, hash)
	fin := assembly.FinalizeBody{Meeting: mtg, RecordHash: hex.EncodeToString(hash), Chair: idOf(c.chair), ChairSig: chairSig, SecretarySig: secSig}
	missing := fin
	missing.ChairSig = ""
	h.rejectDo(c.secretary, assembly.TypeFinalize, missing, assembly.CodeCosignature)
	forged := fin
	forged.SecretarySig = chairSig
	h.rejectDo(c.secretary, assembly.TypeFinalize, forged, assembly.CodeCosignature)
	h.do(c.secretary, assembly.TypeFinalize, fin)
	m, _ := assembly.GetMeeting(h.snap(), mtg)
	if m.State != assembly.Finalized || m.QuorumAtClose == nil || !m.QuorumAtClose.Met {
		t.Fatalf("meeting = %+v", m)
	}

	// Afterwards the record is immutable ...
	h.rejectDo(c.secretary, assembly.TypeMinutes, mins, assembly.CodeFinalized)
	h.rejectDo(c.secretary, assembly.TypeDecide, assembly.DecideBody{Meeting: mtg, Motion: 2, Decision: assembly.Withdrawn}, assembly.CodeFinalized)
	h.rejectDo(c.members[2], assembly.TypeCheckIn, assembly.MeetingBody{Meeting: mtg}, assembly.CodeNotOpen)

	// ... and corrected only by a co-signed erratum that references it.
	e := assembly.Erratum{Meeting: mtg, No: assembly.NextErratum(h.snap(), mtg), Target: "motion:1", Correction: "표결 결과는 찬성 2, 반대 1, 기권 0이다 (기권 누락 정정).", Reason: "속기록 대조 결과 기권 기재 누락"}
	cs, ss := c.cosign("erratum", mtg, assembly.ErratumHash(e))
	h.do(c.secretary, assembly.TypeErratum, assembly.ErratumBody{Meeting: mtg, Target: e.Target, Correction: e.Correction, Reason: e.Reason, Chair: idOf(c.chair), ChairSig: cs, SecretarySig: ss})
	got, ok := assembly.GetErratum(h.snap(), mtg, 1)
	if !ok || got.Target != "motion:1" {
		t.Fatalf("erratum = %+v", got)
	}
	// The original record still verifies against its finalization.
	m, _ = assembly.GetMeeting(h.snap(), mtg)
	hashNow, _ := assembly.RecordHash(h.snap(), mtg)
	if err := assembly.VerifyCosignature(testChainID, "finalize", mtg, hashNow, *m.Finalization); err != nil || m.Errata != 1 {
		t.Fatalf("finalization after erratum: %v (errata %d)", err, m.Errata)
	}
	// An erratum signed for other words does not pass.
	cs2, ss2 := c.cosign("erratum", mtg, assembly.ErratumHash(e))
	h.rejectDo(c.secretary, assembly.TypeErratum, assembly.ErratumBody{Meeting: mtg, Target: "motion:1", Correction: "다른 내용", Reason: e.Reason, Chair: idOf(c.chair), ChairSig: cs2, SecretarySig: ss2}, assembly.CodeCosignature)
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
