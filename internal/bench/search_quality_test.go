package bench

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSearchQuality runs the search evaluation over testdata/search and
// holds it to the targets of issue 16: recall ≥ 0.9 and precision of the
// first page ≥ 0.9, every query with an answer finding something.
func TestSearchQuality(t *testing.T) {
	var out bytes.Buffer
	if err := SearchQuality(&out, SearchQualityOptions{Passages: "../../testdata/search/passages.tsv", Queries: "../../testdata/search/queries.tsv"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	m := regexp.MustCompile(`^queries=(\d+) recall=([\d.]+) p_at_10=([\d.]+) zero_result=(\d+)$`).FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("last line %q", lines[len(lines)-1])
	}
	n, _ := strconv.Atoi(m[1])
	recall, _ := strconv.ParseFloat(m[2], 64)
	p10, _ := strconv.ParseFloat(m[3], 64)
	if n < 50 || recall < 0.9 || p10 < 0.9 || m[4] != "0" {
		t.Fatalf("below target:\n%s", out.String())
	}
	t.Log(out.String())
}
