package scenariotest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/pnyx-party/pnyx/internal/scenario"
)

// TestParseAgreesWithDatadriven: `pnyx demo` reads the scenario files with
// scenario.Parse, the tests with datadriven; both must see the same steps.
func TestParseAgreesWithDatadriven(t *testing.T) {
	files, _ := filepath.Glob("../../../modules/*/testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no scenario files")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := scenario.Parse(f, string(raw))
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		datadriven.RunTest(t, f, func(t *testing.T, td *datadriven.TestData) string {
			if i >= len(ours) {
				t.Fatalf("%s: datadriven sees more steps than scenario.Parse", td.Pos)
			}
			d := ours[i]
			i++
			var args []scenario.Arg
			for _, a := range td.CmdArgs {
				args = append(args, scenario.Arg{Key: a.Key, Vals: a.Vals})
			}
			if d.Cmd != td.Cmd || d.Input != td.Input || d.Expected != strings.TrimSuffix(td.Expected, "\n") || len(d.Args) != len(args) {
				t.Fatalf("%s: scenario.Parse read %+v", td.Pos, d)
			}
			for j := range args {
				if d.Args[j].Key != args[j].Key || len(d.Args[j].Vals) != len(args[j].Vals) {
					t.Fatalf("%s: argument %d: %+v vs %+v", td.Pos, j, d.Args[j], args[j])
				}
				for k := range args[j].Vals {
					if d.Args[j].Vals[k] != args[j].Vals[k] {
						t.Fatalf("%s: argument %d: %+v vs %+v", td.Pos, j, d.Args[j], args[j])
					}
				}
			}
			return td.Expected
		})
		if i != len(ours) {
			t.Fatalf("%s: scenario.Parse read %d steps, datadriven %d", f, len(ours), i)
		}
	}
}
