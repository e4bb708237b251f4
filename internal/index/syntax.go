package index

import (
	"strings"
	"unicode"
)

// The query syntax members know from web search:
//
//	청년 주거          both words (AND)
//	"공공 임대"        a phrase: the words in this order, spaced or solid
//	급식 -초등학교     exclude a word (also NOT 초등학교)
//	청년 OR 노인       either word; OR binds tighter than the implicit AND
//	AND, NEAR         accepted and read as AND, never searched as words
//
// Each word is analyzed like the text (tokenize.go): a Korean word becomes
// its stem, matched as the phrase of its bigrams (a one-syllable stem as its
// exact token); a stem of four or more syllables typed solid also matches
// when its two halves appear apart (파견연장 -> 파견 … 연장).

// term is one searched word or phrase.
type term struct {
	expr   string   // FTS5 expression, without the column filter
	tokens []string // the index tokens it looks for (ranking, snippets)
	raw    string   // as typed
	phrase bool
	stem   []unit // a single Korean word's stem (suggestions), else nil
	word   []unit // that word's units
}

// parsed is a query: an AND of clauses, each an OR of terms, minus the
// excluded terms.
type parsed struct {
	clauses [][]term
	not     []term
}

func (p parsed) empty() bool { return len(p.clauses) == 0 }

// tokens lists the tokens of the positive terms.
func (p parsed) tokens() []string {
	var out []string
	for _, c := range p.clauses {
		for _, t := range c {
			out = append(out, t.tokens...)
		}
	}
	return out
}

// lexeme is one piece of the query as typed.
type lexeme struct {
	s      string
	quoted bool
}

func lex(q string) []lexeme {
	var out []lexeme
	rs := []rune(q)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '"' || r == '“' || r == '”':
			j := i + 1
			for j < len(rs) && rs[j] != '"' && rs[j] != '“' && rs[j] != '”' {
				j++
			}
			out = append(out, lexeme{s: string(rs[i+1 : min(j, len(rs))]), quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '"' && rs[j] != '“' && rs[j] != '”' {
				j++
			}
			out = append(out, lexeme{s: string(rs[i:j])})
			i = j
		}
	}
	return out
}

// parseQuery reads a member's query.
func parseQuery(q string) parsed {
	var p parsed
	or, neg := false, false
	for _, l := range lex(nfc(q)) {
		if !l.quoted {
			switch l.s {
			case "OR", "|", "||":
				or = len(p.clauses) > 0
				continue
			case "AND", "&", "&&", "NEAR", "+":
				continue
			case "NOT":
				neg = true
				continue
			}
			if strings.HasPrefix(l.s, "-") && len(l.s) > 1 {
				neg, l.s = true, l.s[1:]
			}
			l.s = strings.TrimPrefix(l.s, "+")
		}
		t, ok := makeTerm(l)
		switch {
		case !ok:
		case neg:
			p.not = append(p.not, t)
		case or:
			p.clauses[len(p.clauses)-1] = append(p.clauses[len(p.clauses)-1], t)
		default:
			p.clauses = append(p.clauses, []term{t})
		}
		or, neg = false, false
	}
	return p
}

func quote(tokens []string) string { return `"` + strings.Join(tokens, " ") + `"` }

// makeTerm analyzes one word or phrase; ok is false when it has no
// searchable token.
func makeTerm(l lexeme) (term, bool) {
	t := term{raw: l.s, phrase: l.quoted}
	ws := words(l.s)
	if len(ws) == 0 {
		return t, false
	}
	if l.quoted {
		for i := range ws {
			w := &ws[i]
			if !w.korean() {
				t.tokens = append(t.tokens, w.lower)
				continue
			}
			if w.joined {
				prev := ws[i-1].units
				t.tokens = append(t.tokens, prev[len(prev)-1].s+w.units[0].s)
			}
			t.tokens = bigrams(t.tokens, w.units)
		}
		t.expr = quote(t.tokens)
		return t, true
	}
	var parts []string
	for i := range ws {
		w := &ws[i]
		if !w.korean() {
			t.tokens = append(t.tokens, w.lower)
			parts = append(parts, quote([]string{w.lower}))
			continue
		}
		st := stem(w.units, true)
		if len(ws) == 1 {
			t.stem, t.word = st, w.units
		}
		toks := bigrams(nil, st)
		t.tokens = append(t.tokens, toks...)
		e := koreanExpr(st, toks)
		if n := len(w.units); len(st) == n-1 && w.units[n-1].s == "다" && len(st) >= 2 {
			// A verb or adjective typed in its dictionary form (늘리다):
			// also its stem's contracted and attached forms (늘려, 늘렸다,
			// 늘린, 늘릴, 늘림, 늘립니다).
			alts := []string{e}
			for _, v := range verbForms(st[len(st)-1].s) {
				alt := append(append([]unit(nil), st[:len(st)-1]...), unit{s: v})
				alts = append(alts, quote(bigrams(nil, alt)))
			}
			if len(alts) > 1 {
				e = "(" + strings.Join(alts, " OR ") + ")"
			}
		}
		parts = append(parts, e)
	}
	if len(parts) == 1 {
		t.expr = parts[0]
	} else {
		t.expr = "(" + strings.Join(parts, " AND ") + ")"
	}
	return t, true
}

// koreanExpr matches a stem: the phrase of its bigrams, or for a solid
// stem of four or more syllables its two halves anywhere (파견연장 -> 파견 …
// 연장), which includes the phrase. Korean compounds are mostly of
// two-syllable words, so an even stem is cut only at even places
// (청년주거정책: 청년|주거정책, 청년주거|정책), an odd one next to either end.
// Cutting everywhere would cost a scan of the whole table for each cut
// that matches nothing.
func koreanExpr(st []unit, toks []string) string {
	e := quote(toks)
	n := len(st)
	if n < 4 {
		return e
	}
	for _, u := range st {
		if u.digits {
			return e
		}
	}
	var alts []string
	for k := 2; k+2 <= n; k++ {
		if n%2 == 0 && k%2 == 1 || n%2 == 1 && k != 2 && k != n-2 && k != 3 && k != n-3 {
			continue
		}
		alts = append(alts, "("+quote(bigrams(nil, st[:k]))+" AND "+quote(bigrams(nil, st[k:]))+")")
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// textExpr is the FTS5 expression of the positive terms over the text
// column ("" when there are none) and that of the excluded terms.
func (p *parsed) textExpr() (pos, neg string) {
	var cs []string
	for _, c := range p.clauses {
		if len(c) == 1 {
			cs = append(cs, c[0].expr)
			continue
		}
		var alts []string
		for _, t := range c {
			alts = append(alts, t.expr)
		}
		cs = append(cs, "("+strings.Join(alts, " OR ")+")")
	}
	if len(cs) > 0 {
		pos = "text : (" + strings.Join(cs, " AND ") + ")"
	}
	var ns []string
	for _, t := range p.not {
		ns = append(ns, t.expr)
	}
	if len(ns) > 0 {
		neg = "text : (" + strings.Join(ns, " OR ") + ")"
	}
	return pos, neg
}
