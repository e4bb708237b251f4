// Package golden holds a test's output to a file checked into testdata/:
// the one copy of a format that both of its sides (Go and the portal's
// TypeScript, the chain and a verifier) are tested against. A test makes
// the bytes, and Check compares them with the file, after rewriting the
// file first when the test runs with its -update flag:
//
//	var update = flag.Bool("update", false, "rewrite testdata/tx/codes.json")
//
//	golden.Check(t, "../../testdata/tx/codes.json", got, *update,
//		"run go test ./internal/portal -run TestCodesList -update, then add the new codes' sentences to web/src/errors.ts")
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Check fails t unless file holds exactly got. With update it writes got
// to file first (creating its directory). whenChanged tells the reader of
// a failure what to do when the change is intended.
func Check(t testing.TB, file string, got []byte, update bool, whenChanged string) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what the code produces now: %s", file, whenChanged)
	}
}
