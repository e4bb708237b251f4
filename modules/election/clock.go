package election

import (
	"encoding/json"
	"time"

	store "github.com/pnyx-party/pnyx/internal/store/kv"
)

// Deadlines against the clock (issue 11, finding 4). Windows are judged by
// the time of the block that holds a transaction, and a block's time is
// when the block before it was committed. On an idle chain that is up to
// create_empty_blocks_interval (30 s by default) in the past, so ballots
// were refused after voting opened and accepted after it closed. Clock asks
// the chain to make a block every timeout_commit from ClockLead before each
// of an election's deadlines until ClockAfter past it; block time then
// stays within a block of real time across every deadline. Between
// deadlines the chain idles as before: a block's time may lag the clock
// there, but the lag never reaches back across a deadline, so the block
// and the real time fall in the same window.
const (
	// ClockLead must exceed the empty-block interval (plus its lag): the
	// first idle block whose time falls within ClockLead of a deadline
	// starts the steady blocks. 120 s covers create_empty_blocks_interval
	// up to 60 s.
	ClockLead = 120 * time.Second
	// ClockAfter keeps blocks coming a little past the deadline, so the
	// first transaction after it is judged by a block time past it too.
	ClockAfter = 5 * time.Second
)

// Clock reports whether a deadline of a live election (ceremony end,
// issuance and voting opening and closing, requests closing) is within [-ClockLead,
// +ClockAfter) of block time now. It reads only the schedule fields of
// each election entry, in key order.
func Clock(kv store.Reader, now time.Time) bool {
	t := now.Unix()
	lead, after := int64(ClockLead/time.Second), int64(ClockAfter/time.Second)
	near := false
	kv.Iterate([]byte("el/e/"), func(_, value []byte) bool {
		var e struct {
			Status      string `json:"status"`
			CeremonyEnd int64  `json:"ceremony_end"`
			IssueStart  int64  `json:"issue_start"`
			IssueEnd    int64  `json:"issue_end"`
			RequestEnd  int64  `json:"request_end"`
			VoteStart   int64  `json:"vote_start"`
			VoteEnd     int64  `json:"vote_end"`
		}
		if json.Unmarshal(value, &e) != nil || e.Status == PhasePublished || e.Status == PhaseCancelled {
			return true
		}
		for _, d := range []int64{e.CeremonyEnd, e.IssueStart, e.RequestEnd, e.IssueEnd, e.VoteStart, e.VoteEnd} {
			if d > 0 && t >= d-lead && t < d+after {
				near = true
				return false
			}
		}
		return true
	})
	return near
}
