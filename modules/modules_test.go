package modules_test

import (
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules"
)

// TestSpecsDescribeEveryTxType holds the party's program to the rules the
// chain relies on: every tx type is declared once, by the module its prefix
// names, with a documented body; only ballots and spoiled ballots travel
// without a signer.
func TestSpecsDescribeEveryTxType(t *testing.T) {
	prefixes := map[string]string{"org": "chapter/ role/", "members": "member/", "token": "token/",
		"petition": "petition/ comment/ moderation/", "assembly": "assembly/", "election": "election/", "kpi": "kpi/", "validator": "validator/"}
	seen := map[string]string{}
	var anonymous []string
	specs := modules.New().Specs()
	if len(specs) != len(prefixes) {
		t.Fatalf("%d modules, want %d", len(specs), len(prefixes))
	}
	for _, sp := range specs {
		want, ok := prefixes[sp.Name]
		if !ok {
			t.Fatalf("unexpected module %q", sp.Name)
		}
		if len(sp.Routes) == 0 {
			t.Errorf("module %s declares no tx type", sp.Name)
		}
		for _, r := range sp.Routes {
			if prev, dup := seen[r.Type]; dup {
				t.Errorf("%s declared by %s and %s", r.Type, prev, sp.Name)
			}
			seen[r.Type] = sp.Name
			okPrefix := false
			for _, p := range strings.Fields(want) {
				okPrefix = okPrefix || strings.HasPrefix(r.Type, p)
			}
			if !okPrefix {
				t.Errorf("%s: module %s declares a type outside its prefixes %q", r.Type, sp.Name, want)
			}
			if r.Body() == nil || r.Handler == nil {
				t.Errorf("%s has no body type or no handler", r.Type)
			}
			if r.Anonymous {
				anonymous = append(anonymous, r.Type)
			}
		}
	}
	if strings.Join(anonymous, ",") != "election/ballot,election/spoil" {
		t.Errorf("anonymous types %v, want only ballots and spoiled ballots", anonymous)
	}
}

// TestCodeNamesAreUnique: with every module linked, no two codes share a
// name (codes.Register would have panicked at init), and the three
// "not eligible" cases have three names.
func TestCodeNamesAreUnique(t *testing.T) {
	names := map[string]codes.Code{}
	for _, c := range codes.All() {
		if prev, dup := names[c.String()]; dup {
			t.Fatalf("codes %d and %d are both %q", prev, c, c)
		}
		names[c.String()] = c
	}
	for _, n := range []string{"meeting_not_eligible", "not_eligible", "election_not_eligible"} {
		if _, ok := names[n]; !ok {
			t.Errorf("code name %q is not registered", n)
		}
	}
}
