package index

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Korean is written in words of syllables to which particles and endings
// attach: 당원 (member), 당원이, 당원들의, 당원에게; 받다 (receive), 받은,
// 받았다. The analyzer here is small and hand-built (docs/performance.md
// compares it with a mecab-ko-dic morphological analyzer, which costs 28 MB
// of binary and a dictionary in memory); it gives each text three kinds of
// tokens:
//
//   - Syllable bigrams of every Korean word, in order: 당원들의 -> 당원 원들
//     들의. A query word, stripped of its particle or ending, is the phrase of
//     its bigrams, so 자녀를 (-> 자녀) finds 자녀의 and 자녀에게, 개정하다 (->
//     개정) finds 개정한, and a new party name that no dictionary knows is
//     still found. Numbers inside a Korean word are units like syllables:
//     제3조 -> 제3 3조 and 2011년 -> 2011년, so 제3조 does not match 제130조.
//   - Bigrams across a space or a joining mark (·, /, -) between two Korean
//     words: 파견 연장 -> 파견 견연 연장, so the solid query 파견연장 (the
//     phrase 파견 견연 연장) finds the spaced text; the spaced query finds the
//     solid text as two words.
//   - After the text's bigrams, the one-syllable stems (이 법은 -> 법, 받았다
//     -> 받), the head of a compound noun ending in a common one-syllable
//     noun (정당법 -> 법) and every number alone (2011년 -> 2011). A
//     one-syllable query is that exact token, so 법 finds 법은, 법에 and
//     정당법 but not 법률 or 헌법.
//
// Latin words and numbers outside Korean are lowercased and kept whole
// (SQLite's porter stemmer then folds policy/policies). Everything else
// separates words. Text is NFC-normalized first, so Hangul typed as
// decomposed jamo (macOS) matches composed syllables.

// Rune classes.
const (
	sep = iota
	latin
	syllabic
)

func classOf(r rune) int {
	switch {
	case r >= 0xAC00 && r <= 0xD7A3, unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
		return syllabic
	case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
		return latin
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		if unicode.Is(unicode.Hangul, r) {
			return sep // stray jamo
		}
		return latin
	}
	return sep
}

// joiner reports whether r may stand between two parts of what a member
// could also write solid: 언론·출판, 파견 연장, 청년/신혼.
func joiner(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\u00a0', '\u3000', '·', 'ㆍ', '・', '‧', '•', '/', '-', '‐', '–', '_':
		return true
	}
	return false
}

// unit is a syllable or a run of digits inside a Korean word, by byte
// offsets into the analyzed (NFC) text.
type unit struct {
	s          string
	start, end int
	digits     bool
}

// word is a Korean word (its units) or a Latin word or number (lower).
type word struct {
	units      []unit
	lower      string
	start, end int
	joined     bool // a Korean word following a Korean word across joiners only
}

func (w *word) korean() bool { return w.units != nil }

type run struct {
	class      int
	start, end int
	digits     bool
}

// words splits NFC text s into words.
func words(s string) []word {
	var a analyzer
	return a.words(s)
}

// words of the analyzer reuses the slices of its earlier calls (the
// words' units share one slice, so a text costs a few allocations, not one
// a word); the words are valid until its next call.
func (a *analyzer) words(s string) []word {
	runs, all, spans := a.runs[:0], a.all[:0], a.spans[:0]
	defer func() { a.runs, a.all, a.spans = runs, all, spans }()
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		c := classOf(r)
		if c == sep {
			i += n
			continue
		}
		j, digits := i, true
		for j < len(s) {
			r2, n2 := utf8.DecodeRuneInString(s[j:])
			if classOf(r2) != c {
				break
			}
			digits = digits && r2 >= '0' && r2 <= '9'
			j += n2
		}
		runs = append(runs, run{class: c, start: i, end: j, digits: c == latin && digits})
		i = j
	}
	// A run of digits touching a syllabic run belongs to the Korean word.
	joins := func(a, b run) bool {
		return a.end == b.start && (a.class == syllabic && b.digits || a.digits && b.class == syllabic)
	}
	// First the units of all words, then the words as windows on them.
	for i := 0; i < len(runs); {
		j := i + 1
		for j < len(runs) && joins(runs[j-1], runs[j]) {
			j++
		}
		from := len(all)
		korean := false
		for _, r := range runs[i:j] {
			korean = korean || r.class == syllabic
		}
		if korean {
			for _, r := range runs[i:j] {
				if r.digits {
					all = append(all, unit{s: s[r.start:r.end], start: r.start, end: r.end, digits: true})
					continue
				}
				for k := r.start; k < r.end; {
					_, n := utf8.DecodeRuneInString(s[k:])
					all = append(all, unit{s: s[k : k+n], start: k, end: k + n})
					k += n
				}
			}
		}
		spans = append(spans, span{from, len(all), i, j})
		i = j
	}
	out := a.out[:0]
	defer func() { a.out = out }()
	for _, sp := range spans {
		w := word{start: runs[sp.i].start, end: runs[sp.j-1].end}
		if sp.from == sp.to {
			w.lower = lower(s[w.start:w.end])
		} else {
			w.units = all[sp.from:sp.to:sp.to]
			if len(out) > 0 && out[len(out)-1].korean() && allJoiners(s[out[len(out)-1].end:w.start]) {
				w.joined = true
			}
		}
		out = append(out, w)
	}
	return out
}

// lower lowercases s without allocating when it has no upper case.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

func allJoiners(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 3 {
		return false
	}
	for _, r := range s {
		if !joiner(r) {
			return false
		}
	}
	return true
}

func nfc(s string) string {
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// bigrams appends the bigrams of units (or the one unit) to out.
func bigrams(out []string, us []unit) []string {
	if len(us) == 1 {
		return append(out, us[0].s)
	}
	for k := 0; k+1 < len(us); k++ {
		out = append(out, us[k].s+us[k+1].s)
	}
	return out
}

// analyze calls fn with the index tokens of text, in order: the bigrams
// and Latin words of the text, then the extra tokens (stems, heads,
// numbers). Tokens inside a word are substrings of the text (no copy).
func analyze(text string, fn func(string)) {
	var a analyzer
	a.run(text, fn)
}

// analyzer keeps its buffers between texts (ranking analyzes a thousand).
type analyzer struct {
	runs  []run
	all   []unit
	spans []span
	out   []word
}

// span is a word's runs and units while words are cut.
type span struct{ from, to, i, j int }

func (a *analyzer) run(text string, fn func(string)) {
	s := nfc(text)
	ws := a.words(s)
	for i := range ws {
		w := &ws[i]
		if !w.korean() {
			fn(w.lower)
			continue
		}
		if w.joined {
			prev := ws[i-1].units
			fn(prev[len(prev)-1].s + w.units[0].s)
		}
		us := w.units
		if len(us) == 1 {
			fn(us[0].s)
			continue
		}
		for k := 0; k+1 < len(us); k++ {
			fn(s[us[k].start:us[k+1].end])
		}
	}
	for i := range ws {
		if ws[i].korean() {
			extras(ws[i].units, fn)
		}
	}
}

// extras calls fn with the extra tokens of a Korean word.
func extras(us []unit, fn func(string)) {
	st := stem(us, false)
	switch {
	case len(st) == 1 && len(us) > 1:
		fn(st[0].s)
		if c, ok := uncontract(st[0].s); ok {
			fn(c)
		}
	case len(st) >= 3 && heads[st[len(st)-1].s]:
		fn(st[len(st)-1].s)
	case len(st) == 2 && st[1].s == "값" && !st[0].digits:
		fn(st[0].s) // 집값, 약값: the price of a one-syllable thing
	}
	for _, u := range us {
		if u.digits {
			fn(u.s)
		}
	}
}

// Tokens returns the index tokens of text, in order.
func Tokens(text string) []string {
	var out []string
	analyze(text, func(t string) { out = append(out, t) })
	return out
}

// docText is what the FTS table stores for a text: its tokens joined by
// spaces.
func docText(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		analyze(p, func(t string) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t)
		})
	}
	return b.String()
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
