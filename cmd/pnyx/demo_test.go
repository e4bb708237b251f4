package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	inprocpkg "github.com/pnyx-party/pnyx/internal/scenario/inproc"
)

// TestDemoTellsAKPIPeriodToItsEnd: `pnyx demo --module kpi` tells the KPI
// story on the node up to where the period has to begin (a month away on a
// node's clock), then to its end on an in-process chain whose block time the
// demo moves: rule set adopted by the council, facts from a meeting and an
// attestor, scorecards read, the ranking, the appeal upheld, rewards minted
// at final — every step passing, none skipped. There Park's scorecard is
// read with its proof and verified offline as `pnyx verify kpi` does, its
// proof pinned to the in-process chain's validator, which the demo names as
// what the proofs are checked against.
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
	set := fmt.Sprintf("%X", inprocpkg.ValidatorSet().Hash())
	if !strings.Contains(out, "proofs are checked against the in-process chain's own validator "+set+", not the node's genesis validators") {
		t.Fatalf("the demo does not say what the in-process proofs are checked against:\n%s", out)
	}
	verified := regexp.MustCompile(`member scorecard of \$id\(park\) for 2030-01 verified offline: (\d+) bp recomputed from [1-9]\d* proven records of height \d+, signed by validator set `+set[:8]+`, pinned`).FindAllStringSubmatch(inproc[1], -1)
	if len(verified) != 2 || verified[0][1] != "5500" || verified[1][1] != "7500" {
		t.Fatalf("Park's scorecard was not verified with its proof, before and after his appeal (5500 and 7500 bp): %s", inproc[0])
	}
	if strings.Contains(out, "FAIL") || !regexp.MustCompile(`(?m)^demo: \d+ passed, 0 failed$`).MatchString(out) {
		t.Fatalf("a step failed:\n%s", out)
	}
}
