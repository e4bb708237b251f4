package chain

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// recount counts active members per chapter and class by reading every
// member, the slow way the counters exist to avoid.
func recount(kv store.Reader) map[string]uint64 {
	out := map[string]uint64{}
	kv.Iterate([]byte("mem/m/"), func(_, v []byte) bool {
		var m members.Member
		if err := json.Unmarshal(v, &m); err != nil {
			panic(err)
		}
		if m.Status == members.Active {
			out[m.Chapter+"/"+string(m.Class)]++
		}
		return true
	})
	return out
}

// checkCounts holds members.ActiveCount to a recount for every chapter.
func checkCounts(t *testing.T, h *harness, chapters ...string) {
	t.Helper()
	snap := h.snap()
	want := recount(snap)
	for _, ch := range chapters {
		for _, c := range members.Classes {
			if got := members.ActiveCount(snap, ch, c); got != want[ch+"/"+string(c)] {
				t.Fatalf("active %s members at %s: counter %d, recount %d", c, ch, got, want[ch+"/"+string(c)])
			}
		}
	}
}

// TestEligibilityIsTheRegistryBeforeCreation: an election's electorate is
// the member registry as committed before its creation block, however the
// registry changes afterwards; the chain sizes it from per-chapter counters
// without reading a single member, and every change of chapter, class or
// status keeps those counters equal to a recount.
func TestEligibilityIsTheRegistryBeforeCreation(t *testing.T) {
	p := newPoll(t, 4) // commissioner, 3 trustees, 2 issuers, 4 voters: responsible at hq
	h := p.h
	h.do(h.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "Seoul", Parent: "hq"})
	approve := func(name string, chapter string, class members.Class) int {
		k := key(name)
		h.do(h.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(k), Chapter: chapter, Class: class}}})
		p.voters = append(p.voters, k)
		return len(p.voters) - 1
	}
	seoul := approve("seoul-member", "seoul", members.Responsible)
	suspended := approve("suspended-member", "hq", members.Responsible)
	h.do(h.admin, members.TypeSuspend, members.StatusBody{Member: idOf(p.voters[suspended]), Reason: members.ReasonDuesUnpaid})
	checkCounts(t, h, "hq", "seoul")

	// A member approved in the creation block, before the creation tx, is
	// not in the registry the election reads.
	late := len(p.voters)
	p.voters = append(p.voters, key("late-member"))
	approveLate := h.sign(h.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(p.voters[late]), Chapter: "hq", Class: members.Responsible}}})
	create := h.sign(p.commissioner, election.TypeCreate, p.createBody())
	for i, res := range h.block(approveLate, create) {
		if res.Code != 0 {
			t.Fatalf("tx %d of the creation block: code %d %s", i, res.Code, res.Log)
		}
	}
	h.nonces[pubHex(h.admin)]++
	h.nonces[pubHex(p.commissioner)]++
	e := p.election()
	// 6 officials and 4 voters at hq, 1 at seoul; not the suspended one, not
	// the general member, not the late one.
	if e.Eligible != 11 || e.EligibleAt != e.CreatedAtH-1 {
		t.Fatalf("eligible %d at block %d (created at %d), want 11 at the block before", e.Eligible, e.EligibleAt, e.CreatedAtH)
	}

	// After creation the registry moves on; the electorate does not.
	h.do(h.admin, members.TypeSetClass, members.SetClassBody{Member: idOf(p.voters[1]), Class: members.General})
	h.do(h.admin, members.TypeSuspend, members.StatusBody{Member: idOf(p.voters[0]), Reason: members.ReasonConductBreach})
	h.do(h.admin, members.TypeReinstate, members.StatusBody{Member: idOf(p.voters[suspended])})
	h.do(h.admin, members.TypeTransfer, members.TransferBody{Member: idOf(p.voters[2]), Chapter: "seoul"})
	checkCounts(t, h, "hq", "seoul")

	p.ceremony()
	request := func(i int) []byte {
		v, err := kit.NewVoter([32]byte{'e', byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		body, err := v.Request(p.election(), p.voters[i])
		if err != nil {
			t.Fatal(err)
		}
		return h.sign(p.voters[i], election.TypeRequest, body)
	}
	for who, i := range map[string]int{
		"the member approved in the creation block":     late,
		"the member suspended at creation (since back)": suspended,
		"a voter suspended after creation":              0,
	} {
		t.Run(strings.ReplaceAll(who, " ", "_"), func(t *testing.T) {
			msg := h.reject(request(i), election.CodeNotEligible)
			if !strings.Contains(msg, idOf(p.voters[i])) {
				t.Fatalf("refusal does not name the member: %s", msg)
			}
		})
	}
	// Still eligible: a member of a sub-chapter, one whose class changed
	// after creation, one who moved chapter after creation.
	for _, i := range []int{seoul, 1, 2} {
		p.credentials(i)
	}
	if tl, _ := election.GetTally(h.snap(), p.id); tl.Requests != 3 {
		t.Fatalf("%d requests logged, want 3", tl.Requests)
	}

	// Every remaining transition keeps the counters right.
	h.do(p.voters[3], members.TypeWithdraw, members.WithdrawBody{})
	h.do(h.admin, members.TypeExpel, members.StatusBody{Member: idOf(p.voters[seoul]), Reason: members.ReasonFalseEnrollment})
	h.do(h.admin, members.TypeRecover, members.RecoverKeyBody{Member: idOf(p.voters[2]), NewKey: pubHex(key("voter-2-new"))})
	checkCounts(t, h, "hq", "seoul")
}

// TestElectionWithNobodyEligibleIsRefused: a chapter with no active member
// (of the class) gives no election.
func TestElectionWithNobodyEligibleIsRefused(t *testing.T) {
	p := newPoll(t, 2)
	p.h.do(p.h.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "empty", Name: "Empty", Parent: "hq"})
	b := p.createBody()
	b.Chapter = "empty"
	if msg := p.h.rejectDo(p.commissioner, election.TypeCreate, b, election.CodeNotEligible); !strings.Contains(msg, "empty") {
		t.Fatalf("refusal does not name the chapter: %s", msg)
	}
}

// BenchmarkCreateElection: creating an election reads one counter per
// chapter and class of its subtree, so its cost does not grow with the
// electorate:
//
//	go test ./chain -run '^$' -bench CreateElection
func BenchmarkCreateElection(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("eligible=%d", n), func(b *testing.B) {
			p := newPoll(b, 1)
			h := p.h
			// The supply invariant reads every member's token after each
			// block; it would be the thing measured.
			h.app.opts.CheckInvariants = false
			for from := 0; from < n; from += members.MaxBatch {
				var body members.ApproveBody
				for k := from; k < min(from+members.MaxBatch, n); k++ {
					body.Entries = append(body.Entries, members.ApproveEntry{PublicKey: pubHex(key(fmt.Sprintf("bench-member-%d", k))), Chapter: "hq", Class: members.Responsible})
				}
				h.do(h.admin, members.TypeApprove, body)
			}
			b.ResetTimer()
			for i := range b.N {
				body := p.createBody()
				body.ID = fmt.Sprintf("bench-%d", i)
				h.do(p.commissioner, election.TypeCreate, body)
			}
			b.StopTimer()
			// The officials and the one voter of newPoll are responsible
			// members too.
			if e, _ := election.Get(h.snap(), "bench-0"); e.Eligible != uint64(n)+7 {
				b.Fatalf("eligible %d, want %d", e.Eligible, n+7)
			}
		})
	}
}
