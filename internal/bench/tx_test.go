package bench

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTxSummary: a tiny `pnyx bench tx` run commits every tx on both nodes
// and ends with the key=value summary line. It asserts the shape of the
// report, never the speed.
func TestTxSummary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := Tx(ctx, &out, io.Discard, TxOptions{Txs: 60, BaselineTxs: 60, Workers: 3, Batch: 7, TimeoutCommit: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("bench tx: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^committed_tx_per_s=\d+ baseline_tx_per_s=\d+ ratio=\d+\.\d\d$`).MatchString(last) {
		t.Fatalf("last line %q is not the summary:\n%s", last, out.String())
	}
	for _, want := range []string{"pnyx (token/burn", "60 txs committed", "0 failed", "baseline (counter app"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestTxRejectsBadOptions: non-positive counts are refused before any node
// starts.
func TestTxRejectsBadOptions(t *testing.T) {
	err := Tx(context.Background(), io.Discard, io.Discard, TxOptions{Txs: 0, Workers: 1, Batch: 1})
	if err == nil || !strings.Contains(err.Error(), "must be positive") {
		t.Fatalf("got %v, want a must-be-positive error", err)
	}
}
