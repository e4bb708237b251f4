package bench

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/modules/petition"
)

// SearchQualityOptions shape `pnyx bench search-quality`.
type SearchQualityOptions struct {
	Passages string // id<TAB>text per line ('#' comments)
	Queries  string // class<TAB>query<TAB>intended<TAB>relevant ids per line
	Verbose  bool   // print every query, not only those that miss
}

// qualityQuery is one judged query.
type qualityQuery struct {
	class, text, intended string
	relevant              []string
}

func tsvLines(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, strings.Split(l, "\t"))
	}
	return out, sc.Err()
}

// SearchQuality indexes the passages as comments on one petition, runs the
// judged queries the way a member would (ranked by relevance; when a query
// finds nothing, following its "did you mean" if there is one) and reports
// recall over all results, precision of the first page of 10, and the
// queries that still find nothing. The last line is
//
//	queries=N recall=R p_at_10=P zero_result=Z
//
// recall is over all relevant passages of all queries (micro-averaged);
// p_at_10 is the mean, over queries that return something, of the share of
// relevant passages among the first min(10, returned); zero_result counts
// queries with relevant passages that return nothing even after the
// suggestion.
func SearchQuality(out io.Writer, o SearchQualityOptions) error {
	ps, err := tsvLines(o.Passages)
	if err != nil {
		return err
	}
	qs, err := tsvLines(o.Queries)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "pnyx-search-quality-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	x, err := index.Open(filepath.Join(dir, "index.sqlite"))
	if err != nil {
		return err
	}
	defer x.Close()

	txs := []index.Tx{benchTx(petition.TypeCreate, petition.CreateBody{ID: "eval", Chapter: "hq", Category: "eval", Title: "eval", Body: "eval"}, 0,
		benchEvent("petition.created", "id", "eval", "state", petition.Collecting, "author", "m0", "scope", "hq"))}
	for i, p := range ps {
		if len(p) < 2 {
			return fmt.Errorf("%s: passage line %d has no text", o.Passages, i+1)
		}
		h := sha256.Sum256([]byte(p[0]))
		txs = append(txs, benchTx(petition.TypeComment, petition.CommentBody{ID: p[0], Petition: "eval", Stance: petition.Neutral, Body: p[1]}, i+1,
			benchEvent("comment.posted", "id", p[0], "petition", "eval", "author", fmt.Sprintf("m%x", h[:4]), "depth", "1", "on_answer", "false")))
	}
	if err := x.Apply(1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), txs); err != nil {
		return err
	}

	var queries []qualityQuery
	for i, q := range qs {
		if len(q) < 3 {
			return fmt.Errorf("%s: query line %d needs class, query, intended, relevant", o.Queries, i+1)
		}
		qq := qualityQuery{class: q[0], text: q[1], intended: q[2]}
		if len(q) > 3 && q[3] != "" {
			qq.relevant = strings.Split(q[3], ",")
		}
		queries = append(queries, qq)
	}

	type agg struct {
		rel, found, n, zero, pN int
		p                       float64
	}
	total := agg{}
	byClass := map[string]*agg{}
	suggested := 0
	for _, q := range queries {
		hits, _, err := x.SearchComments(index.Query{Text: q.text, Petition: "eval", Sort: "relevance", Limit: index.MaxLimit})
		if err != nil {
			return fmt.Errorf("query %q: %w", q.text, err)
		}
		via := ""
		if len(hits) == 0 {
			if s := x.Suggest(q.text); s != "" {
				suggested++
				via = s
				if hits, _, err = x.SearchComments(index.Query{Text: s, Petition: "eval", Sort: "relevance", Limit: index.MaxLimit}); err != nil {
					return fmt.Errorf("query %q: %w", s, err)
				}
			}
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.ID)
		}
		found := 0
		for _, id := range q.relevant {
			if slices.Contains(got, id) {
				found++
			}
		}
		page := got[:min(10, len(got))]
		good := 0
		for _, id := range page {
			if slices.Contains(q.relevant, id) {
				good++
			}
		}
		a := byClass[q.class]
		if a == nil {
			a = &agg{}
			byClass[q.class] = a
		}
		for _, a := range []*agg{a, &total} {
			a.n++
			a.rel += len(q.relevant)
			a.found += found
			if len(page) > 0 {
				a.pN++
				a.p += float64(good) / float64(len(page))
			}
			if len(got) == 0 && len(q.relevant) > 0 {
				a.zero++
			}
		}
		if o.Verbose || found < len(q.relevant) || good < len(page) {
			line := fmt.Sprintf("  class %s %-24q found %d/%d, first page %d/%d", q.class, q.text, found, len(q.relevant), good, len(page))
			if via != "" {
				line += fmt.Sprintf(" (via did-you-mean %q)", via)
			}
			var missed, wrong []string
			for _, id := range q.relevant {
				if !slices.Contains(got, id) {
					missed = append(missed, id)
				}
			}
			for _, id := range page {
				if !slices.Contains(q.relevant, id) {
					wrong = append(wrong, id)
				}
			}
			if len(missed) > 0 {
				line += " missed " + strings.Join(missed, ",")
			}
			if len(wrong) > 0 {
				line += " not relevant " + strings.Join(wrong, ",")
			}
			fmt.Fprintln(out, line)
		}
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 1
		}
		return float64(a) / float64(b)
	}
	pat := func(a *agg) float64 {
		if a.pN == 0 {
			return 0
		}
		return a.p / float64(a.pN)
	}
	classes := make([]string, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	fmt.Fprintf(out, "%d passages, %d queries, %d answered through did-you-mean\n", len(ps), len(queries), suggested)
	for _, c := range classes {
		a := byClass[c]
		fmt.Fprintf(out, "class %s: queries=%d recall=%.3f p_at_10=%.3f zero_result=%d\n", c, a.n, ratio(a.found, a.rel), pat(a), a.zero)
	}
	fmt.Fprintf(out, "queries=%d recall=%.3f p_at_10=%.3f zero_result=%d\n", total.n, ratio(total.found, total.rel), pat(&total), total.zero)
	return nil
}
