package portal_test

import (
	"encoding/json"
	"flag"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/golden"
	"github.com/pnyx-party/pnyx/modules"
)

var update = flag.Bool("update", false, "rewrite the shared vectors under testdata/tx")

// codeEntry is one line of testdata/tx/codes.json.
type codeEntry struct {
	Code uint32 `json:"code"`
	Name string `json:"name"`
}

// testdata/tx/codes.json lists every stable error code the program can
// answer; the portal's test (web/test/i18n.test.ts) requires a Korean and an
// English sentence for each. A module that registers a new code fails here
// until the list is regenerated with -update, and then fails the portal's
// test until the sentences are written.
func TestCodesList(t *testing.T) {
	_ = modules.New() // links every module, so every code is registered
	var list []codeEntry
	for _, c := range codes.All() {
		list = append(list, codeEntry{uint32(c), c.String()})
	}
	want, _ := json.MarshalIndent(list, "", "  ")
	want = append(want, '\n')
	golden.Check(t, "../../testdata/tx/codes.json", want, *update,
		"run go test ./internal/portal -run TestCodesList -update, then add the new codes' sentences to web/src/errors.ts")
}
