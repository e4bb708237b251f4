package index

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Korean is written in words of syllables to which particles and endings
// attach: 당원 (member), 당원이, 당원들의, 당원에게. A word-based analyzer keeps
// "당원들의" whole, so the query 당원 misses it; a trigram analyzer cannot match
// a two-syllable noun at all. So Hangul (and Han and kana) runs are split in
// Go into overlapping syllable bigrams: 당원들의 -> 당원 원들 들의. A query for
// 당원 is the bigram 당원; a query for 민주당 is the phrase "민주 주당", whose
// bigrams must be adjacent. Latin words and numbers are lowercased and kept
// whole (SQLite's porter stemmer then folds policy/policies). Everything else
// separates tokens. Text is NFC-normalized first, so Hangul typed as
// decomposed jamo (macOS) matches composed syllables.

// class of a rune for tokenizing.
const (
	sep = iota
	word
	syllabic
)

func classOf(r rune) int {
	switch {
	case unicode.Is(unicode.Hangul, r) && r >= 0xAC00 && r <= 0xD7A3, unicode.Is(unicode.Han, r),
		unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
		return syllabic
	case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
		return word
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		if unicode.Is(unicode.Hangul, r) {
			return sep // stray jamo
		}
		return word
	}
	return sep
}

// group is the tokens of one run: a Latin word (one token) or a syllabic run
// (its bigrams, or one syllable).
type group struct {
	tokens   []string
	syllabic bool
}

func groups(s string) []group {
	s = norm.NFC.String(s)
	var out []group
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := classOf(rs[i])
		if c == sep {
			i++
			continue
		}
		j := i
		for j < len(rs) && classOf(rs[j]) == c {
			j++
		}
		run := rs[i:j]
		if c == word {
			out = append(out, group{tokens: []string{strings.ToLower(string(run))}})
		} else if len(run) == 1 {
			out = append(out, group{tokens: []string{string(run)}, syllabic: true})
		} else {
			g := group{syllabic: true}
			for k := 0; k+1 < len(run); k++ {
				g.tokens = append(g.tokens, string(run[k:k+2]))
			}
			out = append(out, g)
		}
		i = j
	}
	return out
}

// Tokens returns the index tokens of text, in order.
func Tokens(text string) []string {
	var out []string
	for _, g := range groups(text) {
		out = append(out, g.tokens...)
	}
	return out
}

// docText is what the FTS table stores for a text: its tokens joined by
// spaces.
func docText(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		for _, t := range Tokens(p) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t)
		}
	}
	return b.String()
}

// matchQuery turns a user's query into an FTS5 expression over the text
// column: every word must match (AND); a Hangul word's bigrams as an
// adjacent phrase; a single syllable as a prefix (법 matches 법안). It
// returns "" when the query has no searchable token.
func matchQuery(q string) string {
	var parts []string
	for _, g := range groups(q) {
		switch {
		case g.syllabic && len(g.tokens) == 1 && utf8.RuneCountInString(g.tokens[0]) == 1:
			parts = append(parts, `text : "`+g.tokens[0]+`"*`)
		default:
			parts = append(parts, `text : "`+strings.Join(g.tokens, " ")+`"`)
		}
	}
	return strings.Join(parts, " AND ")
}

// tag builds a filter token stored in the tags column: a prefix and a value
// with every non-alphanumeric byte folded to '_' (tags use tokenchars '_').
func tag(prefix, v string) string {
	b := []byte(strings.ToLower(v))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return prefix + "_" + string(b)
}
