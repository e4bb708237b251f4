package kpi_test

import (
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/scenario/inproc"
	"github.com/pnyx-party/pnyx/internal/scenario/scenariotest"
	"github.com/pnyx-party/pnyx/modules/kpi"
)

// TestCertificate: a scorecard's score recomputed from exactly the records
// ScoreInputs names (what the API proves) equals the served one; a card
// that claims another score, a proof missing a record, or a record that
// differs from the chain's is refused.
func TestCertificate(t *testing.T) {
	n, err := inproc.Start(inproc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	r := scenariotest.RunFile(t, "testdata/story.txt", n.Target())
	snap, err := n.App().Store().Snapshot(n.App().Store().Version())
	if err != nil {
		t.Fatal(err)
	}
	park := r.ID("park")
	for _, tc := range []struct{ scorecard, subject string }{{"member", park}, {"chapter", "gangnam" + inproc.Suffix}} {
		card, err := kpi.MakeCard(snap, "2030-01", tc.scorecard, tc.subject, 0)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := kpi.ScoreInputs(snap, "2030-01", tc.scorecard, tc.subject)
		if err != nil {
			t.Fatal(err)
		}
		records := map[string][]byte{}
		for _, k := range keys {
			records[string(k)] = snap.Get(k)
		}
		if err := kpi.VerifyCard(records, card); err != nil {
			t.Fatalf("%s: an honest card: %v", tc.subject, err)
		}
		if card.ScoreBP == 0 {
			t.Fatalf("%s scores 0: the test proves nothing", tc.subject)
		}

		inflated := card
		inflated.ScoreBP++
		if err := kpi.VerifyCard(records, inflated); err == nil || !strings.Contains(err.Error(), "proven records give") {
			t.Errorf("%s: an inflated score: %v", tc.subject, err)
		}

		tallyKey := string(kpi.TallyKey(card.Kind, "2030-01", tc.subject))
		partial := map[string][]byte{}
		for k, v := range records {
			if k != tallyKey {
				partial[k] = v
			}
		}
		if len(partial) == len(records) {
			t.Fatalf("%s: the tally is not among the score's inputs", tc.subject)
		}
		if err := kpi.VerifyCard(partial, card); err == nil || !strings.Contains(err.Error(), "does not cover") {
			t.Errorf("%s: a proof without the tally: %v", tc.subject, err)
		}

		tally, err := kpi.DecodeTally(records[tallyKey])
		if err != nil {
			t.Fatal(err)
		}
		for rule := range tally.C {
			tally.C[rule] += 50
		}
		forged := kpi.EncodeTally(tally)
		tampered := map[string][]byte{}
		for k, v := range records {
			tampered[k] = v
		}
		tampered[tallyKey] = forged
		if err := kpi.VerifyCard(tampered, card); err == nil {
			t.Errorf("%s: a forged tally verified", tc.subject)
		}
	}
}
