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

// TestClockCacheFollowsState: the module's cached deadlines are read again
// after a block that carries anything but ballots, so a new or changed
// election is seen by the next block's Clock.
func TestClockCacheFollowsState(t *testing.T) {
	kv := store.OpenMemory()
	m := &Elections{}
	e := Election{ID: "x", Status: PhaseReady, IssueStart: 10_000, IssueEnd: 20_000, VoteStart: 30_000, VoteEnd: 40_000}
	raw, _ := json.Marshal(e)
	kv.Set(ElectionKey(e.ID), raw)
	if m.Clock(kv, time.Unix(50_000, 0)) {
		t.Fatal("clock wanted far from every deadline")
	}
	e.VoteEnd = 50_000 // a change made by some election tx
	raw, _ = json.Marshal(e)
	kv.Set(ElectionKey(e.ID), raw)
	m.BeginBlock(kv, 2, [][]byte{[]byte("not a ballot")})
	if !m.Clock(kv, time.Unix(50_000, 0)) {
		t.Fatal("the changed deadline was not seen after a block with a non-ballot tx")
	}
	if m.Clock(kv, time.Unix(60_000, 0)) != Clock(kv, time.Unix(60_000, 0)) {
		t.Fatal("cached and uncached clocks differ")
	}
}
