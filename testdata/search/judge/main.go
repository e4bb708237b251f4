// Command judge writes the relevance judgments of testdata/search/queries.tsv
// with a morphological analyzer independent of pnyx's (mecab-ko-dic through
// kagome, the dictionary family of Elasticsearch's Nori), so the evaluation
// does not grade pnyx's analyzer by itself. It lives in its own module under
// testdata so pnyx never links the 28 MB dictionary:
//
//	cd testdata/search/judge && go run . ../passages.tsv ../queries.tsv > ../queries.judged.tsv
//
// A passage is relevant to a query word when it contains all the word's
// content morphemes (nouns, verb and adjective stems, roots, foreign words,
// numbers; compounds and inflected forms split into their parts); when the
// word holds a number, its morphemes must appear in order and adjacent (제3조
// is not 제130조). A quoted phrase needs its content morphemes adjacent and
// in order. Words are ANDed; OR joins alternatives; -word and NOT exclude.
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"

	ko "github.com/ikawaha/kagome-dict-ko"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

var tk *tokenizer.Tokenizer

type morph struct{ surface, pos string }

// content returns the content morphemes of s in order.
func content(s string) []morph {
	var out []morph
	lastEnd := -1
	for _, t := range tk.Tokenize(s) {
		f := t.Features()
		if len(f) == 0 {
			continue
		}
		// mecab-ko-dic splits long numbers (300 -> 30 0): join digits that
		// touch.
		if f[0] == "SN" && lastEnd == t.Start && len(out) > 0 && out[len(out)-1].pos == "SN" {
			out[len(out)-1].surface += t.Surface
			lastEnd = t.End
			continue
		}
		lastEnd = t.End
		parts := []morph{{t.Surface, f[0]}}
		if len(f) > 7 && f[7] != "*" && (f[4] == "Compound" || f[4] == "Inflect") {
			parts = nil
			for _, e := range strings.Split(f[7], "+") {
				x := strings.Split(e, "/")
				if len(x) >= 2 {
					parts = append(parts, morph{x[0], x[1]})
				}
			}
		}
		for _, m := range parts {
			switch m.pos {
			case "NNG", "NNP", "NR", "SN", "VV", "VA", "XR", "SL", "SH", "NNBC", "NNB", "XPN":
				out = append(out, m)
			}
		}
	}
	// Counters and the prefix 제 count only next to a number.
	var keep []morph
	for i, m := range out {
		if (m.pos == "NNBC" || m.pos == "NNB") && (i == 0 || out[i-1].pos != "SN") {
			continue
		}
		if m.pos == "NNB" {
			m.pos = "NNBC"
		}
		if m.pos == "XPN" && (i+1 >= len(out) || out[i+1].pos != "SN") {
			continue
		}
		keep = append(keep, m)
	}
	return keep
}

func key(m morph) string {
	p := m.pos
	if p == "VV" || p == "VA" {
		p = "V"
	}
	if p == "NNBC" {
		p = "C" // a counter after a number: 18세 is not the tax 세
	} else if strings.HasPrefix(p, "NN") {
		p = "N"
	}
	return m.surface + "/" + p
}

func keys(ms []morph) []string {
	var out []string
	for _, m := range ms {
		out = append(out, key(m))
	}
	return out
}

func adjacent(seq, want []string) bool {
	for i := 0; i+len(want) <= len(seq); i++ {
		if slices.Equal(seq[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

type passage struct {
	id  string
	seq []string
}

func matchWord(p passage, w string, quoted bool) bool {
	ms := content(w)
	if len(ms) == 0 {
		return false
	}
	want := keys(ms)
	hasNum := false
	for _, m := range ms {
		hasNum = hasNum || m.pos == "SN"
	}
	if quoted || hasNum {
		return adjacent(p.seq, want)
	}
	for _, k := range want {
		if !slices.Contains(p.seq, k) {
			return false
		}
	}
	return true
}

type lexeme struct {
	s      string
	quoted bool
}

func lex(q string) []lexeme {
	var out []lexeme
	for q = strings.TrimSpace(q); q != ""; q = strings.TrimSpace(q) {
		if q[0] == '"' {
			j := strings.IndexByte(q[1:], '"')
			if j < 0 {
				j = len(q) - 1
			}
			out = append(out, lexeme{q[1 : j+1], true})
			q = q[min(len(q), j+2):]
			continue
		}
		j := strings.IndexAny(q, " \"")
		if j < 0 {
			j = len(q)
		}
		out = append(out, lexeme{q[:j], false})
		q = q[j:]
	}
	return out
}

func relevant(p passage, q string) bool {
	var clauses [][]lexeme
	var nots []lexeme
	or, neg := false, false
	for _, l := range lex(q) {
		if !l.quoted {
			switch l.s {
			case "OR":
				or = true
				continue
			case "AND", "NEAR":
				continue
			case "NOT":
				neg = true
				continue
			}
			if strings.HasPrefix(l.s, "-") {
				neg, l.s = true, l.s[1:]
			}
		}
		switch {
		case neg:
			nots = append(nots, l)
		case or && len(clauses) > 0:
			clauses[len(clauses)-1] = append(clauses[len(clauses)-1], l)
		default:
			clauses = append(clauses, []lexeme{l})
		}
		or, neg = false, false
	}
	for _, c := range clauses {
		ok := false
		for _, l := range c {
			ok = ok || matchWord(p, l.s, l.quoted)
		}
		if !ok {
			return false
		}
	}
	for _, l := range nots {
		if matchWord(p, l.s, l.quoted) {
			return false
		}
	}
	return len(clauses) > 0
}

func lines(path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, strings.Split(l, "\t"))
		}
	}
	return out
}

func main() {
	var err error
	if tk, err = tokenizer.New(ko.Dict(), tokenizer.OmitBosEos()); err != nil {
		panic(err)
	}
	var ps []passage
	for _, l := range lines(os.Args[1]) {
		ps = append(ps, passage{l[0], keys(content(l[1]))})
	}
	fmt.Println("# Judged queries for `pnyx bench search-quality`: class<TAB>query<TAB>intended<TAB>relevant passage ids (comma-separated).")
	fmt.Println("# class: 1 particles, 2 verb/adjective endings, 3 solid vs spaced, 4 one syllable, 5 numbers, 6 operators, 7 typos.")
	fmt.Println("# intended: what a typo meant (its relevance is that of the intended query), else \"-\".")
	fmt.Println("# Written by testdata/search/judge (mecab-ko-dic through kagome), not by pnyx's analyzer; read by hand.")
	for _, l := range lines(os.Args[2]) {
		q := l[1]
		if l[2] != "-" {
			q = l[2]
		}
		var rel []string
		for _, p := range ps {
			if relevant(p, q) {
				rel = append(rel, p.id)
			}
		}
		fmt.Printf("%s\t%s\t%s\t%s\n", l[0], l[1], l[2], strings.Join(rel, ","))
	}
	if len(os.Args) > 3 {
		for _, s := range os.Args[3:] {
			fmt.Fprintln(os.Stderr, s, keys(content(s)))
		}
	}
}
