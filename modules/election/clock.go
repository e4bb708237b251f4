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
// issuance and voting opening and closing, requests closing) is within
// [-ClockLead, +ClockAfter) of block time now. The deadlines are read from
// state (Deadlines) once, and again only after a block with a tx other than
// ballots (BeginBlock): a ballot-heavy block must not pay for a scan of
// every election.
func (m *Elections) Clock(kv store.Reader, now time.Time) bool {
	m.mu.Lock()
	ds := m.deadlines
	m.mu.Unlock()
	if ds == nil {
		ds = Deadlines(kv)
		m.mu.Lock()
		m.deadlines = ds
		m.mu.Unlock()
	}
	return deadlineNear(ds, now)
}

func (m *Elections) staleDeadlines() {
	m.mu.Lock()
	m.deadlines = nil
	m.mu.Unlock()
}

// Clock is Elections.Clock without the cache.
func Clock(kv store.Reader, now time.Time) bool { return deadlineNear(Deadlines(kv), now) }

func deadlineNear(ds []int64, now time.Time) bool {
	t := now.Unix()
	lead, after := int64(ClockLead/time.Second), int64(ClockAfter/time.Second)
	for _, d := range ds {
		if t >= d-lead && t < d+after {
			return true
		}
	}
	return false
}

// Deadlines lists every deadline of every election not yet published or
// cancelled, in key order (never nil). It reads only the schedule fields.
func Deadlines(kv store.Reader) []int64 {
	out := []int64{}
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
			if d > 0 {
				out = append(out, d)
			}
		}
		return true
	})
	return out
}
