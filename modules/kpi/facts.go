package kpi

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pnyx-party/pnyx/codes"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

func (f Filter) pass(v int64) bool {
	return v >= f.MinValue && (f.MaxValue == 0 || v <= f.MaxValue)
}

// Tally is a subject's counters for one period: per rule its counter, a
// ratio's denominator and the distinct days or months seen, the rules an
// appeal voided, and (members) the histogram bucket per scorecard. One
// record per subject and period, so a fact costs one counter write however
// many rules count it. It is stored in a compact binary form (codec.go).
type Tally struct {
	C    map[string]int64
	D    map[string]int64
	U    map[string]map[int64]int64
	Void map[string]string
	Hist map[string]histEntry
}

// histEntry is where a member stands in their chapter's histogram.
type histEntry struct {
	Chapter string
	Bucket  int
}

func bump(m *map[string]int64, k string, d int64) int64 {
	if *m == nil {
		*m = map[string]int64{}
	}
	n := (*m)[k] + d
	if n == 0 {
		delete(*m, k)
	} else {
		(*m)[k] = n
	}
	return n
}

// post stores a fact and, unless sign is 0, adds (+1) or removes (−1) it
// from the counters of every rule of the period's version that counts it:
// one read and one write of the subject's record (and, for a member whose
// score moves to another tenth, two histogram counters) — the same for the
// first member as for the three millionth. home is the member's chapter
// when the caller has read it already ("" otherwise), so a member's first
// fact does not read their record a second time for the histogram.
func post(kv store.KV, v Version, span Span, f Fact, sign int64, home string) {
	postTo(kv, v, span, f, sign, home, loadRecord(kv, FactTypes[f.Type].Subject, f.Period, f.Subject))
}

// postTo is post onto the subject's record r as the caller read it.
func postTo(kv store.KV, v Version, span Span, f Fact, sign int64, home string, r subjRecord) {
	kind := FactTypes[f.Type].Subject
	if sign != 0 {
		var t Tally
		if r.tally != nil {
			var err error
			if t, err = decodeTally(r.tally); err != nil {
				corrupt(kind, f.Subject, f.Period, err)
			}
		}
		applyTally(kv, v, span, f, sign, home, &t)
		r.tally = encodeTally(t)
	}
	if inRecord := placeFact(kv, kind, &r, f); inRecord || sign != 0 {
		kv.Set([]byte(tallyKey(kind, f.Period, f.Subject)), r.bytes())
	}
}

// applyTally is post's change to the counters.
func applyTally(kv store.KV, v Version, span Span, f Fact, sign int64, home string, t *Tally) {
	kind := FactTypes[f.Type].Subject
	for _, sc := range v.RuleSet.Scorecards {
		if sc.Subject != kind {
			continue
		}
		touched := false
		for _, r := range sc.Rules {
			num, den := contains(r.Facts, f.Type), contains(r.Denominator, f.Type)
			if !(num || den) || !r.Filter.pass(f.Value) {
				continue
			}
			touched = true
			if den {
				bump(&t.D, r.ID, sign*f.Value)
			}
			if !num {
				continue
			}
			switch r.Aggregation {
			case AggSum, AggRatio:
				bump(&t.C, r.ID, sign*f.Value)
			case AggDistinctDays, AggDistinctMonths:
				unit := f.Day
				if r.Aggregation == AggDistinctMonths {
					unit /= 100
				}
				if t.U == nil {
					t.U = map[string]map[int64]int64{}
				}
				u := t.U[r.ID]
				if u == nil {
					u = map[int64]int64{}
				}
				n := u[unit] + sign
				if n == 0 {
					delete(u, unit)
				} else {
					u[unit] = n
				}
				if len(u) == 0 {
					delete(t.U, r.ID)
				} else {
					t.U[r.ID] = u
				}
				if (sign > 0 && n == 1) || (sign < 0 && n == 0) {
					bump(&t.C, r.ID, sign)
				}
			default: // count, yes/no, streak
				bump(&t.C, r.ID, sign)
			}
		}
		if touched && kind == SubjectMember {
			rehist(kv, sc, span, f.Subject, t, home)
		}
	}
}

// rehist moves a member to the histogram bucket of their current score.
// home is the member's chapter if known ("": read it).
func rehist(kv store.KV, sc Scorecard, span Span, member string, t *Tally, home string) {
	total, _ := evaluate(kv, sc, SubjectMember, span, member, *t)
	b := bucketOf(total)
	e, ok := t.Hist[sc.ID]
	if ok && e.Bucket == b {
		return
	}
	if ok {
		addInt(kv, histKey(span.ID, sc.ID, e.Chapter, e.Bucket), -1)
	} else if home != "" {
		e.Chapter = home
	} else {
		m, _ := members.Get(kv, member)
		e.Chapter = m.Chapter
	}
	e.Bucket = b
	addInt(kv, histKey(span.ID, sc.ID, e.Chapter, b), 1)
	if t.Hist == nil {
		t.Hist = map[string]histEntry{}
	}
	t.Hist[sc.ID] = e
}

// needsChecker reports whether a fact of type t feeds a rule heavier than
// its scorecard's maker–checker threshold.
func needsChecker(v Version, t string) bool {
	for _, sc := range v.RuleSet.Scorecards {
		for _, r := range sc.Rules {
			if (contains(r.Facts, t) || contains(r.Denominator, t)) && r.WeightBP > sc.SecondAttestorAboveBP {
				return true
			}
		}
	}
	return false
}

// periods resolves and caches the periods one transaction touches.
type periods struct {
	kv    store.Reader
	now   int64
	spans map[string]Span
	vers  map[string]Version
	// authorized remembers the chapters the signer was found to cover as
	// attestor in this transaction: a batch of 500 facts asks about a few.
	authorized map[string]bool
}

func newPeriods(kv store.Reader, now int64) *periods {
	return &periods{kv: kv, now: now, spans: map[string]Span{}, vers: map[string]Version{}, authorized: map[string]bool{}}
}

// attestorOver checks that the signer is a kpi_attestor covering chapter,
// as org.Authorize does, remembering the answer for each chapter on the
// way up: a batch of 500 facts about members of 250 chapters then reads
// each chapter once, and the grants above them once.
func (k *KPI) attestorOver(ctx *module.Context, ps *periods, chapter string) error {
	if ctx.Caller.MemberID == "" || !ctx.Caller.Active {
		return k.Org.Authorize(ctx, org.KPIAttestor, chapter)
	}
	var walked []string
	held := false
	for id, depth := chapter, 0; id != "" && depth < 10; depth++ {
		if h, known := ps.authorized[id]; known {
			held = h
			break
		}
		c, ok := org.GetChapter(ctx.Store, id)
		if !ok {
			break
		}
		walked = append(walked, id)
		if ctx.Store.Get(org.GrantKey(ctx.Caller.MemberID, org.KPIAttestor, id)) != nil {
			held = true
			break
		}
		id = c.Parent
	}
	for _, id := range walked {
		ps.authorized[id] = held
	}
	if !held {
		return k.Org.Authorize(ctx, org.KPIAttestor, chapter)
	}
	return nil
}

// accepting resolves a period that takes facts now: open, or in its grace.
func (ps *periods) accepting(id string) (Span, Version, error) {
	if s, ok := ps.spans[id]; ok {
		return s, ps.vers[id], nil
	}
	s, v, err := ForPeriod(ps.kv, id)
	if err != nil {
		return s, v, err
	}
	switch st := State(s, v.RuleSet, GetPeriod(ps.kv, id), ps.now); st {
	case StateOpen, StateGrace:
	case StateFuture:
		return s, v, CodePeriodState.Errorf("period %s has not begun", id)
	default:
		return s, v, CodePeriodClosed.Errorf("period %s is %s: its grace for late facts ended at %d", id, st, graceEnd(s, v.RuleSet))
	}
	ps.spans[id], ps.vers[id] = s, v
	return s, v, nil
}

// checkedFact is a fact input that passed its checks: the fact, its
// period and version, and (members) the subject's chapter as read.
type checkedFact struct {
	Fact
	span Span
	ver  Version
	home string
}

// attestable checks one fact input an attestor (or an appeal decision,
// attestor "") posts and returns it as a fact.
func (k *KPI) attestable(ctx *module.Context, ps *periods, in FactInput, attestor string, i int) (checkedFact, error) {
	at := func(err error) (checkedFact, error) {
		return checkedFact{}, codes.Of(err).Errorf("fact %d: %s", i, codes.Message(err))
	}
	ft, err := checkFactType(in.Type)
	if err != nil {
		return at(err)
	}
	if ft.Source != SourceAttested && attestor != "" {
		return at(codes.InvalidArgument.Errorf("%s is produced by the chain itself and cannot be attested", in.Type))
	}
	if ft.Source == SourceDerived {
		return at(codes.InvalidArgument.Errorf("%s is computed from the registry, not posted", in.Type))
	}
	cover, home, err := subjectHome(ctx.Store, ft.Subject, in.Subject)
	if err != nil {
		return at(err)
	}
	if attestor != "" {
		if in.Subject == attestor {
			return at(CodeSelfAttest.Errorf("member %s cannot attest facts about themself", attestor))
		}
		if err := k.attestorOver(ctx, ps, cover); err != nil {
			return at(err)
		}
	}
	if in.Value < 1 || in.Value > 1_000_000 {
		return at(codes.InvalidArgument.Errorf("value must be 1-1000000"))
	}
	if err := checkHash(in.Evidence, "evidence"); err != nil {
		return at(err)
	}
	s, v, err := ps.accepting(in.Period)
	if err != nil {
		return at(err)
	}
	day := Day(ctx.Unix())
	if ctx.Unix() >= s.End {
		day = Day(s.End - 1)
	}
	if in.Day != "" {
		d, t, err := parseDay(in.Day)
		if err != nil {
			return at(err)
		}
		if t < s.Start || t >= s.End || t > ctx.Unix() {
			return at(codes.InvalidArgument.Errorf("day %s is outside period %s or in the future", in.Day, in.Period))
		}
		day = d
	}
	return checkedFact{Fact: Fact{Type: in.Type, Subject: in.Subject, Period: s.ID, Value: in.Value, Day: day, Evidence: in.Evidence,
		Attestor: attestor, At: ctx.Unix(), Height: ctx.Height}, span: s, ver: v, home: home}, nil
}

func (k *KPI) attest(ctx *module.Context, b AttestBody) error {
	if ctx.Caller.MemberID == "" {
		return codes.UnknownSigner.Errorf("signer %x is no member", []byte(ctx.Caller.Key)[:8])
	}
	if err := checkID(b.Batch, "batch ID"); err != nil {
		return err
	}
	if len(b.Facts) == 0 || len(b.Facts) > MaxBatch {
		return codes.InvalidArgument.Errorf("a batch holds 1-%d facts, not %d", MaxBatch, len(b.Facts))
	}
	if _, exists := GetBatch(ctx.Store, b.Batch); exists {
		return codes.AlreadyExists.Errorf("batch %s exists", b.Batch)
	}
	ps := newPeriods(ctx.Store, ctx.Unix())
	facts := make([]checkedFact, len(b.Facts))
	pending := false
	for i, in := range b.Facts {
		f, err := k.attestable(ctx, ps, in, ctx.Caller.MemberID, i+1)
		if err != nil {
			return err
		}
		f.ID, f.Batch = b.Batch+"."+strconv.Itoa(i+1), b.Batch
		facts[i] = f
		pending = pending || needsChecker(f.ver, f.Type)
	}
	batch := Batch{ID: b.Batch, Attestor: ctx.Caller.MemberID, Pending: pending, At: ctx.Unix(), Height: ctx.Height}
	batch.Facts = make([]FactRef, 0, len(facts))
	for _, f := range facts {
		kind := FactTypes[f.Type].Subject
		f.Status = FactCounted
		sign := int64(1)
		if pending {
			f.Status, sign = FactPending, 0
		}
		post(ctx.Store, f.ver, f.span, f.Fact, sign, f.home)
		batch.Facts = append(batch.Facts, FactRef{Kind: kind, Subject: f.Subject, Period: f.Period, ID: f.ID})
	}
	putBatch(ctx.Store, batch)
	ctx.Emit("kpi.attested", "batch", b.Batch, "facts", strconv.Itoa(len(facts)), "pending", strconv.FormatBool(pending))
	return nil
}

func (k *KPI) confirm(ctx *module.Context, b ConfirmBody) error {
	batch, ok := GetBatch(ctx.Store, b.Batch)
	if !ok {
		return codes.NotFound.Errorf("batch %q does not exist", b.Batch)
	}
	if !batch.Pending {
		return codes.WrongState.Errorf("batch %s waits for no second attestor", b.Batch)
	}
	if ctx.Caller.MemberID == batch.Attestor {
		return CodeSecondAttestor.Errorf("batch %s needs a second attestor: %s posted it and cannot also check it", b.Batch, batch.Attestor)
	}
	ps := newPeriods(ctx.Store, ctx.Unix())
	facts := make([]Fact, len(batch.Facts))
	homes := make([]string, len(batch.Facts))
	// Each fact's record is read once, for the fact and for its counters:
	// the facts of a batch are about distinct subjects as a rule, and where
	// two share one the second is read again after the first is posted.
	records := make([]subjRecord, len(batch.Facts))
	seen := make(map[string]bool, len(batch.Facts))
	shared := make([]bool, len(batch.Facts))
	for i, ref := range batch.Facts {
		if ref.Subject == ctx.Caller.MemberID {
			return CodeSelfAttest.Errorf("member %s cannot check facts about themself", ref.Subject)
		}
		cover, home, err := subjectHome(ctx.Store, ref.Kind, ref.Subject)
		if err != nil {
			return err
		}
		if err := k.attestorOver(ctx, ps, cover); err != nil {
			return err
		}
		if _, _, err := ps.accepting(ref.Period); err != nil {
			return err
		}
		records[i] = loadRecord(ctx.Store, ref.Kind, ref.Period, ref.Subject)
		facts[i], _ = factIn(ctx.Store, records[i], ref.Kind, ref.Subject, ref.Period, ref.ID)
		homes[i] = home
		k := tallyKey(ref.Kind, ref.Period, ref.Subject)
		shared[i], seen[k] = seen[k], true
	}
	for i, ref := range batch.Facts {
		f := facts[i]
		if f.Status != FactPending {
			continue // retracted while it waited
		}
		f.Status, f.Checker = FactCounted, ctx.Caller.MemberID
		r := records[i]
		if shared[i] {
			r = loadRecord(ctx.Store, ref.Kind, ref.Period, ref.Subject)
		}
		postTo(ctx.Store, ps.vers[f.Period], ps.spans[f.Period], f, +1, homes[i], r)
	}
	batch.Pending, batch.Checker = false, ctx.Caller.MemberID
	putBatch(ctx.Store, batch)
	ctx.Emit("kpi.confirmed", "batch", b.Batch, "checker", ctx.Caller.MemberID)
	return nil
}

// unapply retracts a fact: it stays, marked, and leaves the counters.
func unapply(kv store.KV, v Version, span Span, f *Fact, by string, reason int, at int64) {
	sign := int64(0)
	if f.Status == FactCounted {
		sign = -1
	}
	f.Status, f.RetractBy, f.RetractWhy, f.RetractAt = FactRetracted, by, reason, at
	post(kv, v, span, *f, sign, "")
}

func (k *KPI) retract(ctx *module.Context, b RetractBody) error {
	if _, ok := RetractReasons[b.Reason]; !ok || b.Reason == 8 {
		return codes.InvalidArgument.Errorf("reason %d is not a retraction reason code", b.Reason)
	}
	if err := oneOf(b.Kind, "kind", []string{SubjectMember, SubjectChapter}); err != nil {
		return err
	}
	f, ok := GetFact(ctx.Store, b.Kind, b.Subject, b.Period, b.Fact)
	if !ok {
		return codes.NotFound.Errorf("fact %s of %s in %s does not exist", b.Fact, b.Subject, b.Period)
	}
	if f.Status == FactRetracted {
		return codes.WrongState.Errorf("fact %s was retracted already", b.Fact)
	}
	if b.Subject == ctx.Caller.MemberID {
		return CodeSelfAttest.Errorf("member %s cannot retract facts about themself; file an appeal", b.Subject)
	}
	cover, err := subjectOf(ctx.Store, b.Kind, b.Subject)
	if err != nil {
		return err
	}
	if err := k.Org.Authorize(ctx, org.KPIAttestor, cover); err != nil {
		return err
	}
	s, v, err := newPeriods(ctx.Store, ctx.Unix()).accepting(b.Period)
	if err != nil {
		return err
	}
	unapply(ctx.Store, v, s, &f, ctx.Caller.MemberID, b.Reason, ctx.Unix())
	ctx.Emit("kpi.retracted", "fact", b.Fact, "subject", b.Subject, "reason", RetractReasons[b.Reason])
	return nil
}

// autoFact records a fact another module produced inside the block. Before
// any rule set is in force it writes nothing, so blocks from before the
// module replay unchanged.
func autoFact(ctx *module.Context, source, typ, subj, id string, val int64) {
	v, ok := InForce(ctx.Store, ctx.Unix())
	if !ok {
		return
	}
	s := PeriodAt(v.RuleSet.Period, ctx.Unix())
	kind := FactTypes[typ].Subject
	// One read of the subject's record serves both the check that the
	// fact is new and the counters: a register of 500 members at a
	// convention reads 500 records, not 1,000.
	r := loadRecord(ctx.Store, kind, s.ID, subj)
	if _, exists := factIn(ctx.Store, r, kind, subj, s.ID, id); exists {
		return
	}
	f := Fact{ID: id, Type: typ, Subject: subj, Period: s.ID, Value: val, Day: Day(ctx.Unix()), Attestor: source, Status: FactCounted, At: ctx.Unix(), Height: ctx.Height}
	postTo(ctx.Store, v, s, f, +1, "", r)
}

// Attended implements assembly.FactSink: a member present at a meeting,
// by their own check-in or from the secretary's register.
func (k *KPI) Attended(ctx *module.Context, m assembly.Meeting, member string, register bool) {
	typ := "attendance_self"
	if register {
		typ = "attendance_register"
	}
	autoFact(ctx, "assembly", typ, member, "att:"+m.ID, 1)
}

// Finalized implements assembly.FactSink: a chapter's meeting finalized,
// valued at the whole days since it closed (at least 1).
func (k *KPI) Finalized(ctx *module.Context, m assembly.Meeting) {
	days := (ctx.Unix()-m.ClosedAt)/86400 + 1
	autoFact(ctx, "assembly", "meeting_finalized_days", m.Chapter, "fin:"+m.ID, days)
}

// PetitionAnswered implements petition.FactSink: a chapter's petition
// answered within its due time, or late.
func (k *KPI) PetitionAnswered(ctx *module.Context, chapter, petition string, late bool) {
	typ := "petition_answered_on_time"
	if late {
		typ = "petition_answered_late"
	}
	autoFact(ctx, "petition", typ, chapter, "pet:"+petition, 1)
}

// MandateSpan is one mandate as the KPI module saw it granted or ended.
type MandateSpan struct {
	Body  string `json:"body"`
	From  int64  `json:"from"`
	Until int64  `json:"until,omitempty"` // 0: open-ended
}

func mandatesKey(member string) string { return "kpi/m/mand/" + member }

// GetMandates reads the mandates a member was granted while rules were in
// force: one record per member, so a score reads it with one Get.
func GetMandates(kv store.Reader, member string) []MandateSpan {
	ms, _ := module.Get[[]MandateSpan](kv, mandatesKey(member))
	return ms
}

// MandateDays is the whole days the spans overlap the period; an
// open-ended mandate counts to the period's end.
func MandateDays(ms []MandateSpan, s Span) int64 {
	var n int64
	for _, m := range ms {
		from, until := max(m.From, s.Start), s.End
		if m.Until != 0 {
			until = min(m.Until, s.End)
		}
		if until > from {
			n += (until - from) / 86400
		}
	}
	return n
}

// Mandate implements assembly.FactSink: a mandate granted or ended. The
// member's spans are kept in one record, from which mandate_days is
// computed when read; their histogram place follows.
//
// Spans are kept from the first adoption of a rule set on (which imports
// the mandates granted before it, importMandates), not only once one is in
// force: a mandate granted between the adoption and the first period
// counts its days in that period.
func (k *KPI) Mandate(ctx *module.Context, md assembly.Mandate) {
	if versionCount(ctx.Store) == 0 {
		return
	}
	recordMandate(ctx.Store, md)
	v, ok := InForce(ctx.Store, ctx.Unix())
	if !ok {
		return
	}
	s := PeriodAt(v.RuleSet.Period, ctx.Unix())
	t := GetTally(ctx.Store, SubjectMember, s.ID, md.Member)
	moved := false
	for _, sc := range v.RuleSet.Scorecards {
		for _, r := range sc.Rules {
			if sc.Subject == SubjectMember && contains(r.Facts, "mandate_days") {
				rehist(ctx.Store, sc, s, md.Member, &t, "")
				moved = true
				break
			}
		}
	}
	if moved {
		putTally(ctx.Store, SubjectMember, s.ID, md.Member, t)
	}
}

func recordMandate(kv store.KV, md assembly.Mandate) {
	ms := GetMandates(kv, md.Member)
	found := false
	for i := range ms {
		if ms[i].Body == md.Body && ms[i].From == md.From {
			ms[i].Until, found = md.Until, true
		}
	}
	if !found {
		ms = append(ms, MandateSpan{Body: md.Body, From: md.From, Until: md.Until})
	}
	module.Put(kv, mandatesKey(md.Member), ms)
}

// importMandates copies, at the first adoption of a rule set, every
// mandate of the assembly bodies still held at the rule set's first period
// (open-ended or ending after it starts), so a member who held a mandate
// before any rules existed earns its days like one granted after. The
// bodies' mandates number in the thousands, not per member of the
// registry, so one adoption reads them all once.
func importMandates(kv store.KV, from int64) {
	// assembly keeps mandates at asm/mandate/<body>/<member>.
	prefix := strings.TrimSuffix(string(assembly.MandateKey("", "")), "/")
	var held []assembly.Mandate
	kv.Iterate([]byte(prefix), func(_, v []byte) bool {
		var md assembly.Mandate
		if json.Unmarshal(v, &md) == nil && md.Member != "" && (md.Until == 0 || md.Until > from) {
			held = append(held, md)
		}
		return true
	})
	for _, md := range held {
		recordMandate(kv, md)
	}
}

// cohortMark remembers which cohort a recruit was counted in.
type cohortMark struct {
	Chapter string `json:"chapter"`
	Month   int    `json:"month"`
	Joined  int64  `json:"joined"`
}

// MemberJoined implements members.Hooks: a recruit joins their chapter's
// cohort of the month.
//
// Cohorts are kept from the first adoption of a rule set on, like mandate
// spans: a recruit who joins between the adoption and the first period is
// still active (or not) M months later, inside a period the rules govern.
func (k *KPI) MemberJoined(ctx *module.Context, m *members.Member) error {
	if versionCount(ctx.Store) == 0 {
		return nil
	}
	c := cohortMark{Chapter: m.Chapter, Month: monthIndex(ctx.Unix()), Joined: ctx.Unix()}
	addInt(ctx.Store, cohortJoinKey(c.Chapter, c.Month), 1)
	module.Put(ctx.Store, cohortMarkKey(m.JoinedHeight, m.ID), c)
	return nil
}

// MemberStatusChanged implements members.Hooks: a recruit who stops being
// active leaves their cohort, after the whole months they stayed.
func (k *KPI) MemberStatusChanged(ctx *module.Context, id string, from, to members.Status, reason int) error {
	if from != members.Active {
		return nil
	}
	m, ok := members.Get(ctx.Store, id)
	if !ok {
		return nil
	}
	mark := []byte(cohortMarkKey(m.JoinedHeight, id))
	raw := ctx.Store.Get(mark)
	if raw == nil {
		return nil
	}
	var c cohortMark
	if json.Unmarshal(raw, &c) != nil {
		return nil
	}
	stayed := monthsBetween(c.Joined, ctx.Unix())
	if stayed > 99 {
		stayed = 99
	}
	addInt(ctx.Store, cohortDropKey(c.Chapter, c.Month, stayed), 1)
	ctx.Store.Delete(mark)
	return nil
}
