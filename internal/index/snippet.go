package index

import (
	"html"
	"slices"
	"strings"
	"unicode/utf8"
)

// snippetRunes is about how much text a snippet shows around its first
// match.
const snippetRunes = 120

// snippet returns an excerpt of body around the first match of the query's
// positive terms, HTML-escaped, with each match in <mark>…</mark>, so a
// member sees why the text matched; "" when nothing in it can be marked
// (e.g. a filter-only listing).
func snippet(body string, p *parsed) string {
	if p == nil || p.empty() {
		return ""
	}
	text := nfc(body)
	ws := words(text)
	// The Korean units in order; brk[i] is true when unit i starts a word
	// that is not joined to the previous one.
	var us []unit
	var brk []bool
	for i := range ws {
		for k, u := range ws[i].units {
			us = append(us, u)
			brk = append(brk, k == 0 && !ws[i].joined)
		}
	}
	var marks [][2]int
	seq := func(want []string) bool {
		hit := false
		for i := 0; i+len(want) <= len(us); i++ {
			ok := true
			for k, s := range want {
				if us[i+k].s != s || k > 0 && brk[i+k] {
					ok = false
					break
				}
			}
			if ok {
				marks = append(marks, [2]int{us[i].start, us[i+len(want)-1].end})
				hit = true
			}
		}
		return hit
	}
	strs := func(us []unit) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = u.s
		}
		return out
	}
	for _, c := range p.clauses {
		for _, t := range c {
			for _, w := range words(t.raw) {
				if !w.korean() {
					for _, x := range ws {
						if !x.korean() && stemLite(x.lower) == stemLite(w.lower) {
							marks = append(marks, [2]int{x.start, x.end})
						}
					}
					continue
				}
				st := w.units
				if !t.phrase {
					st = stem(w.units, true)
				}
				if len(st) == 1 {
					for _, x := range ws {
						if !x.korean() {
							continue
						}
						var toks []string
						if len(x.units) == 1 {
							toks = append(toks, x.units[0].s)
						}
						extras(x.units, func(s string) { toks = append(toks, s) })
						if slices.Contains(toks, st[0].s) {
							marks = append(marks, [2]int{x.start, x.end})
						}
					}
					continue
				}
				if !seq(strs(st)) && len(st) >= 4 {
					seq(strs(st[:2]))
					seq(strs(st[2:]))
				}
			}
		}
	}
	if len(marks) == 0 {
		return ""
	}
	slices.SortFunc(marks, func(a, b [2]int) int { return a[0] - b[0] })
	// Window: from a little before the first mark, snippetRunes long.
	from := marks[0][0]
	for n := 0; from > 0 && n < snippetRunes/4; n++ {
		_, sz := utf8.DecodeLastRuneInString(text[:from])
		from -= sz
	}
	to := from
	for n := 0; to < len(text) && n < snippetRunes; n++ {
		_, sz := utf8.DecodeRuneInString(text[to:])
		to += sz
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, m := range marks {
		if m[0] < at || m[0] >= to {
			continue
		}
		end := min(m[1], to)
		b.WriteString(html.EscapeString(text[at:m[0]]))
		b.WriteString("<mark>" + html.EscapeString(text[m[0]:end]) + "</mark>")
		at = end
	}
	b.WriteString(html.EscapeString(text[at:to]))
	if to < len(text) {
		b.WriteString("…")
	}
	return b.String()
}
