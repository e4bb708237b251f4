package election

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/store"
)

// TestClockIsWantedNearEveryDeadline: the chain is asked for steady blocks
// from ClockLead before each deadline of a live election until ClockAfter
// past it, and never for a published or cancelled one.
func TestClockIsWantedNearEveryDeadline(t *testing.T) {
	kv := store.OpenMemory()
	e := Election{ID: "x", Status: PhaseReady, IssueStart: 10_000, IssueEnd: 20_000, VoteStart: 30_000, VoteEnd: 40_000}
	put := func() {
		raw, _ := json.Marshal(e)
		kv.Set(ElectionKey(e.ID), raw)
	}
	put()
	at := func(s int64) bool { return Clock(kv, time.Unix(s, 0)) }
	lead, after := int64(ClockLead/time.Second), int64(ClockAfter/time.Second)
	for _, d := range []int64{10_000, 20_000, 30_000, 40_000} {
		if at(d-lead-1) || !at(d-lead) || !at(d) || !at(d+after-1) || at(d+after) {
			t.Fatalf("deadline %d: wanted %v %v %v %v %v", d, at(d-lead-1), at(d-lead), at(d), at(d+after-1), at(d+after))
		}
	}
	if at(25_000) {
		t.Fatal("clock wanted between deadlines")
	}
	e.Status = PhasePublished
	put()
	if at(40_000) {
		t.Fatal("clock wanted for a published election")
	}
}
