package chain

import (
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
)

// TestElectionFromRecordVersion4RefusesOnChainSpoil: issue 11, finding 6.
// election/spoil publishes a challenged ballot with its reveal under the
// voter's own one-time key and credentials; voters challenge their real
// choice, so the post shows how that key was likely to vote. The reference
// clients check a challenge on the voter's device instead (pnyx verify
// opening, the booth's download). An election created with record_version
// 4 (the CLI's default) refuses the post with a stable code and no state
// change, so the challenged ballot can still be cast. Elections of
// versions 2 and 3 keep accepting it: recorded chains hold such spoils
// (TestReplayRecordedBlocks), and TestStoryElection and the version-3 case
// of TestElectionExportsRecordVersion3WithItsTimeline still spoil.
func TestElectionFromRecordVersion4RefusesOnChainSpoil(t *testing.T) {
	p := newPoll(t, 1)
	h := p.h
	body := p.createBody()
	body.RecordVersion = 4
	h.do(p.commissioner, election.TypeCreate, body)
	p.ceremony()
	v, creds := p.credentials(0)
	p.at(p.election().VoteStart)

	sb, rv, err := v.Encrypt(p.context(), creds, choice(1))
	if err != nil {
		t.Fatal(err)
	}
	msg := h.reject(kit.SpoilTx(testChainID, sb, rv), election.CodeSpoilRefused)
	if !strings.Contains(msg, "pnyx verify opening") {
		t.Fatalf("the refusal does not say what to do instead: %q", msg)
	}
	// Nothing of the challenge stayed: the same ballot is cast and counted.
	if r := h.block(kit.BallotTx(testChainID, sb))[0]; r.Code != 0 {
		t.Fatalf("the refused challenge's ballot cannot be cast: %s", r.Log)
	}
	if tl, _ := election.GetTally(h.snap(), p.id); tl.Spoiled != 0 || tl.Cast != 1 {
		t.Fatalf("tally after a refused spoil and a cast: spoiled %d, cast %d", tl.Spoiled, tl.Cast)
	}
}
