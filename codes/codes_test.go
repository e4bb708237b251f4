package codes

import (
	"strings"
	"testing"
)

func TestRegisterRefusesATakenNumberOrName(t *testing.T) {
	c := Register(9901, "test_only_code")
	if c.String() != "test_only_code" {
		t.Fatalf("registered code reads %q", c.String())
	}
	for _, tc := range []struct {
		code Code
		name string
		want string
	}{
		{9901, "another_name", "registered twice"},
		{9902, "test_only_code", `name "test_only_code" registered for 9901 and 9902`},
		{9903, "not_found", "registered for 9 and 9903"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), tc.want) {
					t.Errorf("Register(%d, %q): panic %v, want one that says %q", tc.code, tc.name, r, tc.want)
				}
			}()
			Register(tc.code, tc.name)
		}()
	}
	if _, ok := names[9902]; ok {
		t.Fatal("a refused registration took its number anyway")
	}
}

func TestAllIsSortedAndNamed(t *testing.T) {
	all := All()
	for i, c := range all {
		if i > 0 && all[i-1] >= c {
			t.Fatalf("All is not ascending at %d: %d then %d", i, all[i-1], c)
		}
		if strings.HasPrefix(c.String(), "code_") {
			t.Fatalf("code %d has no name", c)
		}
	}
	if len(all) < 20 {
		t.Fatalf("All lists %d codes, want at least the foundation's 20", len(all))
	}
}
