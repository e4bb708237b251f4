package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/inproc"
)

// TestVerifyKPIChecksAScorecardOffline: `pnyx verify kpi` accepts Park's
// scorecard as served with ?prove=1 by the in-process chain after the KPI
// story, names the validator set that signed it (the in-process one), and
// refuses a copy whose score is raised by one basis point.
func TestVerifyKPIChecksAScorecardOffline(t *testing.T) {
	raw, err := os.ReadFile("../../modules/kpi/testdata/story.txt")
	if err != nil {
		t.Fatal(err)
	}
	n, err := inproc.Start(inproc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ctx := context.Background()
	ds, err := scenario.Parse("story.txt", string(raw))
	if err != nil {
		t.Fatal(err)
	}
	r := scenario.New(ctx, n.Target())
	for _, d := range ds {
		if _, err := r.Step(d); err != nil {
			t.Fatal(err)
		}
	}
	card, err := r.Client().GetRaw(ctx, "/v1/kpi/periods/2030-01/scorecards/member/members/"+r.ID("park")+"?prove=1", r.Key("park"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "park.json")
	if err := os.WriteFile(good, card, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := pnyx(t, "verify", "kpi", good)
	if err != nil || !strings.HasPrefix(out, "OK") || !strings.Contains(out, "score:          7500 bp") ||
		!strings.Contains(out, fmt.Sprintf("validator set:  %X", inproc.ValidatorSet().Hash())) {
		t.Fatalf("verify kpi of an honest scorecard: %v\n%s", err, out)
	}

	var c api.KPICard
	if err := json.Unmarshal(card, &c); err != nil {
		t.Fatal(err)
	}
	c.ScoreBP++
	inflated, _ := json.Marshal(c)
	bad := filepath.Join(dir, "inflated.json")
	if err := os.WriteFile(bad, inflated, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := pnyx(t, "verify", "kpi", bad); err == nil || !strings.HasPrefix(out, "FAIL") || !strings.Contains(err.Error(), "the card says 7501 bp, the proven records give 7500 bp") {
		t.Fatalf("verify kpi of an inflated scorecard: %v\n%s", err, out)
	}
}
