package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestBenchTxSummary: a tiny `pnyx bench tx` run commits every tx on both
// nodes and ends with the key=value summary line. It asserts the shape of
// the report, never the speed.
func TestBenchTxSummary(t *testing.T) {
	out, err := pnyx(t, "bench", "tx", "--txs", "60", "--baseline-txs", "60", "--workers", "3", "--batch", "7", "--timeout-commit", "50ms")
	if err != nil {
		t.Fatalf("bench tx: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^committed_tx_per_s=\d+ baseline_tx_per_s=\d+ ratio=\d+\.\d\d$`).MatchString(last) {
		t.Fatalf("last line %q is not the summary:\n%s", last, out)
	}
	for _, want := range []string{"pnyx (token/burn", "60 txs committed", "0 failed", "baseline (counter app"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
