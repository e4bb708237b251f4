package corpus

import (
	"strings"
	"testing"
)

func TestDeterministicMixedText(t *testing.T) {
	a, b := New(7), New(7)
	var all strings.Builder
	for i := 0; i < 200; i++ {
		ta, ba := a.Petition()
		tb, bb := b.Petition()
		ca, cb := a.Comment(), b.Comment()
		if ta != tb || ba != bb || ca != cb {
			t.Fatalf("seed 7 gave different text:\n%q\n%q", ca, cb)
		}
		all.WriteString(ta + ba + ca)
	}
	s := all.String()
	for _, want := range []string{"청년", "당원", "policy", "The "} {
		if !strings.Contains(s, want) {
			t.Errorf("corpus lacks %q", want)
		}
	}
	if New(8).Comment() == New(7).Comment() && New(8).Comment() == New(7).Comment() {
		t.Error("different seeds give the same text")
	}
}
