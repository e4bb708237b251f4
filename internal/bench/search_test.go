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

// TestSearchReusesAKeptIndex: a second run with --keep on the same corpus
// runs the queries on the kept index instead of building it again.
func TestSearchReusesAKeptIndex(t *testing.T) {
	dir := t.TempDir()
	o := SearchOptions{Comments: 1000, PerBlock: 500, Seed: 5, Rounds: 1, Dir: dir, Keep: true}
	var first, second bytes.Buffer
	if err := Search(&first, io.Discard, o); err != nil {
		t.Fatal(err)
	}
	if err := Search(&second, io.Discard, o); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(first.String(), "reuses") || !strings.Contains(second.String(), "reuses the kept index") {
		t.Fatalf("first:\n%s\nsecond:\n%s", first.String(), second.String())
	}
	hits := regexp.MustCompile(`hits=\d+`)
	if a, b := hits.FindAllString(first.String(), -1), hits.FindAllString(second.String(), -1); strings.Join(a, " ") != strings.Join(b, " ") {
		t.Fatalf("hits differ: %v vs %v", a, b)
	}
}
