package bench

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
)

// TestSearchSummary runs the search benchmark on a small corpus and
// checks that it ends with the key=value summary line (figures are not
// asserted: a test never depends on speed).
func TestSearchSummary(t *testing.T) {
	var out bytes.Buffer
	if err := Search(&out, io.Discard, SearchOptions{Comments: 3000, PerBlock: 500, Seed: 3, Rounds: 1, Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^comments=3000 index_per_s=\d+ p50_ms=[\d.]+ p95_ms=[\d.]+ p99_ms=[\d.]+$`).MatchString(last) {
		t.Fatalf("last line %q", last)
	}
	// The common-word queries find full pages.
	if !regexp.MustCompile(`청년 +hits=20 `).MatchString(out.String()) {
		t.Fatalf("청년 found less than a page:\n%s", out.String())
	}
}
