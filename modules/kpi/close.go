package kpi

import (
	"fmt"
	"strconv"

	"github.com/pnyx-party/pnyx/codes"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// PeriodView is a period with its state at some time.
type PeriodView struct {
	Span
	Version    int          `json:"version"`
	State      string       `json:"state"`
	GraceEnd   int64        `json:"grace_end"`
	Record     PeriodRecord `json:"record"`
	Scorecards []string     `json:"scorecards"`
}

// ViewPeriod describes a period at Unix time now.
func ViewPeriod(kv store.Reader, id string, now int64) (PeriodView, error) {
	s, v, err := ForPeriod(kv, id)
	if err != nil {
		return PeriodView{}, err
	}
	rec := GetPeriod(kv, s.ID)
	pv := PeriodView{Span: s, Version: v.Version, State: State(s, v.RuleSet, rec, now), GraceEnd: graceEnd(s, v.RuleSet), Record: rec}
	for _, sc := range v.RuleSet.Scorecards {
		pv.Scorecards = append(pv.Scorecards, sc.ID)
	}
	return pv, nil
}

func member(ctx *module.Context) error {
	if ctx.Caller.MemberID == "" || !ctx.Caller.Active {
		return codes.UnknownSigner.Errorf("signer %x is no active member", []byte(ctx.Caller.Key)[:8])
	}
	return nil
}

// storeRankings ranks every chapter scorecard of the period: a few hundred
// chapters, whatever the number of members.
func storeRankings(ctx *module.Context, v Version, s Span, final bool) {
	for _, sc := range v.RuleSet.Scorecards {
		if sc.Subject != SubjectChapter {
			continue
		}
		module.Put(ctx.Store, rankingKey(s.ID, sc.ID), Ranking{Period: s.ID, Scorecard: sc.ID, Version: v.Version,
			TieBreak: TieBreak, Final: final, At: ctx.Unix(), Entries: Rank(ctx.Store, v, sc, s)})
	}
}

func (k *KPI) close(ctx *module.Context, b PeriodBody) error {
	if err := member(ctx); err != nil {
		return err
	}
	s, v, err := ForPeriod(ctx.Store, b.Period)
	if err != nil {
		return err
	}
	rec := GetPeriod(ctx.Store, s.ID)
	if st := State(s, v.RuleSet, rec, ctx.Unix()); st != StateClosed {
		return CodePeriodState.Errorf("period %s is %s; it closes once its grace ends at %d", s.ID, st, graceEnd(s, v.RuleSet))
	}
	storeRankings(ctx, v, s, false)
	rec.Period, rec.Version, rec.ClosedAt = s.ID, v.Version, ctx.Unix()
	rec.AppealsEnd = ctx.Unix() + int64(v.RuleSet.AppealDays)*86400
	module.Put(ctx.Store, periodKey(s.ID), rec)
	ctx.Emit("kpi.period_closed", "period", s.ID, "version", strconv.Itoa(v.Version))
	return nil
}

func (k *KPI) finalize(ctx *module.Context, b PeriodBody) error {
	if err := member(ctx); err != nil {
		return err
	}
	s, v, err := ForPeriod(ctx.Store, b.Period)
	if err != nil {
		return err
	}
	rec := GetPeriod(ctx.Store, s.ID)
	st := State(s, v.RuleSet, rec, ctx.Unix())
	if st != StateAppeals || ctx.Unix() < rec.AppealsEnd {
		return CodePeriodState.Errorf("period %s is %s; it becomes final once its appeals window ends (at %d)", s.ID, st, rec.AppealsEnd)
	}
	if rec.PendingAppeals > 0 {
		return CodePeriodState.Errorf("period %s has %d appeals undecided", s.ID, rec.PendingAppeals)
	}
	storeRankings(ctx, v, s, true)
	rec.FinalAt = ctx.Unix()
	module.Put(ctx.Store, periodKey(s.ID), rec)
	ctx.Emit("kpi.period_final", "period", s.ID)
	return nil
}

func (k *KPI) appeal(ctx *module.Context, b AppealBody) error {
	if err := member(ctx); err != nil {
		return err
	}
	if err := checkID(b.ID, "appeal ID"); err != nil {
		return err
	}
	if _, exists := GetAppeal(ctx.Store, b.ID); exists {
		return codes.AlreadyExists.Errorf("appeal %s exists", b.ID)
	}
	s, v, err := ForPeriod(ctx.Store, b.Period)
	if err != nil {
		return err
	}
	rec := GetPeriod(ctx.Store, s.ID)
	if st := State(s, v.RuleSet, rec, ctx.Unix()); st != StateAppeals || ctx.Unix() >= rec.AppealsEnd {
		when := "it opens when the period closes"
		if rec.AppealsEnd != 0 {
			when = fmt.Sprintf("it ended at %d", rec.AppealsEnd)
		}
		return CodeAppealWindow.Errorf("period %s is %s, outside its appeals window (%s)", s.ID, st, when)
	}
	sc, ok := v.RuleSet.scorecard(b.Scorecard)
	if !ok {
		return codes.NotFound.Errorf("scorecard %q is not in rule set version %d", b.Scorecard, v.Version)
	}
	if _, ok := sc.rule(b.Rule); !ok {
		return codes.NotFound.Errorf("rule %q is not in scorecard %s", b.Rule, sc.ID)
	}
	if sc.Subject == SubjectMember {
		if b.Subject != ctx.Caller.MemberID {
			return codes.Unauthorized.Errorf("member %s can appeal only their own scorecard, not %s's", ctx.Caller.MemberID, b.Subject)
		}
	} else {
		if _, ok := org.GetChapter(ctx.Store, b.Subject); !ok {
			return codes.NotFound.Errorf("chapter %q does not exist", b.Subject)
		}
		if err := k.Org.Authorize(ctx, org.Admin, b.Subject); err != nil {
			return err
		}
	}
	if b.Fact != "" {
		if _, ok := GetFact(ctx.Store, sc.Subject, b.Subject, s.ID, b.Fact); !ok {
			return codes.NotFound.Errorf("fact %s of %s in %s does not exist (name a missing fact in the evidence instead)", b.Fact, b.Subject, s.ID)
		}
	}
	if err := checkHash(b.Evidence, "evidence"); err != nil {
		return err
	}
	module.Put(ctx.Store, appealKey(b.ID), Appeal{ID: b.ID, Period: s.ID, Scorecard: sc.ID, Kind: sc.Subject, Subject: b.Subject, Rule: b.Rule,
		Fact: b.Fact, Evidence: b.Evidence, FiledBy: ctx.Caller.MemberID, FiledAt: ctx.Unix(), Outcome: AppealPending})
	rec.Appeals++
	rec.PendingAppeals++
	module.Put(ctx.Store, periodKey(s.ID), rec)
	ctx.Emit("kpi.appealed", "appeal", b.ID, "period", s.ID, "rule", b.Rule)
	return nil
}

func (k *KPI) decideAppeal(ctx *module.Context, b DecideAppealBody) error {
	a, ok := GetAppeal(ctx.Store, b.Appeal)
	if !ok {
		return codes.NotFound.Errorf("appeal %q does not exist", b.Appeal)
	}
	if a.Outcome != AppealPending {
		return codes.WrongState.Errorf("appeal %s was decided: %s", a.ID, a.Outcome)
	}
	s, v, err := ForPeriod(ctx.Store, a.Period)
	if err != nil {
		return err
	}
	rec := GetPeriod(ctx.Store, s.ID)
	if st := State(s, v.RuleSet, rec, ctx.Unix()); st != StateAppeals {
		return CodePeriodState.Errorf("period %s is %s; appeals are decided before it is final", s.ID, st)
	}
	if err := oneOf(b.Outcome, "outcome", []string{AppealUpheld, AppealCorrected, AppealVoided}); err != nil {
		return err
	}
	body := v.RuleSet.AppealsBody
	d, err := decision(ctx, b.Meeting, b.Motion, body, "kpi-appeal:"+a.ID+"="+b.Outcome, a.FiledAt)
	if err != nil {
		return err
	}
	m, _ := assembly.GetMeeting(ctx.Store, b.Meeting)
	if err := k.Org.Authorize(ctx, org.Secretary, m.Chapter); err != nil {
		return err
	}
	if (b.Outcome == AppealCorrected) != (len(b.Add)+len(b.Retract) > 0) {
		return codes.InvalidArgument.Errorf("a corrected outcome adds or retracts facts, and only it does")
	}
	if len(b.Add) > MaxBatch || len(b.Retract) > MaxBatch {
		return codes.InvalidArgument.Errorf("a correction adds or retracts at most %d facts", MaxBatch)
	}
	// Check everything, then write.
	ps := newPeriods(ctx.Store, ctx.Unix())
	ps.spans[s.ID], ps.vers[s.ID] = s, v
	var add []Fact
	for i, in := range b.Add {
		if in.Subject != a.Subject || in.Period != a.Period {
			return codes.InvalidArgument.Errorf("fact %d: a correction concerns the appeal's subject %s and period %s", i+1, a.Subject, a.Period)
		}
		cf, err := k.attestable(ctx, ps, in, "", i+1)
		if err != nil {
			return err
		}
		f := cf.Fact
		if FactTypes[f.Type].Subject != a.Kind {
			return codes.InvalidArgument.Errorf("fact %d: %s is not about a %s", i+1, f.Type, a.Kind)
		}
		f.ID, f.Attestor, f.Status = fmt.Sprintf("appeal-%s.%d", a.ID, i+1), "appeal:"+a.ID, FactCounted
		add = append(add, f)
	}
	var retract []Fact
	for _, id := range b.Retract {
		f, ok := GetFact(ctx.Store, a.Kind, a.Subject, a.Period, id)
		if !ok || f.Status == FactRetracted {
			return codes.NotFound.Errorf("fact %s of %s in %s does not exist or was retracted", id, a.Subject, a.Period)
		}
		retract = append(retract, f)
	}
	for _, f := range add {
		post(ctx.Store, v, s, f, +1, "")
		a.Added = append(a.Added, f.ID)
	}
	for i := range retract {
		unapply(ctx.Store, v, s, &retract[i], "appeal:"+a.ID, 8, ctx.Unix())
		a.Retracted = append(a.Retracted, retract[i].ID)
	}
	if b.Outcome == AppealVoided {
		t := GetTally(ctx.Store, a.Kind, a.Period, a.Subject)
		if t.Void == nil {
			t.Void = map[string]string{}
		}
		t.Void[a.Rule] = a.ID
		if sc, ok := v.RuleSet.scorecard(a.Scorecard); ok && a.Kind == SubjectMember {
			rehist(ctx.Store, sc, s, a.Subject, &t, "")
		}
		putTally(ctx.Store, a.Kind, a.Period, a.Subject, t)
	}
	a.Outcome, a.Decision, a.DecidedAt = b.Outcome, &d, ctx.Unix()
	module.Put(ctx.Store, appealKey(a.ID), a)
	ctx.Store.Set([]byte(usedKey(b.Meeting, b.Motion)), []byte("kpi-appeal:"+a.ID))
	rec.PendingAppeals--
	module.Put(ctx.Store, periodKey(s.ID), rec)
	ctx.Emit("kpi.appeal_decided", "appeal", a.ID, "outcome", b.Outcome, "meeting", b.Meeting, "motion", strconv.Itoa(b.Motion))
	return nil
}

// RewardOf is the points a score reaches on a scorecard: the highest band.
func RewardOf(sc Scorecard, score int64) uint64 {
	var pts uint64
	for _, rw := range sc.Rewards {
		if score >= rw.MinScoreBP {
			pts = rw.Points
		}
	}
	return pts
}

// Rewards are minted at final by rule, in pages of the registry: member
// IDs are "m" and hex digits, so the members whose IDs begin with the same
// three digits after the "m" are one page, MintPages pages in all, each
// about N/4096 members whatever N is. kpi/mint-rewards, which any active
// member may send once the period is final, mints the next pages until it
// has seen MintPerTx members, so no block writes millions of balances and
// nobody has to claim; kpi/claim lets a member take theirs before the pages
// reach them. A member is minted once either way (their Claim record), and
// only while their membership credential is active.
const (
	MintPages = 4096
	MintPerTx = 2000
)

func mintPagePrefix(page int) []byte {
	return members.MemberKey(fmt.Sprintf("m%03x", page))
}

// rewardOf is a member's reward for a final period by rule: the band their
// score reaches on each member scorecard.
func rewardOf(kv store.Reader, v Version, s Span, id string, at int64) Claim {
	c := Claim{Member: id, Period: s.ID, At: at}
	for _, sc := range v.RuleSet.Scorecards {
		if sc.Subject != SubjectMember {
			continue
		}
		total, _ := Evaluate(kv, sc, SubjectMember, s, id)
		if total > c.ScoreBP {
			c.ScoreBP = total
		}
		c.Points += RewardOf(sc, total)
	}
	return c
}

func (k *KPI) mintRewards(ctx *module.Context, b PeriodBody) error {
	if err := member(ctx); err != nil {
		return err
	}
	s, v, err := ForPeriod(ctx.Store, b.Period)
	if err != nil {
		return err
	}
	rec := GetPeriod(ctx.Store, s.ID)
	if st := State(s, v.RuleSet, rec, ctx.Unix()); st != StateFinal {
		return CodePeriodState.Errorf("period %s is %s; rewards are minted once it is final", s.ID, st)
	}
	if rec.MintPage >= MintPages {
		return CodePeriodState.Errorf("the rewards of %s were all minted (%d members, %d points)", s.ID, rec.Minted, rec.MintedPoints)
	}
	from, seen, minted := rec.MintPage, 0, 0
	var points uint64
	for ; rec.MintPage < MintPages && seen < MintPerTx; rec.MintPage++ {
		prefix := mintPagePrefix(rec.MintPage)
		var ids []string
		ctx.Store.Iterate(prefix, func(key, _ []byte) bool {
			ids = append(ids, string(key[len(members.MemberKey("")):]))
			return true
		})
		for _, id := range ids {
			seen++
			if _, done := GetClaim(ctx.Store, s.ID, id); done {
				continue
			}
			c := rewardOf(ctx.Store, v, s, id, ctx.Unix())
			if c.Points == 0 {
				continue
			}
			if err := k.Token.MintReward(ctx, id, c.Points, "kpi_reward:"+s.ID); err != nil {
				continue // no active credential: nothing is minted
			}
			module.Put(ctx.Store, claimKey(s.ID, id), c)
			minted++
			points += c.Points
		}
	}
	rec.Minted += minted
	rec.MintedPoints += points
	module.Put(ctx.Store, periodKey(s.ID), rec)
	ctx.Emit("kpi.rewards_minted", "period", s.ID, "pages", fmt.Sprintf("%d-%d", from, rec.MintPage-1), "members", strconv.Itoa(minted), "points", strconv.FormatUint(points, 10), "done", strconv.FormatBool(rec.MintPage >= MintPages))
	return nil
}

func (k *KPI) claim(ctx *module.Context, b PeriodBody) error {
	if err := member(ctx); err != nil {
		return err
	}
	s, v, err := ForPeriod(ctx.Store, b.Period)
	if err != nil {
		return err
	}
	if st := State(s, v.RuleSet, GetPeriod(ctx.Store, s.ID), ctx.Unix()); st != StateFinal {
		return CodePeriodState.Errorf("period %s is %s; rewards are minted once it is final", s.ID, st)
	}
	id := ctx.Caller.MemberID
	if _, done := GetClaim(ctx.Store, s.ID, id); done {
		return codes.AlreadyExists.Errorf("member %s has claimed the reward of %s", id, s.ID)
	}
	c := rewardOf(ctx.Store, v, s, id, ctx.Unix())
	if c.Points > 0 {
		if err := k.Token.MintReward(ctx, id, c.Points, "kpi_reward:"+s.ID); err != nil {
			return err
		}
	}
	module.Put(ctx.Store, claimKey(s.ID, id), c)
	ctx.Emit("kpi.claimed", "member", id, "period", s.ID, "points", strconv.FormatUint(c.Points, 10))
	return nil
}

func (k *KPI) erratum(ctx *module.Context, b ErratumBody) error {
	if err := checkID(b.ID, "erratum ID"); err != nil {
		return err
	}
	if ctx.Store.Get([]byte(erratumIDKey(b.ID))) != nil {
		return codes.AlreadyExists.Errorf("erratum %s exists", b.ID)
	}
	s, v, err := ForPeriod(ctx.Store, b.Period)
	if err != nil {
		return err
	}
	if st := State(s, v.RuleSet, GetPeriod(ctx.Store, s.ID), ctx.Unix()); st != StateFinal {
		return CodePeriodState.Errorf("period %s is %s; before final a correction is an appeal's decision", s.ID, st)
	}
	sc, ok := v.RuleSet.scorecard(b.Scorecard)
	if !ok {
		return codes.NotFound.Errorf("scorecard %q is not in rule set version %d", b.Scorecard, v.Version)
	}
	if _, ok := sc.rule(b.Rule); !ok {
		return codes.NotFound.Errorf("rule %q is not in scorecard %s", b.Rule, sc.ID)
	}
	if _, err := subjectOf(ctx.Store, sc.Subject, b.Subject); err != nil {
		return err
	}
	if n := len([]rune(b.Correction)); n < 1 || n > 2000 {
		return codes.InvalidArgument.Errorf("correction must be 1-2000 characters")
	}
	d, err := decision(ctx, b.Meeting, b.Motion, v.RuleSet.AppealsBody, "kpi-erratum:"+b.ID, GetPeriod(ctx.Store, s.ID).FinalAt)
	if err != nil {
		return err
	}
	m, _ := assembly.GetMeeting(ctx.Store, b.Meeting)
	if err := k.Org.Authorize(ctx, org.Secretary, m.Chapter); err != nil {
		return err
	}
	module.Put(ctx.Store, erratumKey(sc.Subject, b.Subject, s.ID, b.ID), Erratum{ID: b.ID, Period: s.ID, Scorecard: sc.ID, Kind: sc.Subject,
		Subject: b.Subject, Rule: b.Rule, Correction: b.Correction, Decision: d, At: ctx.Unix()})
	ctx.Store.Set([]byte(erratumIDKey(b.ID)), []byte(sc.Subject+"/"+b.Subject+"/"+s.ID))
	ctx.Store.Set([]byte(usedKey(b.Meeting, b.Motion)), []byte("kpi-erratum:"+b.ID))
	ctx.Emit("kpi.erratum", "erratum", b.ID, "period", s.ID, "rule", b.Rule)
	return nil
}
