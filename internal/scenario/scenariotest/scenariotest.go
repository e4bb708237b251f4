// Package scenariotest runs scenario files (package scenario) as Go tests,
// with datadriven's -rewrite flag to regenerate their expected outputs. A
// module's scenario_test.go is one line:
//
//	func TestScenarios(t *testing.T) { scenariotest.InProcess(t, "testdata") }
//
// and `go test ./modules/org -rewrite` rewrites modules/org/testdata/*.txt
// after a deliberate change; review the diff.
package scenariotest

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/inproc"
)

// InProcess runs every *.txt file under dir, each on a fresh in-process
// chain, as a subtest named after the file.
func InProcess(t *testing.T, dir string) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files in %s (%v)", dir, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			n, err := inproc.Start(inproc.Options{IndexPath: filepath.Join(t.TempDir(), "index.sqlite")})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			RunFile(t, f, n.Target())
		})
	}
}

// RunFile runs one file against a target and returns its runner, whose
// names the caller may check against what the target saw. A step the
// target cannot run skips the rest of the file, with the reason.
func RunFile(t *testing.T, path string, target scenario.Target) *scenario.Runner {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r := scenario.New(ctx, target)
	datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
		d := scenario.Directive{Pos: td.Pos, Cmd: td.Cmd, Input: td.Input}
		for _, a := range td.CmdArgs {
			d.Args = append(d.Args, scenario.Arg{Key: a.Key, Vals: a.Vals})
		}
		out, err := r.Step(d)
		if errors.Is(err, scenario.ErrSkip) {
			t.Skipf("rest of %s: %v", filepath.Base(path), err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if out != "" {
			out += "\n"
		}
		return out
	})
	for _, n := range append(r.Checked(), r.Notes()...) {
		t.Log(n)
	}
	return r
}
