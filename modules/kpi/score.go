package kpi

import (
	"sort"

	"github.com/pnyx-party/pnyx/codes"

	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// Line is one rule of a scorecard as evaluated for a subject.
type Line struct {
	Rule        string `json:"rule"`
	Aggregation string `json:"aggregation"`
	Value       int64  `json:"value"`
	Target      int64  `json:"target"`
	ScoreBP     int64  `json:"score_bp"`
	WeightBP    int64  `json:"weight_bp"`
	// Applicable is false for a subject outside the rule's scope; Voided
	// for a rule an appeal voided for this subject. Neither counts, and
	// the score is over the weights that do.
	Applicable bool `json:"applicable"`
	Voided     bool `json:"voided,omitempty"`
	// Insufficient: a ratio whose denominator is under its minimum.
	Insufficient bool  `json:"insufficient,omitempty"`
	Denominator  int64 `json:"denominator,omitempty"`
	// ToNext is what the value lacks for the next band (or the target).
	ToNext int64 `json:"to_next"`
}

// maxStreak bounds how far back a streak looks.
const maxStreak = 12

// subjectInfo is what scope checks need about a subject.
type subjectInfo struct {
	chapter string
	class   string
	level   string
}

func infoOf(kv store.Reader, kind, subj string) subjectInfo {
	if kind == SubjectMember {
		m, _ := members.Get(kv, subj)
		return subjectInfo{chapter: m.Chapter, class: string(m.Class)}
	}
	c, _ := org.GetChapter(kv, subj)
	return subjectInfo{chapter: subj, level: c.Level}
}

func applies(kv store.Reader, r Rule, kind, subj string, in subjectInfo) bool {
	s := r.Scope
	if s.Chapter != "" && !org.Covers(kv, s.Chapter, in.chapter) {
		return false
	}
	if s.Class != "" && s.Class != in.class {
		return false
	}
	if s.Level != "" && s.Level != in.level {
		return false
	}
	if s.Role != "" {
		held := false
		for _, g := range org.GrantsOf(kv, subj) {
			held = held || string(g.Role) == s.Role
		}
		if !held {
			return false
		}
	}
	return true
}

// value computes a rule's value for a subject in a period from its tally.
func value(kv store.Reader, r Rule, kind string, span Span, subj string, t Tally) (v, den int64, insufficient bool) {
	c := t.C[r.ID]
	switch r.Aggregation {
	case AggYesNo:
		if c > 0 {
			return 1, 0, false
		}
		return 0, 0, false
	case AggRatio:
		den = t.D[r.ID]
		min := r.MinDenom
		if min < 1 {
			min = 1
		}
		if den < min {
			return 0, den, true
		}
		return c * 10000 / den, den, false
	case AggStreak:
		if c == 0 {
			return 0, 0, false
		}
		n := int64(1)
		for p, i := span.Prev(), 1; i < maxStreak && GetTally(kv, kind, p.ID, subj).C[r.ID] > 0; p, i = p.Prev(), i+1 {
			n++
		}
		return n, 0, false
	}
	if len(r.Facts) == 1 && r.Facts[0] == "recruit_retained" {
		return retained(kv, subj, span, r.Months), 0, false
	}
	if len(r.Facts) == 1 && r.Facts[0] == "mandate_days" {
		return MandateDays(GetMandates(kv, subj), span), 0, false
	}
	return c, 0, false
}

// retained counts the chapter's recruits whose M-month anniversary falls in
// the period and who had not left by then: joiners of each cohort month
// minus those who left within M months.
func retained(kv store.Reader, ch string, span Span, months int) int64 {
	var n int64
	for mi := monthIndex(span.Start) - months; mi < monthIndex(span.End-1)-months+1; mi++ {
		j := getInt(kv, cohortJoinKey(ch, mi))
		if j == 0 {
			continue
		}
		for k := 0; k < months; k++ {
			j -= getInt(kv, cohortDropKey(ch, mi, k))
		}
		n += j
	}
	return n
}

// score maps a value to basis points.
func score(r Rule, v int64) (bp, toNext int64) {
	if r.Scoring == ScoreBands {
		for i := len(r.Bands) - 1; i >= 0; i-- {
			if v >= r.Bands[i].Min {
				if i+1 < len(r.Bands) {
					toNext = r.Bands[i+1].Min - v
				}
				return r.Bands[i].ScoreBP, toNext
			}
		}
		return 0, r.Bands[0].Min - v
	}
	if v >= r.Target {
		return 10000, 0
	}
	if v < 0 {
		v = 0
	}
	return v * 10000 / r.Target, r.Target - v
}

// Evaluate computes a subject's score on a scorecard for a period from its
// tally: Σ score×weight over the rules that count, divided by their
// weights, in basis points.
func Evaluate(kv store.Reader, sc Scorecard, kind string, span Span, subj string) (int64, []Line) {
	return evaluate(kv, sc, kind, span, subj, GetTally(kv, kind, span.ID, subj))
}

func evaluate(kv store.Reader, sc Scorecard, kind string, span Span, subj string, t Tally) (int64, []Line) {
	// The subject's record is read only if a rule has a scope: most score
	// every member alike, and this runs for every fact.
	var in *subjectInfo
	lines := make([]Line, 0, len(sc.Rules))
	var num, den int64
	for _, r := range sc.Rules {
		l := Line{Rule: r.ID, Aggregation: r.Aggregation, Target: r.Target, WeightBP: r.WeightBP}
		l.Applicable = true
		if r.Scope != (Scope{}) {
			if in == nil {
				x := infoOf(kv, kind, subj)
				in = &x
			}
			l.Applicable = applies(kv, r, kind, subj, *in)
		}
		_, l.Voided = t.Void[r.ID]
		l.Value, l.Denominator, l.Insufficient = value(kv, r, kind, span, subj, t)
		l.ScoreBP, l.ToNext = score(r, l.Value)
		if l.Applicable && !l.Voided {
			num += l.ScoreBP * r.WeightBP
			den += r.WeightBP
		}
		lines = append(lines, l)
	}
	if den == 0 {
		return 0, lines
	}
	return num / den, lines
}

// heaviest is the contribution of the scorecard's heaviest rule (the first
// of equal weight), the first tie-break of a ranking.
func heaviest(sc Scorecard, lines []Line) int64 {
	best := -1
	for i, r := range sc.Rules {
		if best < 0 || r.WeightBP > sc.Rules[best].WeightBP {
			best = i
		}
	}
	l := lines[best]
	if !l.Applicable || l.Voided {
		return 0
	}
	return l.ScoreBP * l.WeightBP / 10000
}

// Rank computes a chapter scorecard's ranking for a period from the
// counters: every chapter of the scorecard's level (every chapter when it
// names none), ordered by TieBreak, with the relative bands marked against
// the previous period's stored ranking.
func Rank(kv store.Reader, v Version, sc Scorecard, span Span) []RankEntry {
	var out []RankEntry
	for _, c := range org.Subtree(kv, org.Root(kv)) {
		if sc.Level != "" && c.Level != sc.Level {
			continue
		}
		total, lines := Evaluate(kv, sc, SubjectChapter, span, c.ID)
		out = append(out, RankEntry{Chapter: c.ID, ScoreBP: total, Heaviest: heaviest(sc, lines)})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.ScoreBP != b.ScoreBP {
			return a.ScoreBP > b.ScoreBP
		}
		if a.Heaviest != b.Heaviest {
			return a.Heaviest > b.Heaviest
		}
		return a.Chapter < b.Chapter
	})
	prev := map[string]int{}
	if pr, ok := GetRanking(kv, span.Prev().ID, sc.ID); ok {
		for _, e := range pr.Entries {
			prev[e.Chapter] = e.BottomRun
		}
	}
	bottom := 0
	if sc.Relative != nil {
		bottom = int(int64(len(out)) * sc.Relative.BottomBP / 10000)
	}
	for i := range out {
		out[i].Rank = i + 1
		if sc.Relative != nil && i >= len(out)-bottom {
			out[i].Bottom = true
			out[i].BottomRun = prev[out[i].Chapter] + 1
			out[i].Flagged = out[i].BottomRun >= sc.Relative.Consecutive
		}
	}
	return out
}

// Bucket is one published histogram bucket: members whose score is in
// [FromBP, ToBP].
type Bucket struct {
	FromBP  int64 `json:"from_bp"`
	ToBP    int64 `json:"to_bp"`
	Members int64 `json:"members"`
}

// MinBucket is the fewest members a published bucket holds.
const MinBucket = 10

func bucketOf(score int64) int {
	b := int(score / 1000)
	if b > 9 {
		b = 9
	}
	return b
}

// Histogram is a chapter's distribution of member scores on a scorecard, in
// tenths merged upward until every bucket holds at least MinBucket members
// (a short last bucket joins the one before); nothing when the chapter has
// fewer. Members without any fact count in the lowest tenth.
func Histogram(kv store.Reader, p, sc, ch string) []Bucket {
	var raw [10]int64
	var tracked int64
	for b := 0; b < 10; b++ {
		raw[b] = getInt(kv, histKey(p, sc, ch, b))
		tracked += raw[b]
	}
	if rest := int64(members.ActiveCount(kv, ch, "")) - tracked; rest > 0 {
		raw[0] += rest
	}
	out := []Bucket{}
	cur := Bucket{FromBP: 0}
	for b := 0; b < 10; b++ {
		cur.Members += raw[b]
		cur.ToBP = int64(b+1)*1000 - 1
		if b == 9 {
			cur.ToBP = 10000
		}
		if cur.Members >= MinBucket {
			out = append(out, cur)
			cur = Bucket{FromBP: int64(b+1) * 1000}
		}
	}
	if cur.Members > 0 {
		if len(out) == 0 {
			return []Bucket{}
		}
		out[len(out)-1].Members += cur.Members
		out[len(out)-1].ToBP = 10000
	} else if len(out) > 0 {
		out[len(out)-1].ToBP = 10000
	}
	return out
}

// RuleCard is one rule of a served scorecard with the facts behind it.
type RuleCard struct {
	Line
	Facts []Fact `json:"facts"`
}

// Past is a subject's score in an earlier period.
type Past struct {
	Period  string `json:"period"`
	ScoreBP int64  `json:"score_bp"`
}

// Card is a scorecard as served: per rule the value, target, score, weight,
// what is missing for the next band and the counted facts with their
// attestors; the pending and retracted facts; past periods.
type Card struct {
	Period    string     `json:"period"`
	Scorecard string     `json:"scorecard"`
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Version   int        `json:"version"`
	State     string     `json:"state"`
	ScoreBP   int64      `json:"score_bp"`
	Reward    uint64     `json:"reward"`
	Rules     []RuleCard `json:"rules"`
	Pending   []Fact     `json:"pending"`
	Retracted []Fact     `json:"retracted"`
	Past      []Past     `json:"past"`
	Claim     *Claim     `json:"claim,omitempty"`
	// Errata correct a final period without rewriting it.
	Errata []Erratum `json:"errata"`
}

// pastPeriods is how many earlier periods a card shows.
const pastPeriods = 4

// MakeCard computes a subject's card for a period at Unix time now.
func MakeCard(kv store.Reader, period, scorecard, subj string, now int64) (Card, error) {
	s, v, err := ForPeriod(kv, period)
	if err != nil {
		return Card{}, err
	}
	sc, ok := v.RuleSet.scorecard(scorecard)
	if !ok {
		return Card{}, codes.NotFound.Errorf("scorecard %q is not in rule set version %d", scorecard, v.Version)
	}
	total, lines := Evaluate(kv, sc, sc.Subject, s, subj)
	c := Card{Period: s.ID, Scorecard: sc.ID, Kind: sc.Subject, Subject: subj, Version: v.Version,
		State: State(s, v.RuleSet, GetPeriod(kv, s.ID), now), ScoreBP: total, Reward: RewardOf(sc, total),
		Pending: []Fact{}, Retracted: []Fact{}, Past: []Past{}}
	facts := Facts(kv, sc.Subject, subj, s.ID)
	for i, r := range sc.Rules {
		rc := RuleCard{Line: lines[i], Facts: []Fact{}}
		for _, f := range facts {
			if f.Status == FactCounted && (contains(r.Facts, f.Type) || contains(r.Denominator, f.Type)) {
				rc.Facts = append(rc.Facts, f)
			}
		}
		c.Rules = append(c.Rules, rc)
	}
	for _, f := range facts {
		switch f.Status {
		case FactPending:
			c.Pending = append(c.Pending, f)
		case FactRetracted:
			c.Retracted = append(c.Retracted, f)
		}
	}
	for p, i := s.Prev(), 0; i < pastPeriods; p, i = p.Prev(), i+1 {
		ps, pv, err := ForPeriod(kv, p.ID)
		if err != nil {
			break
		}
		psc, ok := pv.RuleSet.scorecard(scorecard)
		if !ok {
			break
		}
		t, _ := Evaluate(kv, psc, psc.Subject, ps, subj)
		c.Past = append(c.Past, Past{Period: ps.ID, ScoreBP: t})
	}
	c.Errata = Errata(kv, sc.Subject, subj, s.ID)
	if cl, ok := GetClaim(kv, s.ID, subj); ok && sc.Subject == SubjectMember {
		c.Claim = &cl
	}
	return c, nil
}
