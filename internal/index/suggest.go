package index

import (
	"strings"
)

// Suggest returns a corrected query when q finds nothing ("did you mean"),
// or "" when q finds something or no correction does. A correction changes
// one jamo (initial, vowel or final consonant) of one syllable of one
// Korean word, which catches most Korean typos (헌볍재판소 -> 헌법재판소,
// 최저임굼 -> 최저임금), or else drops a doubled syllable (재건축축) or
// swaps two, and is taken only from the index's own words: a
// candidate must match text in the index, and the corrected query as a
// whole must find something. The syllables tried first are those in a
// bigram the index has never seen.
func (x *Index) Suggest(q string) string {
	if strings.TrimSpace(q) == "" || x.anyMatch(q) {
		return ""
	}
	p := parseQuery(q)
	for _, c := range p.clauses {
		for _, t := range c {
			if t.stem == nil || len(t.stem) < 2 || x.termMatches(t.expr) {
				continue
			}
			fixed, ok := x.correct(t)
			if !ok {
				continue
			}
			cand := strings.Replace(nfc(q), t.raw, fixed, 1)
			if x.anyMatch(cand) {
				return cand
			}
		}
	}
	return ""
}

// anyMatch reports whether q finds a petition or a comment.
func (x *Index) anyMatch(q string) bool {
	for _, comments := range []bool{true, false} {
		qq := Query{Text: q}
		expr, _, ok, err := qq.ftsExpr(comments)
		if err != nil || !ok {
			return false
		}
		if x.matches(comments, expr) {
			return true
		}
	}
	return false
}

// suggestWindow is how many of the newest comments a candidate correction
// is looked for in (all petitions are): a phrase of common bigrams that
// matches nothing is a scan of every row holding them, so the window bounds
// the cost of a suggestion whatever the size of the index; a word in use
// is in recent comments.
const suggestWindow = 100_000

// termMatches reports whether a term (an expression of the text column)
// matches a petition or one of the newest comments.
func (x *Index) termMatches(expr string) bool {
	e := "text : " + expr
	if x.matches(false, e) {
		return true
	}
	x.mu.Lock()
	lo := x.nextRid - suggestWindow
	x.mu.Unlock()
	var rid int64
	return x.db.QueryRow(`SELECT rowid FROM comment_fts WHERE comment_fts MATCH ? AND rowid >= ? LIMIT 1`, e, lo).Scan(&rid) == nil
}

func (x *Index) matches(comments bool, expr string) bool {
	table := "petition_fts"
	if comments {
		table = "comment_fts"
	}
	var rid int64
	return x.db.QueryRow(`SELECT rowid FROM `+table+` WHERE `+table+` MATCH ? LIMIT 1`, expr).Scan(&rid) == nil
}

// correct finds the one-jamo change of t's stem that the index knows and
// returns the word as typed with the corrected stem.
func (x *Index) correct(t term) (string, bool) {
	st := t.stem
	// Positions to try: the syllables of bigrams the index has not seen,
	// else all of them.
	var pos []int
	for k := 0; k+1 < len(st); k++ {
		if !x.termMatches(quote([]string{st[k].s + st[k+1].s})) {
			for _, i := range []int{k, k + 1} {
				if len(pos) == 0 || pos[len(pos)-1] != i {
					pos = append(pos, i)
				}
			}
		}
	}
	if len(pos) == 0 {
		for i := range st {
			pos = append(pos, i)
		}
	}
	strs := make([]string, len(st))
	for i, u := range st {
		strs[i] = u.s
	}
	try := func(strs []string) bool {
		if len(strs) < 2 {
			return false
		}
		var toks []string
		for k := 0; k+1 < len(strs); k++ {
			toks = append(toks, strs[k]+strs[k+1])
		}
		return x.termMatches(quote(toks))
	}
	stemEnd := st[len(st)-1].end
	for _, i := range pos {
		if st[i].digits {
			continue
		}
		for _, v := range jamoVariants(st[i].s) {
			// The bigrams with the new syllable must be words of the index
			// (one cheap lookup each) before the whole stem is tried (a
			// phrase of common bigrams may scan).
			if i > 0 && !x.termMatches(quote([]string{strs[i-1] + v})) || i+1 < len(strs) && !x.termMatches(quote([]string{v + strs[i+1]})) {
				continue
			}
			old := strs[i]
			strs[i] = v
			ok := try(strs)
			strs[i] = old
			if ok {
				return t.raw[:st[i].start] + v + t.raw[st[i].end:], true
			}
		}
	}
	// A syllable too many (재건축축) or two swapped (재건축 typed 재축건):
	// syllable deletions, then transpositions.
	for i := range st {
		cand := append(append([]string(nil), strs[:i]...), strs[i+1:]...)
		if try(cand) {
			return t.raw[:st[0].start] + strings.Join(cand, "") + t.raw[stemEnd:], true
		}
	}
	for i := 0; i+1 < len(st); i++ {
		cand := append([]string(nil), strs...)
		cand[i], cand[i+1] = cand[i+1], cand[i]
		if try(cand) {
			return t.raw[:st[0].start] + strings.Join(cand, "") + t.raw[stemEnd:], true
		}
	}
	return "", false
}

// jamoVariants returns the syllables that differ from s (one Hangul
// syllable) in exactly one jamo, vowels first (the commonest slip), then
// finals, then initials.
func jamoVariants(s string) []string {
	r := []rune(s)
	if len(r) != 1 || r[0] < 0xAC00 || r[0] > 0xD7A3 {
		return nil
	}
	v := r[0] - 0xAC00
	ini, med, fin := v/588, (v%588)/28, v%28
	var out []string
	mk := func(i, m, f rune) { out = append(out, string(0xAC00+i*588+m*28+f)) }
	for m := rune(0); m < 21; m++ {
		if m != med {
			mk(ini, m, fin)
		}
	}
	for f := rune(0); f < 28; f++ {
		if f != fin {
			mk(ini, med, f)
		}
	}
	for i := rune(0); i < 19; i++ {
		if i != ini {
			mk(i, med, fin)
		}
	}
	return out
}
