package index

import (
	"math"
	"sort"
	"strings"
)

// rankBM25 orders comments (newest first on entry) by Okapi BM25 of the
// query's tokens, with document frequencies taken within these comments:
// relevance is ranked within the scope's newest RelevanceWindow matches, so
// its cost is bounded whatever the size of the scope. (FTS5's own bm25 needs
// each term's frequency over the whole table, which for a common word means
// reading its entire doclist: ~160 ms at a million comments.) Ties keep the
// newest first. Floats are fine here: the index is outside consensus.
func rankBM25(cs []Comment, query string) {
	terms := map[string]bool{}
	for _, t := range Tokens(query) {
		terms[stemLite(t)] = true
	}
	const k1, b = 1.2, 0.75
	type doc struct {
		tf  map[string]int
		len int
	}
	docs := make([]doc, len(cs))
	df := map[string]int{}
	total := 0
	for i, c := range cs {
		d := doc{tf: map[string]int{}}
		for _, t := range Tokens(c.Body) {
			d.len++
			if t = stemLite(t); terms[t] {
				if d.tf[t] == 0 {
					df[t]++
				}
				d.tf[t]++
			}
		}
		docs[i] = d
		total += d.len
	}
	if len(cs) == 0 {
		return
	}
	avg := float64(total) / float64(len(cs))
	n := float64(len(cs))
	score := make([]float64, len(cs))
	for i, d := range docs {
		for t, f := range d.tf {
			idf := math.Log(1 + (n-float64(df[t])+0.5)/(float64(df[t])+0.5))
			tf := float64(f)
			score[i] += idf * tf * (k1 + 1) / (tf + k1*(1-b+b*float64(d.len)/avg))
		}
	}
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	sorted := make([]Comment, len(cs))
	for i, j := range idx {
		sorted[i] = cs[j]
	}
	copy(cs, sorted)
}

// stemLite folds common English plural endings (policies → policy, taxes →
// tax, members → member), roughly as the porter stemmer in the FTS table
// does, so a ranked word counts its plural.
func stemLite(t string) string {
	if len(t) < 4 || t[0] >= 0x80 {
		return t
	}
	switch {
	case strings.HasSuffix(t, "ies"):
		return t[:len(t)-3] + "y"
	case strings.HasSuffix(t, "ses"), strings.HasSuffix(t, "xes"), strings.HasSuffix(t, "ches"), strings.HasSuffix(t, "shes"):
		return t[:len(t)-2]
	case strings.HasSuffix(t, "ss"):
		return t
	case strings.HasSuffix(t, "s"):
		return t[:len(t)-1]
	}
	return t
}
