package kpi

import (
	"strconv"
	"strings"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// checkFactType refuses a fact type no rule may count, then unknown ones.
func checkFactType(t string) (FactType, error) {
	for _, w := range forbiddenWords {
		if strings.Contains(t, w) {
			return FactType{}, CodeForbiddenFact.Errorf("fact type %q may never be counted: votes and credential requests (secret ballot), petition agreements (political opinion, sensitive data under PIPA) and comment counts (they reward spam) are outside every KPI", t)
		}
	}
	ft, ok := FactTypes[t]
	if !ok {
		return ft, codes.InvalidArgument.Errorf("fact type %q is unknown", t)
	}
	return ft, nil
}

// Validate checks a rule set on its own: names, weights, aggregations,
// scorings, the forbidden facts.
func (rs RuleSet) Validate() error {
	if err := checkID(rs.ID, "rule set ID"); err != nil {
		return err
	}
	if err := oneOf(rs.Period, "period", periodKinds); err != nil {
		return err
	}
	eff, err := ParsePeriod(rs.EffectiveFrom)
	if err != nil {
		return err
	}
	if eff.Kind != rs.Period {
		return codes.InvalidArgument.Errorf("effective_from %s is a %s, the rule set counts by %s", rs.EffectiveFrom, eff.Kind, rs.Period)
	}
	if rs.GraceDays < 0 || rs.GraceDays > 60 || rs.AppealDays < 1 || rs.AppealDays > 60 {
		return codes.InvalidArgument.Errorf("grace_days must be 0-60 and appeal_days 1-60")
	}
	if err := checkID(rs.AppealsBody, "appeals_body"); err != nil {
		return err
	}
	if len(rs.Scorecards) == 0 || len(rs.Scorecards) > 8 {
		return codes.InvalidArgument.Errorf("a rule set has 1-8 scorecards")
	}
	seen := map[string]bool{}
	for _, sc := range rs.Scorecards {
		if err := checkID(sc.ID, "scorecard ID"); err != nil {
			return err
		}
		if seen["sc:"+sc.ID] {
			return codes.InvalidArgument.Errorf("scorecard %s appears twice", sc.ID)
		}
		seen["sc:"+sc.ID] = true
		if err := sc.validate(seen); err != nil {
			return err
		}
	}
	return nil
}

func (sc Scorecard) validate(seen map[string]bool) error {
	if err := oneOf(sc.Subject, "subject", []string{SubjectMember, SubjectChapter}); err != nil {
		return err
	}
	if sc.Level != "" && (sc.Subject != SubjectChapter || (sc.Level != org.LevelMetropolitan && sc.Level != org.LevelConstituency)) {
		return codes.InvalidArgument.Errorf("scorecard %s: level ranks chapters, and is metropolitan or constituency", sc.ID)
	}
	if sc.SecondAttestorAboveBP < 0 || sc.SecondAttestorAboveBP > 10000 {
		return codes.InvalidArgument.Errorf("scorecard %s: second_attestor_above_bp must be 0-10000", sc.ID)
	}
	if len(sc.Rules) == 0 || len(sc.Rules) > 20 {
		return codes.InvalidArgument.Errorf("scorecard %s has 1-20 rules", sc.ID)
	}
	var sum int64
	for _, r := range sc.Rules {
		if err := r.validate(sc); err != nil {
			return err
		}
		if seen["r:"+r.ID] {
			return codes.InvalidArgument.Errorf("rule %s appears twice in the rule set", r.ID)
		}
		seen["r:"+r.ID] = true
		sum += r.WeightBP
	}
	if sum != 10000 {
		return CodeWeights.Errorf("scorecard %s: weights sum to %d bp, not 10000", sc.ID, sum)
	}
	if sc.Subject == SubjectChapter && len(sc.Rewards) > 0 {
		return codes.InvalidArgument.Errorf("scorecard %s: chapters hold no points; rewards are for member scorecards", sc.ID)
	}
	for i, rw := range sc.Rewards {
		if rw.MinScoreBP < 1 || rw.MinScoreBP > 10000 || rw.Points < 1 || rw.Points > MaxRewardPoints {
			return codes.InvalidArgument.Errorf("scorecard %s reward %d: min_score_bp 1-10000, points 1-%d", sc.ID, i+1, MaxRewardPoints)
		}
		if i > 0 && (rw.MinScoreBP <= sc.Rewards[i-1].MinScoreBP || rw.Points < sc.Rewards[i-1].Points) {
			return codes.InvalidArgument.Errorf("scorecard %s: reward bands rise in min_score_bp and do not fall in points", sc.ID)
		}
	}
	if sc.Relative != nil {
		if sc.Subject != SubjectChapter {
			return codes.InvalidArgument.Errorf("scorecard %s: relative bands apply to chapters only; no member is ranked", sc.ID)
		}
		if sc.Relative.BottomBP < 1 || sc.Relative.BottomBP > 5000 || sc.Relative.Consecutive < 1 || sc.Relative.Consecutive > 12 {
			return codes.InvalidArgument.Errorf("scorecard %s: relative bottom_bp 1-5000, consecutive 1-12", sc.ID)
		}
	}
	return nil
}

func (r Rule) validate(sc Scorecard) error {
	if err := checkID(r.ID, "rule ID"); err != nil {
		return err
	}
	if len(r.Facts) == 0 || len(r.Facts) > 8 || len(r.Denominator) > 8 {
		return codes.InvalidArgument.Errorf("rule %s counts 1-8 fact types (and at most 8 in its denominator)", r.ID)
	}
	derived := false
	for _, t := range append(append([]string{}, r.Facts...), r.Denominator...) {
		ft, err := checkFactType(t)
		if err != nil {
			return err
		}
		if ft.Subject != sc.Subject {
			return codes.InvalidArgument.Errorf("rule %s: fact type %s is about a %s, scorecard %s scores a %s", r.ID, t, ft.Subject, sc.ID, sc.Subject)
		}
		derived = derived || ft.Source == SourceDerived
	}
	if err := oneOf(r.Aggregation, "aggregation", aggregations); err != nil {
		return err
	}
	if derived {
		if len(r.Facts) != 1 || len(r.Denominator) != 0 || (r.Aggregation != AggSum && r.Aggregation != AggCount) {
			return codes.InvalidArgument.Errorf("rule %s: %s is computed, not posted: it stands alone, aggregated by count or sum", r.ID, r.Facts[0])
		}
		if (r.Facts[0] == "recruit_retained") != (r.Months >= 1 && r.Months <= 24) {
			return codes.InvalidArgument.Errorf("rule %s: recruit_retained, and only it, takes months 1-24", r.ID)
		}
	} else if r.Months != 0 {
		return codes.InvalidArgument.Errorf("rule %s: months applies to recruit_retained only", r.ID)
	}
	if (r.Aggregation == AggRatio) != (len(r.Denominator) > 0) {
		return codes.InvalidArgument.Errorf("rule %s: a ratio, and only a ratio, has a denominator", r.ID)
	}
	if r.MinDenom < 0 || (r.MinDenom > 0 && r.Aggregation != AggRatio) {
		return codes.InvalidArgument.Errorf("rule %s: min_denominator belongs to a ratio and is not negative", r.ID)
	}
	if r.Filter.MinValue < 0 || r.Filter.MaxValue < 0 || (r.Filter.MaxValue != 0 && r.Filter.MaxValue < r.Filter.MinValue) {
		return codes.InvalidArgument.Errorf("rule %s: filter bounds are not negative and max is at least min", r.ID)
	}
	if r.Scope.Class != "" && (sc.Subject != SubjectMember || (r.Scope.Class != string(members.General) && r.Scope.Class != string(members.Responsible))) {
		return codes.InvalidArgument.Errorf("rule %s: scope class is general or responsible, for member scorecards", r.ID)
	}
	if r.Scope.Role != "" && (sc.Subject != SubjectMember || !org.Role(r.Scope.Role).Valid()) {
		return codes.InvalidArgument.Errorf("rule %s: scope role is an org role, for member scorecards", r.ID)
	}
	if r.Scope.Level != "" && (sc.Subject != SubjectChapter || (r.Scope.Level != org.LevelMetropolitan && r.Scope.Level != org.LevelConstituency)) {
		return codes.InvalidArgument.Errorf("rule %s: scope level is metropolitan or constituency, for chapter scorecards", r.ID)
	}
	if r.Scope.Chapter != "" && !org.ValidChapterID(r.Scope.Chapter) {
		return codes.InvalidArgument.Errorf("rule %s: scope chapter %q is not a chapter ID", r.ID, r.Scope.Chapter)
	}
	if r.Target < 1 || r.Target > 1_000_000_000 {
		return codes.InvalidArgument.Errorf("rule %s: target must be 1-1000000000", r.ID)
	}
	if r.Aggregation == AggYesNo && r.Target != 1 {
		return codes.InvalidArgument.Errorf("rule %s: a yes/no rule has target 1", r.ID)
	}
	if r.Aggregation == AggRatio && r.Target > 10000 {
		return codes.InvalidArgument.Errorf("rule %s: a ratio's target is in basis points, at most 10000", r.ID)
	}
	switch r.Scoring {
	case ScoreLinear:
		if len(r.Bands) != 0 {
			return codes.InvalidArgument.Errorf("rule %s: linear scoring takes no bands", r.ID)
		}
	case ScoreBands:
		if len(r.Bands) == 0 || len(r.Bands) > 10 {
			return codes.InvalidArgument.Errorf("rule %s: banded scoring has 1-10 bands", r.ID)
		}
		for i, b := range r.Bands {
			if b.Min < 1 || b.ScoreBP < 0 || b.ScoreBP > 10000 || (i > 0 && (b.Min <= r.Bands[i-1].Min || b.ScoreBP <= r.Bands[i-1].ScoreBP)) {
				return codes.InvalidArgument.Errorf("rule %s: bands rise in min (from 1) and in score_bp (0-10000)", r.ID)
			}
		}
	default:
		return codes.InvalidArgument.Errorf("rule %s: scoring %q is neither linear nor bands", r.ID, r.Scoring)
	}
	if r.WeightBP < 1 || r.WeightBP > 10000 {
		return codes.InvalidArgument.Errorf("rule %s: weight_bp must be 1-10000", r.ID)
	}
	return nil
}

// checkEffective refuses a rule set that would reach back: it takes effect
// from a period that has not begun, no earlier than the last adopted
// version, and on a boundary of the periods counted before it.
func checkEffective(ctx *module.Context, rs RuleSet) (int64, error) {
	eff, _ := ParsePeriod(rs.EffectiveFrom)
	if eff.Start <= ctx.Unix() {
		return 0, CodeRetroactive.Errorf("rule set %s would take effect from %s, which has begun; rules are never retroactive, take effect from a later period", rs.ID, rs.EffectiveFrom)
	}
	vs := Versions(ctx.Store)
	if len(vs) > 0 {
		last := vs[len(vs)-1]
		if eff.Start < last.EffectiveStart {
			return 0, CodeRetroactive.Errorf("rule set %s takes effect from %s, before version %d (from %s)", rs.ID, rs.EffectiveFrom, last.Version, last.RuleSet.EffectiveFrom)
		}
		if PeriodAt(last.RuleSet.Period, eff.Start).Start != eff.Start {
			return 0, codes.InvalidArgument.Errorf("rule set %s starts inside a %s of version %d; start on its boundary", rs.ID, last.RuleSet.Period, last.Version)
		}
	}
	return eff.Start, nil
}

func (k *KPI) propose(ctx *module.Context, b ProposeBody) error {
	if err := k.Org.Authorize(ctx, org.Secretary, org.Root(ctx.Store)); err != nil {
		return err
	}
	rs := b.RuleSet
	if err := rs.Validate(); err != nil {
		return err
	}
	if _, err := checkEffective(ctx, rs); err != nil {
		return err
	}
	if _, exists := GetProposal(ctx.Store, rs.ID); exists {
		return codes.AlreadyExists.Errorf("proposal %s exists; proposals never change, propose under a new ID", rs.ID)
	}
	p := Proposal{RuleSet: rs, Hash: Hash(rs), Proposer: ctx.Caller.MemberID, At: ctx.Unix(), Height: ctx.Height}
	module.Put(ctx.Store, proposalKey(rs.ID), p)
	ctx.Emit("kpi.proposed", "proposal", rs.ID, "effective_from", rs.EffectiveFrom)
	return nil
}

// rootBodies may adopt party-wide rule sets.
var rootBodies = []string{assembly.KindNationalConvention, assembly.KindNationalCommittee, assembly.KindSupremeCouncil}

// decision checks that an adopted motion of a finalized meeting of body
// (any body of the root when body is "") carries token in its text and was
// decided no earlier than after.
func decision(ctx *module.Context, mtg string, no int, body, token string, after int64) (Decision, error) {
	m, ok := assembly.GetMeeting(ctx.Store, mtg)
	if !ok {
		return Decision{}, CodeNoDecision.Errorf("meeting %q does not exist", mtg)
	}
	if m.State != assembly.Finalized || m.Finalization == nil {
		return Decision{}, CodeNoDecision.Errorf("meeting %s is %s; only a finalized (co-signed) record decides", mtg, m.State)
	}
	bd, _ := assembly.GetBody(ctx.Store, m.Body)
	if body == "" {
		if bd.Chapter != org.Root(ctx.Store) || !contains(rootBodies, bd.Kind) {
			return Decision{}, CodeNoDecision.Errorf("body %s (%s of %s) cannot adopt party-wide KPI rules; a convention, national committee or supreme council of %s can", bd.ID, bd.Kind, bd.Chapter, org.Root(ctx.Store))
		}
	} else if m.Body != body {
		return Decision{}, CodeNoDecision.Errorf("meeting %s is of body %s; the rule set names %s to decide", mtg, m.Body, body)
	}
	mo, ok := assembly.GetMotion(ctx.Store, mtg, no)
	if !ok {
		return Decision{}, CodeNoDecision.Errorf("motion %d of %s does not exist", no, mtg)
	}
	if mo.Decision != assembly.Adopted {
		return Decision{}, CodeNoDecision.Errorf("motion %d of %s was %s, not adopted", no, mtg, mo.Decision)
	}
	if !hasToken(mo.Text, token) {
		return Decision{}, CodeNoDecision.Errorf("motion %d of %s does not name %q in its text", no, mtg, token)
	}
	if mo.DecidedAt < after {
		return Decision{}, CodeNoDecision.Errorf("motion %d of %s was decided before what it names existed", no, mtg)
	}
	if ctx.Store.Get([]byte(usedKey(mtg, no))) != nil {
		return Decision{}, codes.AlreadyExists.Errorf("motion %d of %s has been acted on already", no, mtg)
	}
	return Decision{Meeting: mtg, Motion: no, Body: m.Body, RecordHash: m.Finalization.Hash}, nil
}

// hasToken reports whether text holds token as a whole word.
func hasToken(text, token string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], token)
		if j < 0 {
			return false
		}
		end := i + j + len(token)
		if end == len(text) || !isIDByte(text[end]) {
			return true
		}
		i = end
	}
}

func isIDByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' }

func (k *KPI) adopt(ctx *module.Context, b AdoptBody) error {
	if err := k.Org.Authorize(ctx, org.Secretary, org.Root(ctx.Store)); err != nil {
		return err
	}
	p, ok := GetProposal(ctx.Store, b.Proposal)
	if !ok {
		return codes.NotFound.Errorf("proposal %q does not exist", b.Proposal)
	}
	if p.Version != 0 {
		return codes.AlreadyExists.Errorf("proposal %s was adopted already", b.Proposal)
	}
	d, err := decision(ctx, b.Meeting, b.Motion, "", "kpi:"+b.Proposal, p.At)
	if err != nil {
		return err
	}
	start, err := checkEffective(ctx, p.RuleSet)
	if err != nil {
		return err
	}
	n := len(Versions(ctx.Store)) + 1
	if n == 1 {
		importMandates(ctx.Store, start)
	}
	addInt(ctx.Store, versionCountKey, 1)
	addInt(ctx.Store, versionStartKey(n), start)
	module.Put(ctx.Store, versionKey(n), Version{Version: n, RuleSet: p.RuleSet, Hash: p.Hash, EffectiveStart: start, Decision: d, AdoptedAt: ctx.Unix(), Height: ctx.Height})
	p.Version, p.AdoptedAt = n, ctx.Unix()
	module.Put(ctx.Store, proposalKey(b.Proposal), p)
	ctx.Store.Set([]byte(usedKey(b.Meeting, b.Motion)), []byte("kpi:"+b.Proposal))
	// The version number is the chain's count, so it is left out of the
	// event (files sharing a node would each see another).
	ctx.Emit("kpi.adopted", "proposal", b.Proposal, "effective_from", p.RuleSet.EffectiveFrom, "meeting", b.Meeting, "motion", strconv.Itoa(b.Motion))
	return nil
}
