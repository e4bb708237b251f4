package kpi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/inproc"
	"github.com/pnyx-party/pnyx/internal/scenario/scenariotest"
	"github.com/pnyx-party/pnyx/modules/members"
)

// With a rule set in force, a registration also counts the recruit into
// their chapter's cohort and leaves a mark to take them out of it again.
// Those marks must not land at a random place of the tree each: in a
// registry of millions every random place is a walk through nodes mostly
// out of the cache (issue 17, docs/performance.md). Keyed by join height,
// a block's marks sort after every earlier block's, where the tree's
// rightmost path stays cached.
func TestRegistrationsAppendTheirCohortMarks(t *testing.T) {
	n, err := inproc.Start(inproc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	scenariotest.RunFile(t, "testdata/story.txt", n.Target()) // adopts a rule set
	r := scenario.New(context.Background(), n.Target())
	approve := func(from, count int) []string {
		t.Helper()
		var entries, names []string
		for i := from; i < from+count; i++ {
			name := fmt.Sprintf("cohort%d", i)
			names = append(names, name)
			entries = append(entries, fmt.Sprintf(`{"public_key":"$pub(%s)","chapter":"gangnam$sfx","class":"general"}`, name))
		}
		c, args, err := scenario.ParseLine("tx admin member/approve")
		if err != nil {
			t.Fatal(err)
		}
		out, err := r.Step(scenario.Directive{Pos: "layout", Cmd: c, Args: args, Input: `{"entries":[` + strings.Join(entries, ",") + `]}`})
		if err != nil || strings.HasPrefix(out, "error") {
			t.Fatalf("approve: %v %s", err, out)
		}
		return names
	}
	marks := func() map[string]bool {
		out := map[string]bool{}
		n.App().Store().Iterate([]byte("kpi/m/cohm/"), func(k, _ []byte) bool { out[string(k)] = true; return true })
		return out
	}
	approve(0, 30)
	before := marks()
	if len(before) < 30 {
		t.Fatalf("%d cohort marks after 30 recruits joined under a rule set", len(before))
	}
	last := ""
	for k := range before {
		last = max(last, k)
	}
	names := approve(30, 30)
	added := 0
	for k := range marks() {
		if before[k] {
			continue
		}
		added++
		if k <= last {
			t.Errorf("cohort mark %q of a later block sorts before %q: not at the marks' end", k, last)
		}
	}
	if added != len(names) {
		t.Errorf("%d recruits added %d cohort marks", len(names), added)
	}
	// The mark is found again from the member record when a recruit
	// leaves: automatic-facts.txt counts such a recruit out of its cohort.
	id := r.ID("cohort31")
	m, ok := members.Get(n.App().Store(), id)
	if !ok {
		t.Fatalf("no member %s", id)
	}
	if !marks()[fmt.Sprintf("kpi/m/cohm/%016x/%s", m.JoinedHeight, id)] {
		t.Errorf("no cohort mark under member %s's join height %d", id, m.JoinedHeight)
	}
}
