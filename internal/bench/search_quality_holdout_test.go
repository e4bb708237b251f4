package bench

import (
	"bytes"
	"strings"
	"testing"
)

// TestSearchQualityHoldout runs the held-out set (written after the
// analyzer, see testdata/search/README.md) and only logs its figures: the
// set exists to tell how the analyzer does on text it was not built on,
// not to be tuned against.
func TestSearchQualityHoldout(t *testing.T) {
	var out bytes.Buffer
	if err := SearchQuality(&out, SearchQualityOptions{Passages: "../../testdata/search/holdout/passages.tsv", Queries: "../../testdata/search/holdout/queries.tsv"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "queries=") {
		t.Fatalf("no summary:\n%s", out.String())
	}
	t.Log(out.String())
}
