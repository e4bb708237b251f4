package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestDemoTellsAKPIPeriodToItsEnd: `pnyx demo --module kpi` tells the KPI
// story on the node up to where the period has to begin (a month away on a
// node's clock), then to its end on an in-process chain whose block time the
// demo moves: rule set adopted by the council, facts from a meeting and an
// attestor, scorecards read, the ranking, the appeal upheld, rewards minted
// at final — every step passing, none skipped.
func TestDemoTellsAKPIPeriodToItsEnd(t *testing.T) {
	out, err := pnyx(t, "demo", "--module", "kpi")
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^ok +\d+\. story\.txt: .*\[rest skipped: .*advance`).MatchString(out) {
		t.Fatalf("the node's run of story.txt does not stop at its first advance:\n%s", out)
	}
	inproc := regexp.MustCompile(`(?m)^ok +\d+\. story\.txt: .*\(in-process, [^)]*\)(.*)$`).FindStringSubmatch(out)
	if inproc == nil {
		t.Fatalf("story.txt was not told in-process:\n%s", out)
	}
	if strings.Contains(inproc[1], "skipped") {
		t.Fatalf("the in-process run of story.txt skipped steps: %s", inproc[0])
	}
	if strings.Contains(out, "FAIL") || !regexp.MustCompile(`(?m)^demo: \d+ passed, 0 failed$`).MatchString(out) {
		t.Fatalf("a step failed:\n%s", out)
	}
}
