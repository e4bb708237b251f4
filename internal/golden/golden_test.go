package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records a failure instead of ending the
// test, so that Check's refusals can be checked.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatal(args ...any)                 { r.failed = "fatal"; panic(r) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = format; panic(r) }

func check(t *testing.T, file string, got []byte, update bool) (failed string) {
	r := &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		failed = r.failed
	}()
	Check(r, file, got, update, "rerun with -update")
	return ""
}

// TestCheckWritesOnUpdateAndRefusesAnyOtherBytes: without the file, Check
// fails; -update writes it (and its directory); then the same bytes pass
// and any other bytes fail, and the file is left as it was.
func TestCheckWritesOnUpdateAndRefusesAnyOtherBytes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "testdata", "v.json")
	if f := check(t, file, []byte("one\n"), false); !strings.Contains(f, "run with -update") {
		t.Fatalf("a missing file: %q", f)
	}
	if f := check(t, file, []byte("one\n"), true); f != "" {
		t.Fatalf("-update: %q", f)
	}
	if f := check(t, file, []byte("one\n"), false); f != "" {
		t.Fatalf("the same bytes: %q", f)
	}
	if f := check(t, file, []byte("two\n"), false); !strings.Contains(f, "differs") {
		t.Fatalf("other bytes: %q", f)
	}
	if b, _ := os.ReadFile(file); string(b) != "one\n" {
		t.Fatalf("a failed check changed the file to %q", b)
	}
}
