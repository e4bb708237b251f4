package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// Files lists the scenario files of fsys (modules/*/testdata/*.txt): first
// those named in order, then the rest by path, so a new module's files run
// without anyone editing a list.
func Files(fsys fs.FS, order []string) ([]string, error) {
	all, err := fs.Glob(fsys, "modules/*/testdata/*.txt")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range order {
		if !slices.Contains(all, p) {
			return nil, fmt.Errorf("scenario order names %s, which does not exist", p)
		}
		out = append(out, p)
	}
	for _, p := range all {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Title is the first sentence of a file's leading comment, to name it in a
// report.
func Title(text string) string {
	var words []string
	for _, line := range strings.Split(text, "\n") {
		t, ok := strings.CutPrefix(strings.TrimSpace(line), "#")
		if !ok {
			break
		}
		words = append(words, strings.Fields(t)...)
	}
	s := strings.Join(words, " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, ".")
}

// RunFile runs one file outside a test and compares every output with the
// expected one. It returns a note of what the runner checked offline
// (Runner.Checked) and could not check (Runner.Notes), or that a step the
// target cannot run ended the file early, and an error at the first
// difference.
func RunFile(ctx context.Context, name, text string, t Target) (note string, err error) {
	ds, err := Parse(name, text)
	if err != nil {
		return "", err
	}
	r := New(ctx, t)
	for _, d := range ds {
		got, err := r.Step(d)
		if errors.Is(err, ErrSkip) {
			// What was checked before the skip was still checked.
			skipped := fmt.Sprintf("rest skipped: %v", err)
			return strings.Join(append([]string{skipped}, append(r.Checked(), r.Notes()...)...), "; "), nil
		}
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(got) != strings.TrimSpace(d.Expected) {
			return "", fmt.Errorf("%s: %s: got\n%s\nwant\n%s", d.Pos, d.Cmd, got, d.Expected)
		}
	}
	return strings.Join(append(r.Checked(), r.Notes()...), "; "), nil
}

// RunAll tells files from fsys in order, each with tell (RunFile on a
// target of its own, or on a chain of its own), and reports a line per file
// to out, as `pnyx demo` shows them; where, if not empty, says on what the
// files were told ("in-process").
func RunAll(ctx context.Context, fsys fs.FS, files []string, tell func(ctx context.Context, name, text string) (note string, err error), where string, out io.Writer) (passed, failed int) {
	on, failedOn := "", ""
	if where != "" {
		on, failedOn = where+", ", " ("+where+")"
	}
	for i, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		start := time.Now()
		var note string
		if err == nil {
			note, err = tell(ctx, f, string(raw))
		}
		title := path.Base(f)
		if t := Title(string(raw)); t != "" {
			title += ": " + t
		}
		if err != nil {
			failed++
			fmt.Fprintf(out, "FAIL %2d. %s%s\n      %v\n", i+1, title, failedOn, err)
			continue
		}
		passed++
		if note != "" {
			note = " [" + note + "]"
		}
		fmt.Fprintf(out, "ok   %2d. %s (%s%s)%s\n", i+1, title, on, time.Since(start).Round(time.Millisecond), note)
	}
	return passed, failed
}
