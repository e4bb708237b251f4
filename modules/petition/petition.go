// Package petition is the petitions module: members raise petitions, agree to
// them and discuss them in threaded comments; moderators hide and unhide
// content and block members from commenting; officials answer petitions that
// reach their threshold.
//
// The lifecycle follows Korea's 국민동의청원 and Decidim's initiatives:
//
//	draft --open--> pre_agreement --(PreAgreements agreements within PreWindow)--> collecting
//	collecting --(Threshold agreements within Window of going public)--> threshold_reached
//	threshold_reached --answer (secretary)--> answered   (overdue when after AnswerDue)
//	pre_agreement|collecting --(window passes)--> expired
//	draft|pre_agreement|collecting --withdraw (author)--> withdrawn
//
// Hiding by a moderator is a flag beside the state, so unhiding restores the
// petition where it was.
//
// Expiry and the overdue flag are evaluated lazily from block time: Effective
// computes the state a petition is in at a given time, every handler acts on
// it (a successful one writes it back; a refused one, such as an agreement
// after the window, changes nothing), and every read applies it with the
// latest block's time. No block ever has to sweep all petitions, and the outcome is
// the same on every validator because only block time enters it.
//
// What goes on chain: for petitions, comments and answers the state holds
// the SHA-256 of the content (ContentHash), never the text; the text travels
// in the signed transaction, so it is in the blocks, and the derived index
// (package index) serves it unless it is hidden or deleted. Agreements and
// votes are keyed by pseudonymous member ID; the public API serves counts.
package petition

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pnyx-party/pnyx/codes"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// The petition module's own codes (the 200s).
var (
	CodeAlreadyAgreed  = codes.Register(200, "already_agreed")  // one agreement per member per petition
	CodeNotEligible    = codes.Register(201, "not_eligible")    // the member may not act here (not active, out of scope)
	CodeTooDeep        = codes.Register(202, "thread_too_deep") // replies nest at most MaxDepth levels
	CodeBlocked        = codes.Register(203, "blocked")         // a moderator blocked the member from commenting here
	CodeAlreadyReport  = codes.Register(204, "already_reported")
	CodeAlreadyVoted   = codes.Register(205, "already_voted")
	CodeContentHidden  = codes.Register(206, "hidden")      // the content is hidden by moderation
	CodeContentDeleted = codes.Register(207, "deleted")     // the comment was deleted by its author
	CodeNotAgreed      = codes.Register(208, "not_agreed")  // withdrawing an agreement that does not exist
	CodeNotAuthor      = codes.Register(209, "not_author")  // only the author may do this
	CodeAlreadyState   = codes.Register(210, "not_changed") // hide what is hidden, unhide what is visible, block twice
)

// States of a petition.
const (
	Draft            = "draft"
	PreAgreement     = "pre_agreement"
	Collecting       = "collecting"
	ThresholdReached = "threshold_reached"
	Answered         = "answered"
	Expired          = "expired"
	Withdrawn        = "withdrawn"
)

// States lists every state.
var States = []string{Draft, PreAgreement, Collecting, ThresholdReached, Answered, Expired, Withdrawn}

// Stances of a comment.
const (
	For     = "for"
	Neutral = "neutral"
	Against = "against"
)

// MaxDepth is how deep comment threads nest: a top-level comment has depth
// 1, a reply to it 2, a reply to that 3.
const MaxDepth = 3

// AutoHideReports is how many distinct reports hide a comment.
const AutoHideReports = 3

// Content limits, in characters.
const (
	MaxTitle   = 200
	MaxBody    = 20000
	MaxComment = 5000
	MaxAnswer  = 20000
)

// Report reasons.
var ReportReasons = []string{"spam", "offensive", "off_topic"}

// Moderation reason codes: numbers, since free text would invite personal
// data onto a chain that cannot forget.
const (
	ReasonSpam       = 1
	ReasonOffensive  = 2
	ReasonOffTopic   = 3
	ReasonDefamation = 4
	ReasonPrivacy    = 5
	ReasonReports    = 8 // set by the chain when reports hide a comment
	ReasonOther      = 9
)

// ReasonNames names the moderation reason codes.
var ReasonNames = map[int]string{ReasonSpam: "spam", ReasonOffensive: "offensive", ReasonOffTopic: "off_topic",
	ReasonDefamation: "defamation", ReasonPrivacy: "privacy", ReasonReports: "reports", ReasonOther: "other"}

// Params are the thresholds and windows of a chapter's scope, in agreements
// and seconds. A petition copies its scope's params when it is created, so a
// later change never applies retroactively.
type Params struct {
	PreAgreements int64 `json:"pre_agreements"`
	PreWindow     int64 `json:"pre_window"`
	Threshold     int64 `json:"threshold"`
	Window        int64 `json:"window"`
	AnswerDue     int64 `json:"answer_due"`
}

const day = 24 * 3600

// DefaultParams apply where no chapter on the way to the root set any: 100
// pre-agreements within 30 days, 50,000 agreements within 30 days of going
// public, an answer within 30 days.
var DefaultParams = Params{PreAgreements: 100, PreWindow: 30 * day, Threshold: 50000, Window: 30 * day, AnswerDue: 30 * day}

func (p Params) validate() error {
	if p.PreAgreements < 0 || p.PreAgreements > 10_000_000 || p.Threshold < 1 || p.Threshold > 10_000_000 {
		return codes.InvalidArgument.Errorf("pre_agreements must be 0-10,000,000 and threshold 1-10,000,000")
	}
	if p.PreAgreements > p.Threshold {
		return codes.InvalidArgument.Errorf("pre_agreements %d exceeds threshold %d", p.PreAgreements, p.Threshold)
	}
	for _, w := range []int64{p.PreWindow, p.Window, p.AnswerDue} {
		if w < 1 || w > 366*day {
			return codes.InvalidArgument.Errorf("windows must be between 1 second and 366 days")
		}
	}
	return nil
}

// Petition is the on-chain record of a petition.
type Petition struct {
	ID          string `json:"id"`
	Chapter     string `json:"chapter"`
	Category    string `json:"category"`
	Author      string `json:"author"`
	ContentHash string `json:"content_hash"` // ContentHash("petition", title, body)
	State       string `json:"state"`
	Params      Params `json:"params"`
	Agreements  int64  `json:"agreements"`
	CreatedAt   int64  `json:"created_at"`
	Height      int64  `json:"height"`
	OpenedAt    int64  `json:"opened_at,omitempty"`
	PublicAt    int64  `json:"public_at,omitempty"`
	ReachedAt   int64  `json:"reached_at,omitempty"`
	ClosedAt    int64  `json:"closed_at,omitempty"` // answered, expired or withdrawn
	AnswerHash  string `json:"answer_hash,omitempty"`
	AnsweredBy  string `json:"answered_by,omitempty"`
	AnsweredAt  int64  `json:"answered_at,omitempty"`
	// AnsweredLate is set when the answer came after the due time.
	AnsweredLate bool `json:"answered_late,omitempty"`
	Hidden       bool `json:"hidden,omitempty"`
	HiddenReason int  `json:"hidden_reason,omitempty"`
}

// Deadline is when the current window ends (0 when none runs).
func (p Petition) Deadline() int64 {
	switch p.State {
	case PreAgreement:
		return p.OpenedAt + p.Params.PreWindow
	case Collecting:
		return p.PublicAt + p.Params.Window
	}
	return 0
}

// AnswerDueAt is when an answer is due (0 before the threshold).
func (p Petition) AnswerDueAt() int64 {
	if p.ReachedAt == 0 {
		return 0
	}
	return p.ReachedAt + p.Params.AnswerDue
}

// Effective returns p as it stands at time now: a petition whose window has
// passed is expired from the end of that window.
func Effective(p Petition, now int64) Petition {
	if d := p.Deadline(); d != 0 && now > d {
		p.State = Expired
		p.ClosedAt = d
	}
	return p
}

// Overdue reports whether p waits for an answer past its due time at now.
func Overdue(p Petition, now int64) bool {
	return p.State == ThresholdReached && now > p.AnswerDueAt()
}

// Comment is the on-chain record of a comment.
type Comment struct {
	ID          string `json:"id"`
	Petition    string `json:"petition"`
	Parent      string `json:"parent,omitempty"`
	OnAnswer    bool   `json:"on_answer,omitempty"`
	Depth       int    `json:"depth"`
	Author      string `json:"author"`
	Stance      string `json:"stance"`
	ContentHash string `json:"content_hash"` // of the current version
	Version     int    `json:"version"`      // 1 + number of edits
	Up          int64  `json:"up"`
	Down        int64  `json:"down"`
	Reports     int64  `json:"reports"`
	// ReportsCleared is the number of reports a moderator's unhide set aside;
	// AutoHideReports more hide the comment again.
	ReportsCleared int64 `json:"reports_cleared,omitempty"`
	Hidden         bool  `json:"hidden,omitempty"`
	HiddenReason   int   `json:"hidden_reason,omitempty"`
	Deleted        bool  `json:"deleted,omitempty"`
	CreatedAt      int64 `json:"created_at"`
	Height         int64 `json:"height"`
	EditedAt       int64 `json:"edited_at,omitempty"`
}

// Agreement records one member's agreement.
type Agreement struct {
	Chapter string `json:"chapter"` // the member's chapter when agreeing
	At      int64  `json:"at"`
	Height  int64  `json:"height"`
}

// Block bars a member from commenting in a chapter's subtree.
type Block struct {
	Member  string `json:"member"`
	Chapter string `json:"chapter"`
	Reason  int    `json:"reason"`
	By      string `json:"by"`
	At      int64  `json:"at"`
}

// Transaction types.
const (
	TypeSetParams  = "petition/set-params"
	TypeCreate     = "petition/create"
	TypeOpen       = "petition/open"
	TypeAgree      = "petition/agree"
	TypeUnagree    = "petition/unagree"
	TypeWithdraw   = "petition/withdraw"
	TypeAnswer     = "petition/answer"
	TypeComment    = "comment/post"
	TypeEdit       = "comment/edit"
	TypeDelete     = "comment/delete"
	TypeVote       = "comment/vote"
	TypeReport     = "comment/report"
	TypeHide       = "moderation/hide"
	TypeUnhide     = "moderation/unhide"
	TypeBlock      = "moderation/block"
	TypeUnblock    = "moderation/unblock"
	KindPetition   = "petition"
	KindComment    = "comment"
	VoteUp         = "up"
	VoteDown       = "down"
	VoteNone       = "none"
	contentDomain  = "pnyx/content/v1\x00"
	keyPrefix      = "pet/"
	maxIDLen       = 48
	maxCategoryLen = 32
)

// SetParamsBody sets the params of a chapter's scope.
type SetParamsBody struct {
	Chapter string `json:"chapter"`
	Params  Params `json:"params"`
}

// CreateBody creates a draft petition. The client picks the ID.
type CreateBody struct {
	ID       string `json:"id"`
	Chapter  string `json:"chapter"`
	Category string `json:"category"`
	Title    string `json:"title"`
	Body     string `json:"body"`
}

// RefBody names a petition (open, agree, unagree, withdraw).
type RefBody struct {
	Petition string `json:"petition"`
}

// AnswerBody is an official answer.
type AnswerBody struct {
	Petition string `json:"petition"`
	Body     string `json:"body"`
}

// CommentBody posts a comment on a petition, on its official answer
// (OnAnswer) or in reply to a comment (Parent).
type CommentBody struct {
	ID       string `json:"id"`
	Petition string `json:"petition"`
	Parent   string `json:"parent,omitempty"`
	OnAnswer bool   `json:"on_answer,omitempty"`
	Stance   string `json:"stance"`
	Body     string `json:"body"`
}

// EditBody replaces a comment's text; the earlier versions' hashes stay.
type EditBody struct {
	Comment string `json:"comment"`
	Body    string `json:"body"`
}

// CommentRefBody names a comment (delete).
type CommentRefBody struct {
	Comment string `json:"comment"`
}

// VoteBody sets the caller's vote on a comment: up, down or none.
type VoteBody struct {
	Comment string `json:"comment"`
	Vote    string `json:"vote"`
}

// ReportBody reports a comment.
type ReportBody struct {
	Comment string `json:"comment"`
	Reason  string `json:"reason"`
}

// HideBody hides or unhides a petition or a comment.
type HideBody struct {
	Kind   string `json:"kind"` // petition or comment
	ID     string `json:"id"`
	Reason int    `json:"reason"`
}

// BlockBody blocks or unblocks a member from commenting in a chapter's subtree.
type BlockBody struct {
	Member  string `json:"member"`
	Chapter string `json:"chapter"`
	Reason  int    `json:"reason,omitempty"`
}

// Petitions is the module.
type Petitions struct {
	Org *org.Org
	// Facts hears answers for KPIs, inside the block (the KPI module);
	// nil hears nothing. Who agreed to what is never passed on.
	Facts FactSink
}

// FactSink receives the one petition fact KPIs may count: a chapter's
// petition answered, on time or late. It must not fail the transaction.
type FactSink interface {
	PetitionAnswered(ctx *module.Context, chapter, petition string, late bool)
}

// Spec describes the module to the chain.
func (m *Petitions) Spec() module.Spec {
	// Who agreed to a petition, voted on or reported a comment.
	return module.Spec{Name: "petition", Personal: []string{keyPrefix + "a/", keyPrefix + "vote/", keyPrefix + "rep/"}, Routes: []module.Route{
		module.Handle(TypeSetParams, m.setParams),
		module.Handle(TypeCreate, m.create),
		module.Handle(TypeOpen, m.open),
		module.Handle(TypeAgree, m.agree),
		module.Handle(TypeUnagree, m.unagree),
		module.Handle(TypeWithdraw, m.withdraw),
		module.Handle(TypeAnswer, m.answer),
		module.Handle(TypeComment, m.comment),
		module.Handle(TypeEdit, m.edit),
		module.Handle(TypeDelete, m.delete),
		module.Handle(TypeVote, m.vote),
		module.Handle(TypeReport, m.report),
		module.Handle(TypeHide, m.hide),
		module.Handle(TypeUnhide, m.unhide),
		module.Handle(TypeBlock, m.block),
		module.Handle(TypeUnblock, m.unblock),
	}}
}

// ContentHash is hex(SHA-256("pnyx/content/v1\x00" ‖ kind ‖ "\x00" ‖ title ‖
// "\x00" ‖ body)): what the state keeps of a petition ("petition", title,
// body), an answer ("answer", "", body) or a comment version ("comment", "",
// body). Titles and bodies contain no NUL, so the encoding is unambiguous.
func ContentHash(kind, title, body string) string {
	h := sha256.New()
	h.Write([]byte(contentDomain))
	h.Write([]byte(kind + "\x00" + title + "\x00" + body))
	return hex.EncodeToString(h.Sum(nil))
}

// Store keys.
func PetitionKey(id string) []byte        { return []byte(keyPrefix + "p/" + id) }
func CommentKey(id string) []byte         { return []byte(keyPrefix + "c/" + id) }
func ParamsKey(chapter string) []byte     { return []byte(keyPrefix + "params/" + chapter) }
func AgreementKey(p, m string) []byte     { return []byte(keyPrefix + "a/" + p + "/" + m) }
func chapterCountKey(p, ch string) []byte { return []byte(keyPrefix + "ac/" + p + "/" + ch) }
func versionKey(c string, v int) []byte   { return []byte(keyPrefix + "cv/" + c + "/" + pad(v)) }
func voteKey(c, m string) []byte          { return []byte(keyPrefix + "vote/" + c + "/" + m) }
func reportKey(c, m string) []byte        { return []byte(keyPrefix + "rep/" + c + "/" + m) }
func BlockKey(ch, m string) []byte        { return []byte(keyPrefix + "block/" + ch + "/" + m) }

func pad(v int) string { s := strconv.Itoa(v); return strings.Repeat("0", 6-min(6, len(s))) + s }

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,47}$`)
var categoryPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// ValidID reports whether id is a well-formed petition or comment ID: 4-48
// of [a-z0-9-], starting with a letter or digit.
func ValidID(id string) bool { return idPattern.MatchString(id) }

func validText(what, s string, min, max int, multiline bool) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < min || n > max {
		return codes.InvalidArgument.Errorf("%s must be %d-%d characters of UTF-8 (got %d)", what, min, max, n)
	}
	if strings.TrimSpace(s) != s {
		return codes.InvalidArgument.Errorf("%s must not start or end with spaces", what)
	}
	for _, r := range s {
		if r == 0 || (r < 0x20 && !(multiline && (r == '\n' || r == '\t'))) || r == 0x7f {
			return codes.InvalidArgument.Errorf("%s contains a control character", what)
		}
	}
	return nil
}

// Get reads a petition as stored (apply Effective for its state now).
func Get(kv store.Reader, id string) (Petition, bool) {
	var p Petition
	if !ValidID(id) {
		return p, false
	}
	return module.Get[Petition](kv, string(PetitionKey(id)))
}

// GetComment reads a comment.
func GetComment(kv store.Reader, id string) (Comment, bool) {
	var c Comment
	if !ValidID(id) {
		return c, false
	}
	return module.Get[Comment](kv, string(CommentKey(id)))
}

// HasAgreed reports whether member agreed to petition.
func HasAgreed(kv store.Reader, petition, member string) (Agreement, bool) {
	return module.Get[Agreement](kv, string(AgreementKey(petition, member)))
}

// ChapterCount is one chapter's share of a petition's agreements.
type ChapterCount struct {
	Chapter string `json:"chapter"`
	Count   int64  `json:"count"`
}

// CountsByChapter lists a petition's agreements per agreeing member's chapter.
func CountsByChapter(kv store.Reader, petition string) []ChapterCount {
	out := []ChapterCount{}
	prefix := string(chapterCountKey(petition, ""))
	kv.Iterate([]byte(prefix), func(k, v []byte) bool {
		n, _ := strconv.ParseInt(string(v), 10, 64)
		out = append(out, ChapterCount{Chapter: strings.TrimPrefix(string(k), prefix), Count: n})
		return true
	})
	return out
}

// VersionHashes lists a comment's content hashes, oldest first.
func VersionHashes(kv store.Reader, comment string) []string {
	var out []string
	kv.Iterate([]byte(keyPrefix+"cv/"+comment+"/"), func(_, v []byte) bool {
		out = append(out, string(v))
		return true
	})
	return out
}

// ParamsFor returns the params in force for a chapter: its own, else the
// nearest ancestor's, else DefaultParams.
func ParamsFor(kv store.Reader, chapter string) Params {
	for _, ch := range org.Ancestors(kv, chapter) {
		if p, ok := module.Get[Params](kv, string(ParamsKey(ch))); ok {
			return p
		}
	}
	return DefaultParams
}

// BlockedIn reports whether member is blocked from commenting at chapter or
// above it.
func BlockedIn(kv store.Reader, member, chapter string) (Block, bool) {
	for _, ch := range org.Ancestors(kv, chapter) {
		if b, ok := module.Get[Block](kv, string(BlockKey(ch, member))); ok {
			return b, true
		}
	}
	return Block{}, false
}

func putPetition(ctx *module.Context, p Petition) {
	module.Put(ctx.Store, string(PetitionKey(p.ID)), p)
}
func putComment(ctx *module.Context, c Comment) {
	module.Put(ctx.Store, string(CommentKey(c.ID)), c)
}

// emitPetition tells the index where a petition stands; it never names
// agreeing members.
func emitPetition(ctx *module.Context, typ string, p Petition, extra ...string) {
	attrs := []string{"id", p.ID, "state", p.State, "agreements", strconv.FormatInt(p.Agreements, 10),
		"deadline", strconv.FormatInt(p.Deadline(), 10), "answer_due", strconv.FormatInt(p.AnswerDueAt(), 10),
		"hidden", strconv.FormatBool(p.Hidden)}
	ctx.Emit(typ, append(attrs, extra...)...)
}

func emitComment(ctx *module.Context, typ string, c Comment, extra ...string) {
	attrs := []string{"id", c.ID, "petition", c.Petition, "version", strconv.Itoa(c.Version),
		"up", strconv.FormatInt(c.Up, 10), "down", strconv.FormatInt(c.Down, 10),
		"hidden", strconv.FormatBool(c.Hidden), "deleted", strconv.FormatBool(c.Deleted)}
	ctx.Emit(typ, append(attrs, extra...)...)
}

// activeMember returns the caller's record if they are an active member.
func activeMember(ctx *module.Context) (members.Member, error) {
	c := ctx.Caller
	if c.MemberID == "" {
		return members.Member{}, codes.UnknownSigner.Errorf("signer %x is no member", []byte(c.Key)[:8])
	}
	m, _ := members.Get(ctx.Store, c.MemberID)
	if !c.Active || m.Status != members.Active {
		return m, CodeNotEligible.Errorf("member %s is %s, not active", c.MemberID, m.Status)
	}
	return m, nil
}

// load reads a petition and brings it to its effective state at block time.
func load(ctx *module.Context, id string) (Petition, error) {
	p, ok := Get(ctx.Store, id)
	if !ok {
		return p, codes.NotFound.Errorf("petition %q does not exist", id)
	}
	return Effective(p, ctx.Unix()), nil
}

func wrongState(p Petition, action string, allowed ...string) error {
	if p.State == Expired {
		return codes.Expired.Errorf("petition %s expired at %d; cannot %s", p.ID, p.ClosedAt, action)
	}
	return codes.WrongState.Errorf("petition %s is %s; %s needs %s", p.ID, p.State, action, strings.Join(allowed, " or "))
}

func in(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func (m *Petitions) setParams(ctx *module.Context, b SetParamsBody) error {
	if _, ok := org.GetChapter(ctx.Store, b.Chapter); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", b.Chapter)
	}
	if err := b.Params.validate(); err != nil {
		return err
	}
	// Admins and secretaries set a scope's params.
	if m.Org.Authorize(ctx, org.Admin, b.Chapter) != nil {
		if err := m.Org.Authorize(ctx, org.Secretary, b.Chapter); err != nil {
			return codes.Unauthorized.Errorf("%s (nor admin)", codes.Message(err))
		}
	}
	module.Put(ctx.Store, string(ParamsKey(b.Chapter)), b.Params)
	ctx.Emit("petition.params", "chapter", b.Chapter)
	return nil
}

func (m *Petitions) create(ctx *module.Context, b CreateBody) error {
	if !ValidID(b.ID) {
		return codes.InvalidArgument.Errorf("petition ID %q must be 2-48 of [a-z0-9-]", b.ID)
	}
	if !categoryPattern.MatchString(b.Category) {
		return codes.InvalidArgument.Errorf("category %q must be 1-32 of [a-z0-9-] starting with a letter", b.Category)
	}
	if err := validText("title", b.Title, 1, MaxTitle, false); err != nil {
		return err
	}
	if err := validText("body", b.Body, 1, MaxBody, true); err != nil {
		return err
	}
	if _, ok := org.GetChapter(ctx.Store, b.Chapter); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", b.Chapter)
	}
	me, err := activeMember(ctx)
	if err != nil {
		return err
	}
	if !org.Covers(ctx.Store, b.Chapter, me.Chapter) {
		return CodeNotEligible.Errorf("member %s belongs to chapter %s, outside the petition's scope %s", me.ID, me.Chapter, b.Chapter)
	}
	if ctx.Store.Get(PetitionKey(b.ID)) != nil {
		return codes.AlreadyExists.Errorf("petition %q exists already", b.ID)
	}
	p := Petition{ID: b.ID, Chapter: b.Chapter, Category: b.Category, Author: me.ID, ContentHash: ContentHash("petition", b.Title, b.Body),
		State: Draft, Params: ParamsFor(ctx.Store, b.Chapter), CreatedAt: ctx.Unix(), Height: ctx.Height}
	putPetition(ctx, p)
	emitPetition(ctx, "petition.created", p, "author", me.ID, "chapter", p.Chapter, "scope", strings.Join(org.Ancestors(ctx.Store, p.Chapter), " "),
		"category", p.Category, "content_hash", p.ContentHash)
	return nil
}

// authorOf loads a petition the caller wrote.
func (m *Petitions) authorOf(ctx *module.Context, id string) (Petition, error) {
	p, err := load(ctx, id)
	if err != nil {
		return p, err
	}
	if _, err := activeMember(ctx); err != nil {
		return p, err
	}
	if p.Author != ctx.Caller.MemberID {
		return p, CodeNotAuthor.Errorf("only the author %s may do this to petition %s", p.Author, p.ID)
	}
	return p, nil
}

func (m *Petitions) open(ctx *module.Context, b RefBody) error {
	p, err := m.authorOf(ctx, b.Petition)
	if err != nil {
		return err
	}
	if p.State != Draft {
		return wrongState(p, "open", Draft)
	}
	p.State, p.OpenedAt = PreAgreement, ctx.Unix()
	if p.Params.PreAgreements == 0 {
		p.State, p.PublicAt = Collecting, ctx.Unix()
	}
	putPetition(ctx, p)
	emitPetition(ctx, "petition.opened", p)
	return nil
}

func (m *Petitions) withdraw(ctx *module.Context, b RefBody) error {
	p, err := m.authorOf(ctx, b.Petition)
	if err != nil {
		return err
	}
	if !in(p.State, Draft, PreAgreement, Collecting) {
		return wrongState(p, "withdraw", Draft, PreAgreement, Collecting)
	}
	p.State, p.ClosedAt = Withdrawn, ctx.Unix()
	putPetition(ctx, p)
	emitPetition(ctx, "petition.withdrawn", p)
	return nil
}

// voter checks that the caller may agree to p: active and within its scope.
func voter(ctx *module.Context, p Petition) (members.Member, error) {
	me, err := activeMember(ctx)
	if err != nil {
		return me, err
	}
	if !org.Covers(ctx.Store, p.Chapter, me.Chapter) {
		return me, CodeNotEligible.Errorf("member %s belongs to chapter %s, outside petition %s's scope %s", me.ID, me.Chapter, p.ID, p.Chapter)
	}
	return me, nil
}

func addCount(ctx *module.Context, key []byte, delta int64) {
	n, _ := strconv.ParseInt(string(ctx.Store.Get(key)), 10, 64)
	n += delta
	if n == 0 {
		ctx.Store.Delete(key)
		return
	}
	ctx.Store.Set(key, []byte(strconv.FormatInt(n, 10)))
}

func (m *Petitions) agree(ctx *module.Context, b RefBody) error {
	p, err := load(ctx, b.Petition)
	if err != nil {
		return err
	}
	me, err := voter(ctx, p)
	if err != nil {
		return err
	}
	if !in(p.State, PreAgreement, Collecting) {
		return wrongState(p, "agree", PreAgreement, Collecting)
	}
	if p.Hidden {
		return CodeContentHidden.Errorf("petition %s is hidden by moderation", p.ID)
	}
	if _, ok := HasAgreed(ctx.Store, p.ID, me.ID); ok {
		return CodeAlreadyAgreed.Errorf("member %s agreed to petition %s already", me.ID, p.ID)
	}
	module.Put(ctx.Store, string(AgreementKey(p.ID, me.ID)), Agreement{Chapter: me.Chapter, At: ctx.Unix(), Height: ctx.Height})
	addCount(ctx, chapterCountKey(p.ID, me.Chapter), 1)
	p.Agreements++
	if p.State == PreAgreement && p.Agreements >= p.Params.PreAgreements {
		p.State, p.PublicAt = Collecting, ctx.Unix()
	}
	if p.State == Collecting && p.Agreements >= p.Params.Threshold {
		p.State, p.ReachedAt = ThresholdReached, ctx.Unix()
	}
	putPetition(ctx, p)
	emitPetition(ctx, "petition.agreed", p)
	return nil
}

func (m *Petitions) unagree(ctx *module.Context, b RefBody) error {
	p, err := load(ctx, b.Petition)
	if err != nil {
		return err
	}
	if ctx.Caller.MemberID == "" {
		return codes.UnknownSigner.Errorf("signer is no member")
	}
	if !in(p.State, PreAgreement, Collecting) {
		return wrongState(p, "withdraw an agreement", PreAgreement, Collecting)
	}
	a, ok := HasAgreed(ctx.Store, p.ID, ctx.Caller.MemberID)
	if !ok {
		return CodeNotAgreed.Errorf("member %s has not agreed to petition %s", ctx.Caller.MemberID, p.ID)
	}
	ctx.Store.Delete(AgreementKey(p.ID, ctx.Caller.MemberID))
	addCount(ctx, chapterCountKey(p.ID, a.Chapter), -1)
	p.Agreements--
	putPetition(ctx, p)
	emitPetition(ctx, "petition.unagreed", p)
	return nil
}

func (m *Petitions) answer(ctx *module.Context, b AnswerBody) error {
	if err := validText("answer", b.Body, 1, MaxAnswer, true); err != nil {
		return err
	}
	p, err := load(ctx, b.Petition)
	if err != nil {
		return err
	}
	if err := m.Org.Authorize(ctx, org.Secretary, p.Chapter); err != nil {
		return err
	}
	if p.State != ThresholdReached {
		return wrongState(p, "answer", ThresholdReached)
	}
	late := Overdue(p, ctx.Unix())
	p.State, p.ClosedAt = Answered, ctx.Unix()
	p.AnswerHash, p.AnsweredBy, p.AnsweredAt, p.AnsweredLate = ContentHash("answer", "", b.Body), ctx.Caller.MemberID, ctx.Unix(), late
	putPetition(ctx, p)
	emitPetition(ctx, "petition.answered", p, "by", p.AnsweredBy, "late", strconv.FormatBool(late), "answer_hash", p.AnswerHash)
	if m.Facts != nil {
		m.Facts.PetitionAnswered(ctx, p.Chapter, p.ID, late)
	}
	return nil
}

var stances = []string{For, Neutral, Against}

func (m *Petitions) comment(ctx *module.Context, b CommentBody) error {
	if !ValidID(b.ID) {
		return codes.InvalidArgument.Errorf("comment ID %q must be 2-48 of [a-z0-9-]", b.ID)
	}
	if !in(b.Stance, stances...) {
		return codes.InvalidArgument.Errorf("stance %q must be for, neutral or against", b.Stance)
	}
	if err := validText("comment", b.Body, 1, MaxComment, true); err != nil {
		return err
	}
	if b.Parent != "" && b.OnAnswer {
		return codes.InvalidArgument.Errorf("a reply takes its place from its parent; on_answer is for top-level comments")
	}
	p, err := load(ctx, b.Petition)
	if err != nil {
		return err
	}
	me, err := activeMember(ctx)
	if err != nil {
		return err
	}
	if blk, ok := BlockedIn(ctx.Store, me.ID, p.Chapter); ok {
		return CodeBlocked.Errorf("member %s is blocked from commenting in chapter %s (reason %d)", me.ID, blk.Chapter, blk.Reason)
	}
	if p.Hidden {
		return CodeContentHidden.Errorf("petition %s is hidden by moderation", p.ID)
	}
	if !in(p.State, PreAgreement, Collecting, ThresholdReached, Answered) {
		return wrongState(p, "comment", PreAgreement, Collecting, ThresholdReached, Answered)
	}
	depth, onAnswer := 1, b.OnAnswer
	if onAnswer && p.State != Answered {
		return codes.WrongState.Errorf("petition %s has no official answer to comment on", p.ID)
	}
	if b.Parent != "" {
		parent, ok := GetComment(ctx.Store, b.Parent)
		if !ok || parent.Petition != p.ID {
			return codes.NotFound.Errorf("comment %q does not exist on petition %s", b.Parent, p.ID)
		}
		if parent.Hidden || parent.Deleted {
			return codes.WrongState.Errorf("comment %s is hidden or deleted; replies are closed", parent.ID)
		}
		if parent.Depth >= MaxDepth {
			return CodeTooDeep.Errorf("comment %s is at depth %d; threads nest at most %d levels", parent.ID, parent.Depth, MaxDepth)
		}
		depth, onAnswer = parent.Depth+1, parent.OnAnswer
	}
	if ctx.Store.Get(CommentKey(b.ID)) != nil {
		return codes.AlreadyExists.Errorf("comment %q exists already", b.ID)
	}
	c := Comment{ID: b.ID, Petition: p.ID, Parent: b.Parent, OnAnswer: onAnswer, Depth: depth, Author: me.ID, Stance: b.Stance,
		ContentHash: ContentHash("comment", "", b.Body), Version: 1, CreatedAt: ctx.Unix(), Height: ctx.Height}
	putComment(ctx, c)
	ctx.Store.Set(versionKey(c.ID, 1), []byte(c.ContentHash))
	emitComment(ctx, "comment.posted", c, "author", me.ID, "chapter", p.Chapter, "depth", strconv.Itoa(depth),
		"parent", c.Parent, "on_answer", strconv.FormatBool(onAnswer), "stance", c.Stance, "content_hash", c.ContentHash)
	return nil
}

// ownComment loads a live comment the caller wrote.
func ownComment(ctx *module.Context, id string) (Comment, error) {
	c, ok := GetComment(ctx.Store, id)
	if !ok {
		return c, codes.NotFound.Errorf("comment %q does not exist", id)
	}
	if c.Author != ctx.Caller.MemberID {
		return c, CodeNotAuthor.Errorf("only the author %s may change comment %s", c.Author, c.ID)
	}
	if c.Deleted {
		return c, CodeContentDeleted.Errorf("comment %s is deleted", c.ID)
	}
	return c, nil
}

func (m *Petitions) edit(ctx *module.Context, b EditBody) error {
	if err := validText("comment", b.Body, 1, MaxComment, true); err != nil {
		return err
	}
	c, err := ownComment(ctx, b.Comment)
	if err != nil {
		return err
	}
	if _, err := activeMember(ctx); err != nil {
		return err
	}
	p, _ := Get(ctx.Store, c.Petition)
	if blk, ok := BlockedIn(ctx.Store, c.Author, p.Chapter); ok {
		return CodeBlocked.Errorf("member %s is blocked from commenting in chapter %s", c.Author, blk.Chapter)
	}
	if c.Hidden {
		return CodeContentHidden.Errorf("comment %s is hidden by moderation and cannot be edited", c.ID)
	}
	h := ContentHash("comment", "", b.Body)
	if h == c.ContentHash {
		return CodeAlreadyState.Errorf("the edit does not change comment %s", c.ID)
	}
	c.Version++
	c.ContentHash, c.EditedAt = h, ctx.Unix()
	putComment(ctx, c)
	ctx.Store.Set(versionKey(c.ID, c.Version), []byte(h))
	emitComment(ctx, "comment.edited", c, "content_hash", h)
	return nil
}

func (m *Petitions) delete(ctx *module.Context, b CommentRefBody) error {
	c, err := ownComment(ctx, b.Comment)
	if err != nil {
		return err
	}
	c.Deleted = true
	putComment(ctx, c)
	emitComment(ctx, "comment.deleted", c)
	return nil
}

// liveComment loads a comment that is neither deleted nor hidden.
func liveComment(ctx *module.Context, id string) (Comment, error) {
	c, ok := GetComment(ctx.Store, id)
	if !ok {
		return c, codes.NotFound.Errorf("comment %q does not exist", id)
	}
	if c.Deleted {
		return c, CodeContentDeleted.Errorf("comment %s is deleted", c.ID)
	}
	if c.Hidden {
		return c, CodeContentHidden.Errorf("comment %s is hidden by moderation", c.ID)
	}
	return c, nil
}

func (m *Petitions) vote(ctx *module.Context, b VoteBody) error {
	if !in(b.Vote, VoteUp, VoteDown, VoteNone) {
		return codes.InvalidArgument.Errorf("vote %q must be up, down or none", b.Vote)
	}
	c, err := liveComment(ctx, b.Comment)
	if err != nil {
		return err
	}
	me, err := activeMember(ctx)
	if err != nil {
		return err
	}
	if c.Author == me.ID {
		return codes.InvalidArgument.Errorf("members do not vote on their own comments")
	}
	prev := string(ctx.Store.Get(voteKey(c.ID, me.ID)))
	if prev == b.Vote || (prev == "" && b.Vote == VoteNone) {
		return CodeAlreadyVoted.Errorf("member %s's vote on comment %s is %s already", me.ID, c.ID, b.Vote)
	}
	switch prev {
	case VoteUp:
		c.Up--
	case VoteDown:
		c.Down--
	}
	switch b.Vote {
	case VoteUp:
		c.Up++
	case VoteDown:
		c.Down++
	}
	if b.Vote == VoteNone {
		ctx.Store.Delete(voteKey(c.ID, me.ID))
	} else {
		ctx.Store.Set(voteKey(c.ID, me.ID), []byte(b.Vote))
	}
	putComment(ctx, c)
	emitComment(ctx, "comment.voted", c)
	return nil
}

func (m *Petitions) report(ctx *module.Context, b ReportBody) error {
	if !in(b.Reason, ReportReasons...) {
		return codes.InvalidArgument.Errorf("reason %q must be one of %s", b.Reason, strings.Join(ReportReasons, ", "))
	}
	if _, ok := GetComment(ctx.Store, b.Comment); !ok {
		return codes.NotFound.Errorf("comment %q does not exist", b.Comment)
	}
	me, err := activeMember(ctx)
	if err != nil {
		return err
	}
	// A repeated report is named as such, even once the comment is hidden.
	if ctx.Store.Get(reportKey(b.Comment, me.ID)) != nil {
		return CodeAlreadyReport.Errorf("member %s reported comment %s already", me.ID, b.Comment)
	}
	c, err := liveComment(ctx, b.Comment)
	if err != nil {
		return err
	}
	if c.Author == me.ID {
		return codes.InvalidArgument.Errorf("members do not report their own comments")
	}
	ctx.Store.Set(reportKey(c.ID, me.ID), []byte(b.Reason))
	c.Reports++
	if c.Reports-c.ReportsCleared >= AutoHideReports {
		c.Hidden, c.HiddenReason = true, ReasonReports
	}
	putComment(ctx, c)
	emitComment(ctx, "comment.reported", c, "reports", strconv.FormatInt(c.Reports, 10))
	return nil
}

// moderated resolves a hide/unhide target to its petition's chapter.
func (m *Petitions) moderated(ctx *module.Context, b HideBody) (chapter string, err error) {
	if _, ok := ReasonNames[b.Reason]; !ok || b.Reason == ReasonReports {
		return "", codes.InvalidArgument.Errorf("reason %d is not a moderation reason code (1 spam, 2 offensive, 3 off_topic, 4 defamation, 5 privacy, 9 other)", b.Reason)
	}
	switch b.Kind {
	case KindPetition:
		p, ok := Get(ctx.Store, b.ID)
		if !ok {
			return "", codes.NotFound.Errorf("petition %q does not exist", b.ID)
		}
		return p.Chapter, nil
	case KindComment:
		c, ok := GetComment(ctx.Store, b.ID)
		if !ok {
			return "", codes.NotFound.Errorf("comment %q does not exist", b.ID)
		}
		p, _ := Get(ctx.Store, c.Petition)
		return p.Chapter, nil
	}
	return "", codes.InvalidArgument.Errorf("kind %q must be petition or comment", b.Kind)
}

func (m *Petitions) hide(ctx *module.Context, b HideBody) error { return m.setHidden(ctx, b, true) }
func (m *Petitions) unhide(ctx *module.Context, b HideBody) error {
	return m.setHidden(ctx, b, false)
}

func (m *Petitions) setHidden(ctx *module.Context, b HideBody, hidden bool) error {
	chapter, err := m.moderated(ctx, b)
	if err != nil {
		return err
	}
	if err := m.Org.Authorize(ctx, org.Moderator, chapter); err != nil {
		return err
	}
	typ := "moderation.unhidden"
	if hidden {
		typ = "moderation.hidden"
	}
	reason := strconv.Itoa(b.Reason)
	if b.Kind == KindPetition {
		p, _ := Get(ctx.Store, b.ID)
		if p.Hidden == hidden {
			return CodeAlreadyState.Errorf("petition %s is hidden=%v already", p.ID, hidden)
		}
		p.Hidden, p.HiddenReason = hidden, b.Reason
		putPetition(ctx, p)
		emitPetition(ctx, typ, Effective(p, ctx.Unix()), "kind", b.Kind, "reason", reason, "by", ctx.Caller.MemberID)
		return nil
	}
	c, _ := GetComment(ctx.Store, b.ID)
	if c.Hidden == hidden {
		return CodeAlreadyState.Errorf("comment %s is hidden=%v already", c.ID, hidden)
	}
	c.Hidden, c.HiddenReason = hidden, b.Reason
	if !hidden {
		c.ReportsCleared = c.Reports
	}
	putComment(ctx, c)
	emitComment(ctx, typ, c, "kind", b.Kind, "reason", reason, "by", ctx.Caller.MemberID)
	return nil
}

func (m *Petitions) block(ctx *module.Context, b BlockBody) error {
	if _, ok := ReasonNames[b.Reason]; !ok || b.Reason == ReasonReports {
		return codes.InvalidArgument.Errorf("reason %d is not a moderation reason code", b.Reason)
	}
	if err := m.blockChecks(ctx, b); err != nil {
		return err
	}
	if ctx.Store.Get(BlockKey(b.Chapter, b.Member)) != nil {
		return CodeAlreadyState.Errorf("member %s is blocked at %s already", b.Member, b.Chapter)
	}
	module.Put(ctx.Store, string(BlockKey(b.Chapter, b.Member)), Block{Member: b.Member, Chapter: b.Chapter, Reason: b.Reason, By: ctx.Caller.MemberID, At: ctx.Unix()})
	ctx.Emit("moderation.blocked", "member", b.Member, "chapter", b.Chapter, "reason", strconv.Itoa(b.Reason), "by", ctx.Caller.MemberID)
	return nil
}

func (m *Petitions) unblock(ctx *module.Context, b BlockBody) error {
	if err := m.blockChecks(ctx, b); err != nil {
		return err
	}
	if ctx.Store.Get(BlockKey(b.Chapter, b.Member)) == nil {
		return codes.NotFound.Errorf("member %s is not blocked at %s", b.Member, b.Chapter)
	}
	ctx.Store.Delete(BlockKey(b.Chapter, b.Member))
	ctx.Emit("moderation.unblocked", "member", b.Member, "chapter", b.Chapter, "by", ctx.Caller.MemberID)
	return nil
}

func (m *Petitions) blockChecks(ctx *module.Context, b BlockBody) error {
	if _, ok := org.GetChapter(ctx.Store, b.Chapter); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", b.Chapter)
	}
	if _, ok := members.Get(ctx.Store, b.Member); !ok {
		return codes.NotFound.Errorf("member %q does not exist", b.Member)
	}
	return m.Org.Authorize(ctx, org.Moderator, b.Chapter)
}
