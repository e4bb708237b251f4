package index

import (
	"math"
	"sort"
	"strings"
)

// rankBM25 returns the order (indices into bodies, which come newest first)
// of Okapi BM25 scores of the query's tokens, with document frequencies
// taken within these bodies: relevance is ranked within the scope's newest
// RelevanceWindow matches, so its cost is bounded whatever the size of the
// scope. (FTS5's own bm25 needs each term's frequency over the whole table,
// which for a common word means reading its entire doclist: ~160 ms at a
// million comments.) Ties keep the newest first. Floats are fine here: the
// index is outside consensus.
func rankBM25(bodies []string, query []string) []int {
	terms := map[string]int{} // term -> slot
	for _, t := range query {
		t = stemLite(t)
		if _, ok := terms[t]; !ok {
			terms[t] = len(terms)
		}
	}
	const k1, b = 1.2, 0.75
	nt := len(terms)
	tf := make([]int, len(bodies)*nt)
	lens := make([]int, len(bodies))
	df := make([]int, nt)
	total := 0
	var an analyzer
	for i, body := range bodies {
		row := tf[i*nt : (i+1)*nt]
		an.run(body, func(tok string) {
			lens[i]++
			if slot, ok := terms[stemLite(tok)]; ok {
				if row[slot] == 0 {
					df[slot]++
				}
				row[slot]++
			}
		})
		total += lens[i]
	}
	order := make([]int, len(bodies))
	for i := range order {
		order[i] = i
	}
	if len(bodies) == 0 || nt == 0 {
		return order
	}
	avg := float64(total) / float64(len(bodies))
	n := float64(len(bodies))
	score := make([]float64, len(bodies))
	for i := range bodies {
		for slot := 0; slot < nt; slot++ {
			f := float64(tf[i*nt+slot])
			if f == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(df[slot])+0.5)/(float64(df[slot])+0.5))
			score[i] += idf * f * (k1 + 1) / (f + k1*(1-b+b*float64(lens[i])/avg))
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] > score[order[b]] })
	return order
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
