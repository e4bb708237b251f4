package index

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
)

// FuzzQuery: whatever a member types, the tokenizers agree and a search
// either answers or refuses with bad_request — never an FTS5 syntax error.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"당원", "청년 policy", `"quoted" AND OR NOT * ^ : ( )`, "tags : x", "법", "NEAR(a b)", "\u1103\u1161\u11BC", "日本語テキスト", "-", "a*"} {
		f.Add(s)
	}
	x, err := Open(filepath.Join(f.TempDir(), "fuzz.sqlite"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { x.Close() })
	f.Fuzz(func(t *testing.T, q string) {
		// Every token the index stores is one FTS5 token.
		for _, tok := range Tokens(q) {
			if strings.ContainsAny(tok, " \"") || tok == "" {
				t.Fatalf("token %q of %q", tok, q)
			}
		}
		x.Suggest(q)
		snippet(q, &parsed{})
		p := parseQuery(q)
		snippet(q, &p)
		for _, sort := range []string{"", "relevance"} {
			if _, _, err := x.SearchComments(Query{Text: q, Petition: "p-1", Sort: sort}); err != nil && codes.Of(err) != codes.BadRequest {
				t.Fatalf("comments %q: %v", q, err)
			}
			if _, _, err := x.SearchPetitions(Query{Text: q, Chapter: q, Sort: sort}); err != nil && codes.Of(err) != codes.BadRequest {
				t.Fatalf("petitions %q: %v", q, err)
			}
		}
	})
}
