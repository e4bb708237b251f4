package kpi

import (
	"github.com/pnyx-party/pnyx/codes"
)

// Codes of this module (the 300s).
var (
	CodeNoDecision     = codes.Register(301, "kpi_no_decision")
	CodeForbiddenFact  = codes.Register(302, "kpi_forbidden_fact")
	CodeRetroactive    = codes.Register(303, "kpi_retroactive")
	CodeWeights        = codes.Register(304, "kpi_weights")
	CodeSelfAttest     = codes.Register(305, "kpi_self_attestation")
	CodeSecondAttestor = codes.Register(306, "kpi_second_attestor")
	CodePeriodClosed   = codes.Register(307, "kpi_period_closed")
	CodeAppealWindow   = codes.Register(308, "kpi_appeal_window")
	CodePeriodState    = codes.Register(309, "kpi_period_state")
	CodeNoRules        = codes.Register(310, "kpi_no_rules")
)

// Subjects of a scorecard.
const (
	SubjectMember  = "member"
	SubjectChapter = "chapter"
)

// Aggregations.
const (
	AggCount          = "count"
	AggSum            = "sum"
	AggDistinctDays   = "distinct_days"
	AggDistinctMonths = "distinct_months"
	AggRatio          = "ratio"
	AggStreak         = "streak"
	AggYesNo          = "yes_no"
)

var aggregations = []string{AggCount, AggSum, AggDistinctDays, AggDistinctMonths, AggRatio, AggStreak, AggYesNo}

// Scorings.
const (
	ScoreLinear = "linear"
	ScoreBands  = "bands"
)

// Fact sources.
const (
	SourceAuto     = "auto"     // produced by another module inside the block
	SourceDerived  = "derived"  // computed at read time from counters other modules feed
	SourceAttested = "attested" // posted by a kpi_attestor
)

// FactType describes one type of fact a rule may count.
type FactType struct {
	Subject string `json:"subject"`
	Source  string `json:"source"`
}

// FactTypes is the closed vocabulary of facts.
var FactTypes = map[string]FactType{
	// A member checked in with their own key, or the secretary recorded them
	// from the paper register: counted apart, since only the first proves
	// the member was there.
	"attendance_self":     {SubjectMember, SourceAuto},
	"attendance_register": {SubjectMember, SourceAuto},
	// A meeting of the chapter finalized; its value is the days from its
	// close to its finalization, so a rule's filter max_value=N counts the
	// meetings finalized within N days.
	"meeting_finalized_days": {SubjectChapter, SourceAuto},
	// A petition of the chapter answered within its due time, or late (never
	// who agreed to it).
	"petition_answered_on_time": {SubjectChapter, SourceAuto},
	"petition_answered_late":    {SubjectChapter, SourceAuto},
	// Members who joined the chapter and are still active after the rule's
	// months: credit for real members, not sign-up padding.
	"recruit_retained": {SubjectChapter, SourceDerived},
	// Days a member held a mandate in an assembly body within the period
	// (mandates granted or ended while rules are in force).
	"mandate_days": {SubjectMember, SourceDerived},

	"dues_month":          {SubjectMember, SourceAttested},
	"education_completed": {SubjectMember, SourceAttested},
	"volunteer_hours":     {SubjectMember, SourceAttested},
	"member_press":        {SubjectMember, SourceAttested},
	"press_coverage":      {SubjectChapter, SourceAttested},
	"pledge_progress":     {SubjectChapter, SourceAttested},
	"event_held":          {SubjectChapter, SourceAttested},
}

// forbiddenWords mark fact types that may never be counted (see the
// package doc).
var forbiddenWords = []string{"vote", "ballot", "credential", "agree", "comment", "petition_sign"}

// Filter narrows the facts a rule counts by their value.
type Filter struct {
	MinValue int64 `json:"min_value,omitempty"`
	MaxValue int64 `json:"max_value,omitempty"` // 0: no upper bound
}

// Scope narrows the subjects a rule applies to. Out of scope, a rule does not
// apply, and the subject's score is over the rules that do.
type Scope struct {
	Chapter string `json:"chapter,omitempty"` // a chapter subtree
	Class   string `json:"class,omitempty"`   // members: general or responsible
	Role    string `json:"role,omitempty"`    // members: holding this org role anywhere
	Level   string `json:"level,omitempty"`   // chapters: metropolitan or constituency
}

// Band is one step of a banded scoring: a value of at least Min scores
// ScoreBP.
type Band struct {
	Min     int64 `json:"min"`
	ScoreBP int64 `json:"score_bp"`
}

// Rule is one KPI.
type Rule struct {
	ID          string   `json:"id"`
	Facts       []string `json:"facts"`
	Denominator []string `json:"denominator,omitempty"` // ratio only
	MinDenom    int64    `json:"min_denominator,omitempty"`
	Months      int      `json:"months,omitempty"` // recruit_retained: active after this many months
	Filter      Filter   `json:"filter"`
	Scope       Scope    `json:"scope"`
	Aggregation string   `json:"aggregation"`
	Target      int64    `json:"target"`
	Scoring     string   `json:"scoring"`
	Bands       []Band   `json:"bands,omitempty"`
	WeightBP    int64    `json:"weight_bp"`
}

// Reward is the points a member whose score reaches MinScoreBP receives at
// final; a member gets the highest band reached.
type Reward struct {
	MinScoreBP int64  `json:"min_score_bp"`
	Points     uint64 `json:"points"`
}

// MaxRewardPoints caps one band's reward.
const MaxRewardPoints = 1000

// Relative bands apply to chapter rankings: the bottom BottomBP of the
// ranked chapters are marked, and those marked Consecutive periods in a row
// are flagged.
type Relative struct {
	BottomBP    int64 `json:"bottom_bp"`
	Consecutive int   `json:"consecutive"`
}

// Scorecard is a set of rules for one kind of subject whose weights sum to
// 10,000 basis points.
type Scorecard struct {
	ID      string `json:"id"`
	Subject string `json:"subject"`
	// Level ranks chapters of this level at close (chapter scorecards).
	Level string `json:"level,omitempty"`
	// SecondAttestorAboveBP: facts feeding a rule heavier than this need a
	// second attestor. 10000 turns maker–checker off.
	SecondAttestorAboveBP int64     `json:"second_attestor_above_bp"`
	Rules                 []Rule    `json:"rules"`
	Rewards               []Reward  `json:"rewards,omitempty"`
	Relative              *Relative `json:"relative,omitempty"`
}

// RuleSet is what an assembly adopts.
type RuleSet struct {
	ID string `json:"id"`
	// Period is the kind of period: month, quarter, half or year (KST).
	Period string `json:"period"`
	// EffectiveFrom is the first period it governs, e.g. "2026-04",
	// "2026-Q2", "2026-H1", "2026".
	EffectiveFrom string `json:"effective_from"`
	GraceDays     int    `json:"grace_days"`
	AppealDays    int    `json:"appeal_days"`
	// AppealsBody is the assembly body that decides appeals.
	AppealsBody string      `json:"appeals_body"`
	Scorecards  []Scorecard `json:"scorecards"`
}

// Decision names an adopted motion of a finalized meeting.
type Decision struct {
	Meeting    string `json:"meeting"`
	Motion     int    `json:"motion"`
	Body       string `json:"body,omitempty"`
	RecordHash string `json:"record_hash,omitempty"`
}

// Proposal is a proposed rule set, immutable once stored.
type Proposal struct {
	RuleSet  RuleSet `json:"rule_set"`
	Hash     string  `json:"hash"`
	Proposer string  `json:"proposer"`
	At       int64   `json:"at"`
	Height   int64   `json:"height"`
	Version  int     `json:"version,omitempty"` // set once adopted
	// AdoptedAt is when it was adopted (0: not yet).
	AdoptedAt int64 `json:"adopted_at,omitempty"`
}

// Version is an adopted rule set.
type Version struct {
	Version        int      `json:"version"`
	RuleSet        RuleSet  `json:"rule_set"`
	Hash           string   `json:"hash"`
	EffectiveStart int64    `json:"effective_start"`
	Decision       Decision `json:"decision"`
	AdoptedAt      int64    `json:"adopted_at"`
	Height         int64    `json:"height"`
}

// Fact statuses.
const (
	FactCounted   = "counted"
	FactPending   = "pending" // waits for a second attestor
	FactRetracted = "retracted"
)

// Retraction reasons: numbers, never free text.
var RetractReasons = map[int]string{1: "evidence_invalid", 2: "duplicate", 3: "wrong_subject", 4: "wrong_period", 5: "wrong_value", 8: "appeal_decision", 9: "other"}

// Fact is one fact about a subject in a period.
type Fact struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Subject  string `json:"subject"`
	Period   string `json:"period"`
	Value    int64  `json:"value"`
	Day      int64  `json:"day"` // KST day as YYYYMMDD, for distinct days
	Evidence string `json:"evidence,omitempty"`
	// Attestor is the member who signed it, or the module that produced it
	// ("assembly", "appeal:<id>").
	Attestor   string `json:"attestor"`
	Checker    string `json:"checker,omitempty"`
	Batch      string `json:"batch,omitempty"`
	Status     string `json:"status"`
	At         int64  `json:"at"`
	Height     int64  `json:"height"`
	RetractBy  string `json:"retracted_by,omitempty"`
	RetractWhy int    `json:"retract_reason,omitempty"`
	RetractAt  int64  `json:"retracted_at,omitempty"`
}

// MaxBatch bounds one attestation batch.
const MaxBatch = 500

// FactInput is one fact of an attestation batch.
type FactInput struct {
	Type     string `json:"type"`
	Subject  string `json:"subject"`
	Period   string `json:"period"`
	Value    int64  `json:"value"`
	Day      string `json:"day"` // YYYY-MM-DD (KST); empty: the block's day
	Evidence string `json:"evidence"`
}

// Batch is an attestor's batch.
type Batch struct {
	ID       string    `json:"id"`
	Attestor string    `json:"attestor"`
	Checker  string    `json:"checker,omitempty"`
	Pending  bool      `json:"pending"`
	Facts    []FactRef `json:"facts"`
	At       int64     `json:"at"`
	Height   int64     `json:"height"`
}

// FactRef locates a fact. A batch stores one per fact, so its keys are
// short; the ID is the batch's own (<batch>.<n>) and GetBatch fills it in.
type FactRef struct {
	Kind    string `json:"k"` // member or chapter
	Subject string `json:"s"`
	Period  string `json:"p"`
	ID      string `json:"-"`
}

// PeriodRecord is a period's stored progress; its state otherwise follows
// from block time.
type PeriodRecord struct {
	Period         string `json:"period"`
	Version        int    `json:"version"`
	ClosedAt       int64  `json:"closed_at,omitempty"`
	AppealsEnd     int64  `json:"appeals_end,omitempty"`
	FinalAt        int64  `json:"final_at,omitempty"`
	Appeals        int    `json:"appeals"`
	PendingAppeals int    `json:"pending_appeals"`
	// MintPage is the next page of the registry whose rewards
	// kpi/mint-rewards mints (MintPages: all minted); Minted and
	// MintedPoints count what it minted.
	MintPage     int    `json:"mint_page,omitempty"`
	Minted       int    `json:"minted,omitempty"`
	MintedPoints uint64 `json:"minted_points,omitempty"`
}

// Period states.
const (
	StateFuture  = "future"
	StateOpen    = "open"
	StateGrace   = "grace"
	StateClosed  = "closed"
	StateAppeals = "appeals"
	StateFinal   = "final"
)

// RankEntry is one chapter's place.
type RankEntry struct {
	Rank    int    `json:"rank"`
	Chapter string `json:"chapter"`
	ScoreBP int64  `json:"score_bp"`
	// Heaviest is the contribution of the heaviest rule, the first tie-break.
	Heaviest  int64 `json:"heaviest"`
	Bottom    bool  `json:"bottom,omitempty"`
	BottomRun int   `json:"bottom_run,omitempty"`
	Flagged   bool  `json:"flagged,omitempty"`
}

// TieBreak states how equal scores are ordered.
const TieBreak = "score desc, then the heaviest rule's contribution desc (the first such rule in the scorecard), then chapter ID asc"

// Ranking is a chapter scorecard's ranking for a period, stored at close and
// again at final.
type Ranking struct {
	Period    string      `json:"period"`
	Scorecard string      `json:"scorecard"`
	Version   int         `json:"version"`
	TieBreak  string      `json:"tie_break"`
	Final     bool        `json:"final"`
	At        int64       `json:"at"`
	Entries   []RankEntry `json:"entries"`
}

// Appeal outcomes.
const (
	AppealPending   = "pending"
	AppealUpheld    = "upheld"    // the score stands
	AppealCorrected = "corrected" // facts added or retracted
	AppealVoided    = "voided"    // the rule does not count for this subject
)

// Appeal is a subject's appeal of one rule's score.
type Appeal struct {
	ID        string    `json:"id"`
	Period    string    `json:"period"`
	Scorecard string    `json:"scorecard"`
	Kind      string    `json:"kind"`
	Subject   string    `json:"subject"`
	Rule      string    `json:"rule"`
	Fact      string    `json:"fact,omitempty"`
	Evidence  string    `json:"evidence"`
	FiledBy   string    `json:"filed_by"`
	FiledAt   int64     `json:"filed_at"`
	Outcome   string    `json:"outcome"`
	Decision  *Decision `json:"decision,omitempty"`
	Added     []string  `json:"added,omitempty"`
	Retracted []string  `json:"retracted,omitempty"`
	DecidedAt int64     `json:"decided_at,omitempty"`
}

// Erratum corrects a final period's score for one subject and rule without
// rewriting it: the tallies, the stored ranking and any reward stay as they
// were final, and readers see the erratum beside them.
type Erratum struct {
	ID         string   `json:"id"`
	Period     string   `json:"period"`
	Scorecard  string   `json:"scorecard"`
	Kind       string   `json:"kind"`
	Subject    string   `json:"subject"`
	Rule       string   `json:"rule"`
	Correction string   `json:"correction"`
	Decision   Decision `json:"decision"`
	At         int64    `json:"at"`
}

// Claim records a member's reward for a period.
type Claim struct {
	Member  string `json:"member"`
	Period  string `json:"period"`
	ScoreBP int64  `json:"score_bp"`
	Points  uint64 `json:"points"`
	At      int64  `json:"at"`
}

// Transaction types.
const (
	TypePropose      = "kpi/propose"
	TypeAdopt        = "kpi/adopt"
	TypeAttest       = "kpi/attest"
	TypeConfirm      = "kpi/confirm"
	TypeRetract      = "kpi/retract"
	TypeClose        = "kpi/close"
	TypeFinalize     = "kpi/finalize"
	TypeAppeal       = "kpi/appeal"
	TypeDecideAppeal = "kpi/decide-appeal"
	TypeClaim        = "kpi/claim"
	TypeMintRewards  = "kpi/mint-rewards"
	TypeErratum      = "kpi/erratum"
)

// Bodies.
type (
	ProposeBody struct {
		RuleSet RuleSet `json:"rule_set"`
	}
	AdoptBody struct {
		Proposal string `json:"proposal"`
		Meeting  string `json:"meeting"`
		Motion   int    `json:"motion"`
	}
	AttestBody struct {
		Batch string      `json:"batch"`
		Facts []FactInput `json:"facts"`
	}
	ConfirmBody struct {
		Batch string `json:"batch"`
	}
	RetractBody struct {
		Kind    string `json:"kind"`
		Subject string `json:"subject"`
		Period  string `json:"period"`
		Fact    string `json:"fact"`
		Reason  int    `json:"reason"`
	}
	PeriodBody struct {
		Period string `json:"period"`
	}
	AppealBody struct {
		ID        string `json:"id"`
		Period    string `json:"period"`
		Scorecard string `json:"scorecard"`
		Subject   string `json:"subject"`
		Rule      string `json:"rule"`
		Fact      string `json:"fact"`
		Evidence  string `json:"evidence"`
	}
	// ErratumBody records a correction to a final period, decided by the
	// appeals body: it states the corrected reading and rewrites nothing.
	ErratumBody struct {
		ID         string `json:"id"`
		Period     string `json:"period"`
		Scorecard  string `json:"scorecard"`
		Subject    string `json:"subject"`
		Rule       string `json:"rule"`
		Correction string `json:"correction"`
		Meeting    string `json:"meeting"`
		Motion     int    `json:"motion"`
	}
	DecideAppealBody struct {
		Appeal  string      `json:"appeal"`
		Outcome string      `json:"outcome"`
		Meeting string      `json:"meeting"`
		Motion  int         `json:"motion"`
		Add     []FactInput `json:"add"`
		Retract []string    `json:"retract"`
	}
)
