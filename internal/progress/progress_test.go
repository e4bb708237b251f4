package progress

import (
	"bytes"
	"strings"
	"testing"
)

// The bar shows the label, a 20-character bar, the count and the percentage,
// and Done ends the line.
func TestBar(t *testing.T) {
	var b bytes.Buffer
	bar := New(&b, "import", 4)
	bar.Set(4)
	bar.Done()
	out := b.String()
	for _, want := range []string{"\rimport [....................] 0/4 (0%)", "\rimport [####################] 4/4 (100%)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("Done did not end the line: %q", out)
	}
}
