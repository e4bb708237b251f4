package kpi

import (
	"fmt"
	"sort"

	"github.com/pnyx-party/pnyx/codes"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
)

// A scorecard certificate is a served card with a state proof of every
// record its score was computed from (the rule set version, the subject's
// tallies, the member or chapter record, the chapters above it, the
// recruit cohorts — and the absence of those that do not exist). A verifier
// holding the proof recomputes the score with the same code, reading only
// proven records, and compares it with the card: `pnyx verify kpi`.

// recorder is a Reader that notes every key read.
type recorder struct {
	r       store.Reader
	keys    map[string]bool
	iterate bool
}

func (x *recorder) Get(k []byte) []byte {
	x.keys[string(k)] = true
	return x.r.Get(k)
}

func (x *recorder) Iterate(prefix []byte, fn func(k, v []byte) bool) {
	x.iterate = true
	x.r.Iterate(prefix, fn)
}

// ScoreInputs lists the store keys a subject's score on a scorecard for a
// period is computed from, sorted, for a proof. A rule scoped by role reads
// the subject's grants by range, which a proof of single keys cannot show
// complete; such a score is refused.
func ScoreInputs(kv store.Reader, period, scorecard, subj string) ([][]byte, error) {
	x := &recorder{r: kv, keys: map[string]bool{}}
	if _, err := recompute(x, period, scorecard, subj); err != nil {
		return nil, err
	}
	if x.iterate {
		return nil, codes.InvalidArgument.Errorf("scorecard %s reads a range (a rule scoped by role); its score cannot be certified key by key", scorecard)
	}
	out := make([][]byte, 0, len(x.keys))
	for k := range x.keys {
		out = append(out, []byte(k))
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i]) < string(out[j]) })
	return out, nil
}

// Recomputed is a score recomputed from proven records.
type Recomputed struct {
	ScoreBP int64  `json:"score_bp"`
	Lines   []Line `json:"rules"`
}

func recompute(kv store.Reader, period, scorecard, subj string) (Recomputed, error) {
	s, v, err := ForPeriod(kv, period)
	if err != nil {
		return Recomputed{}, err
	}
	sc, ok := v.RuleSet.scorecard(scorecard)
	if !ok {
		return Recomputed{}, codes.NotFound.Errorf("scorecard %q is not in rule set version %d", scorecard, v.Version)
	}
	total, lines := Evaluate(kv, sc, sc.Subject, s, subj)
	return Recomputed{ScoreBP: total, Lines: lines}, nil
}

// proven is a Reader over proven records only: a key the proof does not
// cover is an error, not an absence.
type proven struct {
	vals    map[string][]byte
	missing []string
}

func (p *proven) Get(k []byte) []byte {
	v, ok := p.vals[string(k)]
	if !ok {
		p.missing = append(p.missing, string(k))
	}
	return v
}

func (p *proven) Iterate(prefix []byte, _ func(k, v []byte) bool) {
	p.missing = append(p.missing, string(prefix)+"…")
}

// VerifyCard recomputes a card's score from proven records (key → value,
// nil for a proven absence) and checks it against the card: the total and
// every rule's value, score, weight and standing. The proof itself (its
// Merkle paths and the validators' signatures) is checked by package proof
// before.
func VerifyCard(records map[string][]byte, c Card) error {
	p := &proven{vals: records}
	got, err := recompute(p, c.Period, c.Scorecard, c.Subject)
	if len(p.missing) > 0 {
		return fmt.Errorf("the proof does not cover %d record(s) the score depends on, first %q", len(p.missing), p.missing[0])
	}
	if err != nil {
		return err
	}
	if got.ScoreBP != c.ScoreBP {
		return fmt.Errorf("the card says %d bp, the proven records give %d bp", c.ScoreBP, got.ScoreBP)
	}
	if len(got.Lines) != len(c.Rules) {
		return fmt.Errorf("the card lists %d rules, the rule set %d", len(c.Rules), len(got.Lines))
	}
	for i, l := range got.Lines {
		if l != c.Rules[i].Line {
			return fmt.Errorf("rule %s: the card says %+v, the proven records give %+v", l.Rule, c.Rules[i].Line, l)
		}
	}
	return nil
}
