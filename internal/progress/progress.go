// Package progress draws a one-line progress bar on a terminal stream, for
// long commands (imports, reindexing, benchmarks) that report to stderr:
//
//	bar := progress.New(os.Stderr, "import", len(rows))
//	for i := range rows {
//		...
//		bar.Set(i + 1)
//	}
//	bar.Done()
//
// The bar redraws at most every 100 ms (and always at the end), so setting it
// once per item costs nothing.
package progress

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Bar is a progress bar of total steps under a label.
type Bar struct {
	w          io.Writer
	label      string
	total, cur int
	last       time.Time
}

// New draws an empty bar and returns it.
func New(w io.Writer, label string, total int) *Bar {
	p := &Bar{w: w, label: label, total: total}
	p.draw()
	return p
}

// Set moves the bar to n of its total steps.
func (p *Bar) Set(n int) {
	p.cur = n
	if time.Since(p.last) > 100*time.Millisecond || n == p.total {
		p.draw()
	}
}

func (p *Bar) draw() {
	p.last = time.Now()
	pct := 100
	if p.total > 0 {
		pct = p.cur * 100 / p.total
	}
	bar := strings.Repeat("#", pct/5) + strings.Repeat(".", 20-pct/5)
	fmt.Fprintf(p.w, "\r%s [%s] %d/%d (%d%%)", p.label, bar, p.cur, p.total, pct)
}

// Done ends the bar's line.
func (p *Bar) Done() { fmt.Fprintln(p.w) }
