package assembly

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

// MaxInlineMinutes is the largest minutes document carried in a transaction;
// larger ones live in the node's blob store, addressed by hash.
const MaxInlineMinutes = 64 << 10

// MaxAttendanceBatch bounds one record-attendance transaction.
const MaxAttendanceBatch = 500

// Transaction types.
const (
	TypeCreateBody       = "assembly/create-body"
	TypeGrantMandate     = "assembly/grant-mandate"
	TypeEndMandate       = "assembly/end-mandate"
	TypeSchedule         = "assembly/schedule"
	TypeOpen             = "assembly/open"
	TypeCancel           = "assembly/cancel"
	TypeCheckIn          = "assembly/check-in"
	TypeRecordAttendance = "assembly/record-attendance"
	TypeMotion           = "assembly/motion"
	TypeDecide           = "assembly/decide"
	TypeClose            = "assembly/close"
	TypeMinutes          = "assembly/minutes"
	TypeFinalize         = "assembly/finalize"
	TypeErratum          = "assembly/erratum"
	TypeChairSign        = "assembly/chair-sign"
	// TypeChairSignErratum puts the chair's signature over an erratum's
	// hash on chain, as TypeChairSign does for finalization.
	TypeChairSignErratum = "assembly/chair-sign-erratum"
)

// Bodies of the transactions.
type (
	CreateBodyBody struct {
		ID             string `json:"id"`
		Chapter        string `json:"chapter"`
		Kind           string `json:"kind"`
		Name           string `json:"name"`
		Quorum         Quorum `json:"quorum"`
		OpenAttendance bool   `json:"open_attendance"`
	}
	GrantMandateBody struct {
		Body     string `json:"body"`
		Member   string `json:"member"`
		Position string `json:"position"`
		From     int64  `json:"from"` // 0: now
		Until    int64  `json:"until"`
	}
	EndMandateBody struct {
		Body   string `json:"body"`
		Member string `json:"member"`
	}
	ScheduleBody struct {
		Body              string       `json:"body"`
		Title             string       `json:"title"`
		ScheduledAt       int64        `json:"scheduled_at"`
		Agenda            []AgendaItem `json:"agenda"`
		ExpectedAttendees int64        `json:"expected_attendees"`
	}
	MeetingBody struct {
		Meeting string `json:"meeting"`
	}
	CancelBody struct {
		Meeting string `json:"meeting"`
		Reason  int    `json:"reason"`
	}
	RecordAttendanceBody struct {
		Meeting string   `json:"meeting"`
		Members []string `json:"members"`
	}
	MotionBody struct {
		Meeting    string `json:"meeting"`
		AgendaItem int    `json:"agenda_item"`
		Title      string `json:"title"`
		Text       string `json:"text"`
	}
	DecideBody struct {
		Meeting     string `json:"meeting"`
		Motion      int    `json:"motion"`
		Decision    string `json:"decision"`
		For         int64  `json:"for"`
		Against     int64  `json:"against"`
		Abstain     int64  `json:"abstain"`
		Election    string `json:"election"`
		Conclusions string `json:"conclusions"`
	}
	MinutesBody struct {
		Meeting string `json:"meeting"`
		Hash    string `json:"hash"`
		Size    int    `json:"size"`
		// Content is the document itself when it is at most
		// MaxInlineMinutes; empty means it lives in the blob store.
		Content string `json:"content"`
	}
	FinalizeBody struct {
		Meeting    string `json:"meeting"`
		RecordHash string `json:"record_hash"`
		Chair      string `json:"chair"`
		ChairSig   string `json:"chair_sig"`
		// The secretary is the signer of the transaction.
		SecretarySig string `json:"secretary_sig"`
	}
	// ChairSignBody puts the chair's finalization signature on chain,
	// signed by the chair from their own device; the secretary's
	// assembly/finalize then carries it without anyone copying it by hand.
	ChairSignBody struct {
		Meeting    string `json:"meeting"`
		RecordHash string `json:"record_hash"`
		ChairSig   string `json:"chair_sig"`
	}
	// ChairSignErratumBody puts the chair's signature over an erratum's
	// exact content (ErratumHash, which includes the number it will get) on
	// chain; the secretary's assembly/erratum with no chair_sig carries it.
	ChairSignErratumBody struct {
		Meeting     string `json:"meeting"`
		ErratumHash string `json:"erratum_hash"`
		ChairSig    string `json:"chair_sig"`
	}
	ErratumBody struct {
		Meeting           string      `json:"meeting"`
		Target            string      `json:"target"`
		Correction        string      `json:"correction"`
		Reason            string      `json:"reason"`
		NewMinutes        *MinutesRef `json:"new_minutes"`
		NewMinutesContent string      `json:"new_minutes_content"`
		Chair             string      `json:"chair"`
		ChairSig          string      `json:"chair_sig"`
		SecretarySig      string      `json:"secretary_sig"`
	}
)

// Assembly is the module.
type Assembly struct {
	Org *org.Org
	// Facts hears the facts meetings produce, inside the block (the KPI
	// module); nil hears nothing.
	Facts FactSink
}

// FactSink receives facts for KPIs as a transaction executes: a narrow
// interface rather than events, which are not provable. It must not fail
// the transaction.
type FactSink interface {
	// Attended: member is present at m, by their own check-in or, when
	// register is true, from the secretary's paper register.
	Attended(ctx *module.Context, m Meeting, member string, register bool)
	// Finalized: m's record was co-signed and is final.
	Finalized(ctx *module.Context, m Meeting)
	// Mandate: md was granted, or ended (Until set).
	Mandate(ctx *module.Context, md Mandate)
}

// Spec describes the module to the chain.
func (a *Assembly) Spec() module.Spec {
	return module.Spec{Name: "assembly", Routes: []module.Route{
		module.Handle(TypeCreateBody, a.createBody),
		module.Handle(TypeGrantMandate, a.grantMandate),
		module.Handle(TypeEndMandate, a.endMandate),
		module.Handle(TypeSchedule, a.schedule),
		module.Handle(TypeOpen, a.open),
		module.Handle(TypeCancel, a.cancel),
		module.Handle(TypeCheckIn, a.checkIn),
		module.Handle(TypeRecordAttendance, a.recordAttendance),
		module.Handle(TypeMotion, a.motion),
		module.Handle(TypeDecide, a.decide),
		module.Handle(TypeClose, a.close),
		module.Handle(TypeMinutes, a.minutes),
		module.Handle(TypeFinalize, a.finalize),
		module.Handle(TypeErratum, a.erratum),
		module.Handle(TypeChairSign, a.chairSign),
		module.Handle(TypeChairSignErratum, a.chairSignErratum),
	}}
}

// Store keys.
func bodyKey(id string) string                { return "asm/body/" + id }
func bodyByChapterKey(ch, id string) string   { return "asm/bodies/" + ch + "/" + id }
func mandateKey(body, member string) string   { return "asm/mandate/" + body + "/" + member }
func meetingKey(id string) string             { return "asm/mtg/" + id }
func presentKey(id string) string             { return "asm/present/" + id }
func attendanceKey(mtg, member string) string { return "asm/att/" + mtg + "/" + member }
func motionKey(mtg string, no int) string     { return fmt.Sprintf("asm/motion/%s/%04d", mtg, no) }
func erratumKey(mtg string, no int) string    { return fmt.Sprintf("asm/erratum/%s/%04d", mtg, no) }
func minutesKey(mtg string) string            { return "asm/minutes/" + mtg }
func chairSigKey(mtg string) string           { return "asm/chairsig/" + mtg }
func erratumSigKey(mtg, hash string) string   { return "asm/chairsig-erratum/" + mtg + "/" + hash }
func erratumMinutesKey(mtg string, no int) string {
	return fmt.Sprintf("asm/minutes-erratum/%s/%04d", mtg, no)
}

// meetingsByChapterKey orders a chapter's meetings by scheduled time for
// date-range listings.
func meetingsByChapterKey(ch string, at int64, id string) string {
	return fmt.Sprintf("asm/mtgs/%s/%016d/%s", ch, at, id)
}

// Key accessors for proofs and readers.
func BodyKey(id string) []byte              { return []byte(bodyKey(id)) }
func MeetingKey(id string) []byte           { return []byte(meetingKey(id)) }
func MotionKey(mtg string, no int) []byte   { return []byte(motionKey(mtg, no)) }
func ErratumKey(mtg string, no int) []byte  { return []byte(erratumKey(mtg, no)) }
func PresentKey(mtg string) []byte          { return []byte(presentKey(mtg)) }
func MinutesKey(mtg string) []byte          { return []byte(minutesKey(mtg)) }
func MandateKey(body, member string) []byte { return []byte(mandateKey(body, member)) }
func AttendanceKey(mtg, member string) []byte {
	return []byte(attendanceKey(mtg, member))
}
func ErratumMinutesKey(mtg string, no int) []byte { return []byte(erratumMinutesKey(mtg, no)) }

// ChairSignatureKey is the store key of a meeting's pending chair signature.
func ChairSignatureKey(mtg string) []byte { return []byte(chairSigKey(mtg)) }

// GetChairSignature reads the chair's signature waiting for the secretary.
func GetChairSignature(kv store.Reader, mtg string) (ChairSignature, bool) {
	return module.Get[ChairSignature](kv, chairSigKey(mtg))
}

// ErratumSignatureKey is the store key of the chair's signature over the
// erratum of a meeting that hashes to hash (hex).
func ErratumSignatureKey(mtg, hash string) []byte { return []byte(erratumSigKey(mtg, hash)) }

// GetErratumSignature reads the chair's signature over an erratum hash
// waiting for the secretary's assembly/erratum.
func GetErratumSignature(kv store.Reader, mtg, hash string) (ChairSignature, bool) {
	return module.Get[ChairSignature](kv, erratumSigKey(mtg, hash))
}

// QuorumNow evaluates a meeting's quorum at unix time t, as a decision
// taken then would: the officials' console shows it live.
func QuorumNow(kv store.Reader, m Meeting, t int64) QuorumCheck { return quorumNow(kv, m, t) }

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)

func text(s, field string, min, max int) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < min || n > max {
		return codes.InvalidArgument.Errorf("%s must be %d-%d characters of UTF-8", field, min, max)
	}
	return nil
}

func oneOf(v, field string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return codes.InvalidArgument.Errorf("%s %q is not one of %s", field, v, strings.Join(allowed, ", "))
}

// GetBody, GetMeeting, GetMotion, GetErratum, GetMandate read records.
func GetBody(kv store.Reader, id string) (Body, bool) {
	var b Body
	if !idPattern.MatchString(id) {
		return b, false
	}
	return module.Get[Body](kv, bodyKey(id))
}

func GetMeeting(kv store.Reader, id string) (Meeting, bool) {
	var m Meeting
	if len(id) > 80 || strings.ContainsAny(id, "/") {
		return m, false
	}
	return module.Get[Meeting](kv, meetingKey(id))
}

func GetMotion(kv store.Reader, mtg string, no int) (Motion, bool) {
	return module.Get[Motion](kv, motionKey(mtg, no))
}

func GetErratum(kv store.Reader, mtg string, no int) (Erratum, bool) {
	return module.Get[Erratum](kv, erratumKey(mtg, no))
}

func GetMandate(kv store.Reader, body, member string) (Mandate, bool) {
	return module.Get[Mandate](kv, mandateKey(body, member))
}

// Present returns the number of members checked in to a meeting.
func Present(kv store.Reader, mtg string) int64 {
	v := kv.Get([]byte(presentKey(mtg)))
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func (a *Assembly) createBody(ctx *module.Context, b CreateBodyBody) error {
	if !idPattern.MatchString(b.ID) {
		return codes.InvalidArgument.Errorf("body ID %q must be 1-48 of [a-z0-9-]", b.ID)
	}
	if err := oneOf(b.Kind, "kind", kinds); err != nil {
		return err
	}
	if err := text(b.Name, "name", 1, 100); err != nil {
		return err
	}
	if b.Quorum.BP < 1 || b.Quorum.BP > 10000 {
		return codes.InvalidArgument.Errorf("quorum bp must be 1-10000 (basis points of the base)")
	}
	if _, ok := org.GetChapter(ctx.Store, b.Chapter); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", b.Chapter)
	}
	if err := a.Org.Authorize(ctx, org.Admin, b.Chapter); err != nil {
		return err
	}
	if _, exists := GetBody(ctx.Store, b.ID); exists {
		return codes.AlreadyExists.Errorf("body %q exists already", b.ID)
	}
	module.Put(ctx.Store, bodyKey(b.ID), Body{ID: b.ID, Chapter: b.Chapter, Kind: b.Kind, Name: b.Name, Quorum: b.Quorum,
		OpenAttendance: b.OpenAttendance, CreatedAt: ctx.Unix(), Height: ctx.Height})
	ctx.Store.Set([]byte(bodyByChapterKey(b.Chapter, b.ID)), []byte{1})
	ctx.Emit("assembly.body_created", "body", b.ID, "chapter", b.Chapter, "kind", b.Kind)
	return nil
}

func (a *Assembly) loadBody(ctx *module.Context, id string) (Body, error) {
	b, ok := GetBody(ctx.Store, id)
	if !ok {
		return b, codes.NotFound.Errorf("body %q does not exist", id)
	}
	return b, nil
}

func (a *Assembly) grantMandate(ctx *module.Context, b GrantMandateBody) error {
	body, err := a.loadBody(ctx, b.Body)
	if err != nil {
		return err
	}
	if err := oneOf(b.Position, "position", positions); err != nil {
		return err
	}
	if err := a.Org.Authorize(ctx, org.Admin, body.Chapter); err != nil {
		return err
	}
	if m, ok := members.Get(ctx.Store, b.Member); !ok || m.Status != members.Active {
		return codes.WrongState.Errorf("member %q is not an active member", b.Member)
	}
	if b.From == 0 {
		b.From = ctx.Unix()
	}
	if b.Until != 0 && b.Until <= b.From {
		return codes.InvalidArgument.Errorf("until must be after from")
	}
	if old, ok := GetMandate(ctx.Store, b.Body, b.Member); ok && old.ActiveAt(ctx.Unix()) {
		return codes.AlreadyExists.Errorf("member %s holds an active %s mandate in %s; end it first", b.Member, old.Position, b.Body)
	}
	md := Mandate{Body: b.Body, Member: b.Member, Position: b.Position, From: b.From, Until: b.Until, GrantedBy: ctx.Caller.MemberID, Height: ctx.Height}
	module.Put(ctx.Store, mandateKey(b.Body, b.Member), md)
	ctx.Emit("assembly.mandate_granted", "body", b.Body, "member", b.Member, "position", b.Position)
	if a.Facts != nil {
		a.Facts.Mandate(ctx, md)
	}
	return nil
}

func (a *Assembly) endMandate(ctx *module.Context, b EndMandateBody) error {
	body, err := a.loadBody(ctx, b.Body)
	if err != nil {
		return err
	}
	if err := a.Org.Authorize(ctx, org.Admin, body.Chapter); err != nil {
		return err
	}
	m, ok := GetMandate(ctx.Store, b.Body, b.Member)
	if !ok || !m.ActiveAt(ctx.Unix()) {
		return codes.NotFound.Errorf("member %s holds no active mandate in %s", b.Member, b.Body)
	}
	m.Until = ctx.Unix()
	if m.Until <= m.From {
		m.Until = m.From + 1
	}
	module.Put(ctx.Store, mandateKey(b.Body, b.Member), m)
	ctx.Emit("assembly.mandate_ended", "body", b.Body, "member", b.Member)
	if a.Facts != nil {
		a.Facts.Mandate(ctx, m)
	}
	return nil
}

// secretaryOf authorizes the caller as secretary over the meeting's chapter
// and loads the meeting, refusing any change once it is final.
func (a *Assembly) secretaryOf(ctx *module.Context, id string) (Meeting, error) {
	m, ok := GetMeeting(ctx.Store, id)
	if !ok {
		return m, codes.NotFound.Errorf("meeting %q does not exist", id)
	}
	if err := a.Org.Authorize(ctx, org.Secretary, m.Chapter); err != nil {
		return m, err
	}
	if m.State == Finalized {
		return m, CodeFinalized.Errorf("meeting %s is finalized; its record is immutable (file an erratum)", id)
	}
	return m, nil
}

func wantState(m Meeting, states ...string) error {
	for _, s := range states {
		if m.State == s {
			return nil
		}
	}
	if len(states) == 1 && states[0] == Open {
		return CodeNotOpen.Errorf("meeting %s is %s, not open", m.ID, m.State)
	}
	return codes.WrongState.Errorf("meeting %s is %s; this needs %s", m.ID, m.State, strings.Join(states, " or "))
}

func (a *Assembly) putMeeting(ctx *module.Context, m Meeting) {
	module.Put(ctx.Store, meetingKey(m.ID), m)
}

func (a *Assembly) schedule(ctx *module.Context, b ScheduleBody) error {
	body, err := a.loadBody(ctx, b.Body)
	if err != nil {
		return err
	}
	if err := a.Org.Authorize(ctx, org.Secretary, body.Chapter); err != nil {
		return err
	}
	if err := text(b.Title, "title", 1, 200); err != nil {
		return err
	}
	if len(b.Agenda) == 0 || len(b.Agenda) > 50 {
		return codes.InvalidArgument.Errorf("an agenda has 1-50 items")
	}
	for i, it := range b.Agenda {
		if it.No != i+1 {
			return codes.InvalidArgument.Errorf("agenda items are numbered 1, 2, …; item %d has number %d", i+1, it.No)
		}
		if err := text(it.Title, fmt.Sprintf("agenda item %d title", i+1), 1, 200); err != nil {
			return err
		}
	}
	if b.ScheduledAt <= 0 {
		return codes.InvalidArgument.Errorf("scheduled_at must be a Unix time")
	}
	if body.OpenAttendance && b.ExpectedAttendees <= 0 {
		return codes.InvalidArgument.Errorf("body %s has open attendance: expected_attendees (the registered delegates) is the quorum base and must be positive", body.ID)
	}
	if !body.OpenAttendance && b.ExpectedAttendees != 0 {
		return codes.InvalidArgument.Errorf("body %s counts its quorum from its mandates; expected_attendees must be 0", body.ID)
	}
	body.Meetings++
	module.Put(ctx.Store, bodyKey(body.ID), body)
	id := body.ID + "." + strconv.FormatInt(body.Meetings, 10)
	m := Meeting{ID: id, Body: body.ID, Chapter: body.Chapter, Title: b.Title, ScheduledAt: b.ScheduledAt, Agenda: b.Agenda,
		ExpectedAttendees: b.ExpectedAttendees, State: Scheduled, Secretary: ctx.Caller.MemberID, Height: ctx.Height}
	a.putMeeting(ctx, m)
	ctx.Store.Set([]byte(meetingsByChapterKey(body.Chapter, b.ScheduledAt, id)), []byte{1})
	ctx.Emit("assembly.meeting_scheduled", "meeting", id, "body", body.ID, "chapter", body.Chapter)
	return nil
}

func (a *Assembly) open(ctx *module.Context, b MeetingBody) error {
	m, err := a.secretaryOf(ctx, b.Meeting)
	if err != nil {
		return err
	}
	if err := wantState(m, Scheduled); err != nil {
		return err
	}
	m.State, m.OpenedAt = Open, ctx.Unix()
	a.putMeeting(ctx, m)
	ctx.Emit("assembly.meeting_opened", "meeting", m.ID)
	return nil
}

func (a *Assembly) cancel(ctx *module.Context, b CancelBody) error {
	m, err := a.secretaryOf(ctx, b.Meeting)
	if err != nil {
		return err
	}
	if err := wantState(m, Scheduled, Open); err != nil {
		return err
	}
	if _, ok := CancelReasons[b.Reason]; !ok {
		return codes.InvalidArgument.Errorf("cancel reason %d is not a known reason code", b.Reason)
	}
	m.State, m.CancelReason, m.ClosedAt = Cancelled, b.Reason, ctx.Unix()
	a.putMeeting(ctx, m)
	ctx.Emit("assembly.meeting_cancelled", "meeting", m.ID, "reason", CancelReasons[b.Reason])
	return nil
}

// eligible reports whether member may attend a meeting of body at time t.
func eligible(kv store.Reader, body Body, member string, t int64) error {
	mem, ok := members.Get(kv, member)
	if !ok {
		return CodeNotEligible.Errorf("%q is no member", member)
	}
	if mem.Status != members.Active {
		return CodeNotEligible.Errorf("member %s is %s", member, mem.Status)
	}
	if md, ok := GetMandate(kv, body.ID, member); ok && md.ActiveAt(t) {
		return nil
	}
	if body.OpenAttendance && org.Covers(kv, body.Chapter, mem.Chapter) {
		return nil
	}
	if body.OpenAttendance {
		return CodeNotEligible.Errorf("member %s of chapter %s is outside %s's chapter %s", member, mem.Chapter, body.ID, body.Chapter)
	}
	return CodeNotEligible.Errorf("member %s holds no active mandate in %s", member, body.ID)
}

// attend records one attendance; shared by check-in and the secretary's record.
func (a *Assembly) attend(ctx *module.Context, m Meeting, member, recorder string) error {
	body, _ := GetBody(ctx.Store, m.Body)
	if err := eligible(ctx.Store, body, member, ctx.Unix()); err != nil {
		return err
	}
	if ctx.Store.Get([]byte(attendanceKey(m.ID, member))) != nil {
		return CodeAlreadyCheckedIn.Errorf("member %s is checked in to %s already", member, m.ID)
	}
	module.Put(ctx.Store, attendanceKey(m.ID, member), Attendance{Meeting: m.ID, Member: member, At: ctx.Unix(), Recorder: recorder})
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(Present(ctx.Store, m.ID)+1))
	ctx.Store.Set([]byte(presentKey(m.ID)), n[:])
	// A fact for the KPI capability: who attended which body's meeting.
	ctx.Emit("assembly.attended", "meeting", m.ID, "body", m.Body, "chapter", m.Chapter, "member", member)
	if a.Facts != nil {
		a.Facts.Attended(ctx, m, member, recorder != "")
	}
	return nil
}

func (a *Assembly) checkIn(ctx *module.Context, b MeetingBody) error {
	if ctx.Caller.MemberID == "" {
		return CodeNotEligible.Errorf("signer %x is no member", []byte(ctx.Caller.Key)[:8])
	}
	m, ok := GetMeeting(ctx.Store, b.Meeting)
	if !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", b.Meeting)
	}
	if err := wantState(m, Open); err != nil {
		return err
	}
	return a.attend(ctx, m, ctx.Caller.MemberID, "")
}

func (a *Assembly) recordAttendance(ctx *module.Context, b RecordAttendanceBody) error {
	if len(b.Members) == 0 || len(b.Members) > MaxAttendanceBatch {
		return codes.InvalidArgument.Errorf("record 1-%d members at a time", MaxAttendanceBatch)
	}
	m, err := a.secretaryOf(ctx, b.Meeting)
	if err != nil {
		return err
	}
	if err := wantState(m, Open); err != nil {
		return err
	}
	for _, id := range b.Members {
		if err := a.attend(ctx, m, id, ctx.Caller.MemberID); err != nil {
			return err
		}
	}
	return nil
}

// quorumNow evaluates the body's quorum for a meeting at this moment.
func quorumNow(kv store.Reader, m Meeting, t int64) QuorumCheck {
	body, _ := GetBody(kv, m.Body)
	base := m.ExpectedAttendees
	if !body.OpenAttendance {
		base = 0
		kv.Iterate([]byte("asm/mandate/"+body.ID+"/"), func(_, v []byte) bool {
			var md Mandate
			if json.Unmarshal(v, &md) == nil && md.ActiveAt(t) {
				base++
			}
			return true
		})
	}
	present := Present(kv, m.ID)
	return QuorumCheck{Present: present, Base: base, Met: body.Quorum.Met(present, base), At: t}
}

func (a *Assembly) motion(ctx *module.Context, b MotionBody) error {
	m, err := a.secretaryOf(ctx, b.Meeting)
	if err != nil {
		return err
	}
	if err := wantState(m, Open); err != nil {
		return err
	}
	if b.AgendaItem < 1 || b.AgendaItem > len(m.Agenda) {
		return codes.InvalidArgument.Errorf("agenda item %d does not exist (1-%d)", b.AgendaItem, len(m.Agenda))
	}
	if err := text(b.Title, "title", 1, 200); err != nil {
		return err
	}
	if err := text(b.Text, "text", 1, 16000); err != nil {
		return err
	}
	m.Motions++
	module.Put(ctx.Store, motionKey(m.ID, m.Motions), Motion{Meeting: m.ID, No: m.Motions, AgendaItem: b.AgendaItem, Title: b.Title, Text: b.Text, Decision: Pending})
	a.putMeeting(ctx, m)
	ctx.Emit("assembly.motion", "meeting", m.ID, "motion", strconv.Itoa(m.Motions))
	return nil
}

var decisions = []string{Adopted, Rejected, Withdrawn, Deferred}

func (a *Assembly) decide(ctx *module.Context, b DecideBody) error {
	m, err := a.secretaryOf(ctx, b.Meeting)
	if err != nil {
		return err
	}
	if err := wantState(m, Open); err != nil {
		return err
	}
	mo, ok := GetMotion(ctx.Store, m.ID, b.Motion)
	if !ok {
		return codes.NotFound.Errorf("motion %d of %s does not exist", b.Motion, m.ID)
	}
	if mo.Decision != Pending && mo.Decision != Deferred {
		return codes.WrongState.Errorf("motion %d was %s already", b.Motion, mo.Decision)
	}
	if err := oneOf(b.Decision, "decision", decisions); err != nil {
		return err
	}
	if err := text(b.Conclusions, "conclusions", 0, 8000); err != nil {
		return err
	}
	if b.For < 0 || b.Against < 0 || b.Abstain < 0 {
		return codes.InvalidArgument.Errorf("vote counts cannot be negative")
	}
	q := quorumNow(ctx.Store, m, ctx.Unix())
	voted := b.Decision == Adopted || b.Decision == Rejected
	if voted {
		if !q.Met {
			return CodeInquorate.Errorf("meeting %s is inquorate (%d present of %d); a motion can only be withdrawn or deferred", m.ID, q.Present, q.Base)
		}
		if b.Election != "" {
			if b.For != 0 || b.Against != 0 || b.Abstain != 0 {
				return codes.InvalidArgument.Errorf("a secret-ballot decision takes its counts from election %s, not from the motion", b.Election)
			}
		} else {
			if b.For+b.Against+b.Abstain > q.Present {
				return codes.InvalidArgument.Errorf("%d votes cast but only %d present", b.For+b.Against+b.Abstain, q.Present)
			}
			if (b.Decision == Adopted) != (b.For > b.Against) {
				return codes.InvalidArgument.Errorf("%s contradicts the counts: %d for, %d against", b.Decision, b.For, b.Against)
			}
		}
	} else if b.For != 0 || b.Against != 0 || b.Abstain != 0 || b.Election != "" {
		return codes.InvalidArgument.Errorf("a %s motion carries no vote", b.Decision)
	}
	mo.Decision, mo.For, mo.Against, mo.Abstain = b.Decision, b.For, b.Against, b.Abstain
	mo.Election, mo.Conclusions, mo.Quorum, mo.DecidedAt = b.Election, b.Conclusions, &q, ctx.Unix()
	module.Put(ctx.Store, motionKey(m.ID, mo.No), mo)
	ctx.Emit("assembly.decision", "meeting", m.ID, "motion", strconv.Itoa(mo.No), "decision", b.Decision)
	return nil
}

func (a *Assembly) close(ctx *module.Context, b MeetingBody) error {
	m, err := a.secretaryOf(ctx, b.Meeting)
	if err != nil {
		return err
	}
	if err := wantState(m, Open); err != nil {
		return err
	}
	q := quorumNow(ctx.Store, m, ctx.Unix())
	m.State, m.ClosedAt, m.QuorumAtClose = Closed, ctx.Unix(), &q
	a.putMeeting(ctx, m)
	ctx.Emit("assembly.meeting_closed", "meeting", m.ID, "quorate", strconv.FormatBool(q.Met))
	return nil
}

// checkMinutes validates a minutes reference and its inline content.
func checkMinutes(ref MinutesRef, content string) error {
	h, err := hex.DecodeString(ref.Hash)
	if err != nil || len(h) != sha256.Size || hex.EncodeToString(h) != ref.Hash {
		return codes.InvalidArgument.Errorf("minutes hash must be 64 lowercase hex digits")
	}
	if ref.Size <= 0 {
		return codes.InvalidArgument.Errorf("minutes size must be positive")
	}
	if content == "" {
		if ref.Size <= MaxInlineMinutes {
			return codes.InvalidArgument.Errorf("minutes of %d bytes must travel inline (blob store is for more than %d)", ref.Size, MaxInlineMinutes)
		}
		return nil
	}
	if len(content) > MaxInlineMinutes {
		return codes.InvalidArgument.Errorf("inline minutes are at most %d bytes; store larger ones as a blob", MaxInlineMinutes)
	}
	if sum := sha256.Sum256([]byte(content)); hex.EncodeToString(sum[:]) != ref.Hash || len(content) != ref.Size {
		return CodeMinutesMismatch.Errorf("minutes content (%d bytes, hash %x…) does not match the stated hash %.16s… and size %d", len(content), sum[:8], ref.Hash, ref.Size)
	}
	return nil
}

func (a *Assembly) minutes(ctx *module.Context, b MinutesBody) error {
	m, err := a.secretaryOf(ctx, b.Meeting)
	if err != nil {
		return err
	}
	if err := wantState(m, Open, Closed); err != nil {
		return err
	}
	ref := MinutesRef{Hash: b.Hash, Size: b.Size, Inline: b.Content != ""}
	if err := checkMinutes(ref, b.Content); err != nil {
		return err
	}
	m.Minutes = &ref
	a.putMeeting(ctx, m)
	if ref.Inline {
		ctx.Store.Set([]byte(minutesKey(m.ID)), []byte(b.Content))
	} else {
		ctx.Store.Delete([]byte(minutesKey(m.ID)))
	}
	ctx.Emit("assembly.minutes", "meeting", m.ID, "hash", b.Hash)
	return nil
}

// RecordHash is what the chair and the secretary sign to finalize: SHA-256
// over "pnyx/assembly-record/v1\x00", then, each preceded by its length as a
// u32, the meeting's JSON as it stood when signed (state closed,
// Finalization nil, Errata 0), the count of
// members present as decimal, and every motion's JSON in order.
func RecordHash(kv store.Reader, mtg string) ([]byte, error) {
	m, ok := GetMeeting(kv, mtg)
	if !ok {
		return nil, fmt.Errorf("meeting %q does not exist", mtg)
	}
	var motions []Motion
	for i := 1; i <= m.Motions; i++ {
		mo, _ := GetMotion(kv, mtg, i)
		motions = append(motions, mo)
	}
	return ComputeRecordHash(m, Present(kv, mtg), motions), nil
}

// ComputeRecordHash computes RecordHash from the records themselves, so a
// verifier holding proven records needs no store.
func ComputeRecordHash(m Meeting, present int64, motions []Motion) []byte {
	// The record as it stood when signed: closed, not yet final, no errata.
	if m.State == Finalized {
		m.State = Closed
	}
	m.Finalization, m.Errata = nil, 0
	h := sha256.New()
	h.Write([]byte("pnyx/assembly-record/v1\x00"))
	put := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	mj, _ := json.Marshal(m)
	put(mj)
	put([]byte(strconv.FormatInt(present, 10)))
	for _, mo := range motions {
		j, _ := json.Marshal(mo)
		put(j)
	}
	return h.Sum(nil)
}

// ErratumHash is what the chair and the secretary sign for an erratum:
// SHA-256 of "pnyx/assembly-erratum/v1\x00" and the erratum's JSON with its
// signatures left empty.
func ErratumHash(e Erratum) []byte {
	e.Signatures = Cosignature{}
	j, _ := json.Marshal(e)
	h := sha256.Sum256(append([]byte("pnyx/assembly-erratum/v1\x00"), j...))
	return h[:]
}

// CosignMessage is the message each co-signer signs with their member key.
// kind is "finalize" or "erratum".
func CosignMessage(chainID, kind, meeting string, hash []byte) []byte {
	return []byte("pnyx/assembly-cosign/v1\x00" + chainID + "\x00" + kind + "\x00" + meeting + "\x00" + hex.EncodeToString(hash))
}

// VerifyCosignature checks both signatures of c over hash with the keys c
// names. Certificate verifiers call it offline.
func VerifyCosignature(chainID, kind, meeting string, hash []byte, c Cosignature) error {
	if c.Hash != hex.EncodeToString(hash) {
		return CodeStaleRecord.Errorf("signatures are over %.16s…, the record hashes to %x…", c.Hash, hash[:8])
	}
	msg := CosignMessage(chainID, kind, meeting, hash)
	for _, s := range []struct{ who, key, sig string }{{"chair " + c.Chair, c.ChairKey, c.ChairSig}, {"secretary " + c.Secretary, c.SecretaryKey, c.SecretarySig}} {
		key, err1 := hex.DecodeString(s.key)
		sig, err2 := hex.DecodeString(s.sig)
		if err1 != nil || err2 != nil || len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, msg, sig) {
			return CodeCosignature.Errorf("the %s's signature is missing or does not verify", s.who)
		}
	}
	return nil
}

// cosign builds and checks the co-signature of the meeting's chair (an
// active chair mandate) and the calling secretary over hash.
func (a *Assembly) cosign(ctx *module.Context, m Meeting, kind string, hash []byte, chair, chairSig, secSig string) (Cosignature, error) {
	md, ok := GetMandate(ctx.Store, m.Body, chair)
	if !ok || md.Position != Chair || !md.ActiveAt(ctx.Unix()) {
		return Cosignature{}, CodeCosignature.Errorf("member %q holds no active chair mandate in %s", chair, m.Body)
	}
	chairMember, ok := members.Get(ctx.Store, chair)
	if !ok || chairMember.Status != members.Active {
		return Cosignature{}, CodeCosignature.Errorf("chair %s is not an active member", chair)
	}
	c := Cosignature{Hash: hex.EncodeToString(hash), Chair: chair, ChairKey: chairMember.PublicKey, ChairSig: chairSig,
		Secretary: ctx.Caller.MemberID, SecretaryKey: hex.EncodeToString(ctx.Caller.Key), SecretarySig: secSig, At: ctx.Unix(), Height: ctx.Height}
	if err := VerifyCosignature(ctx.ChainID, kind, m.ID, hash, c); err != nil {
		return c, err
	}
	return c, nil
}

func (a *Assembly) finalize(ctx *module.Context, b FinalizeBody) error {
	m, err := a.secretaryOf(ctx, b.Meeting)
	if err != nil {
		return err
	}
	if err := wantState(m, Closed); err != nil {
		return err
	}
	hash, _ := RecordHash(ctx.Store, m.ID)
	if b.RecordHash != hex.EncodeToString(hash) {
		return CodeStaleRecord.Errorf("the record changed since it was signed: it hashes to %x now", hash)
	}
	c, err := a.cosign(ctx, m, "finalize", hash, b.Chair, b.ChairSig, b.SecretarySig)
	if err != nil {
		return err
	}
	m.State, m.Finalization = Finalized, &c
	a.putMeeting(ctx, m)
	ctx.Emit("assembly.meeting_finalized", "meeting", m.ID, "record_hash", c.Hash)
	if a.Facts != nil {
		a.Facts.Finalized(ctx, m)
	}
	return nil
}

// chairSign records the chair's signature over a closed meeting's current
// record, checked as finalize will check it: the signer holds an active
// chair mandate in the body, the hash is the record's current one, and the
// signature verifies with the chair's key. A later signature replaces an
// earlier one (the record may have changed in between); finalization is
// still the secretary's assembly/finalize, which carries this signature.
func (a *Assembly) chairSign(ctx *module.Context, b ChairSignBody) error {
	m, ok := GetMeeting(ctx.Store, b.Meeting)
	if !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", b.Meeting)
	}
	if m.State == Finalized {
		return CodeFinalized.Errorf("meeting %s is finalized already", m.ID)
	}
	if err := wantState(m, Closed); err != nil {
		return err
	}
	chair := ctx.Caller.MemberID
	md, ok := GetMandate(ctx.Store, m.Body, chair)
	if chair == "" || !ctx.Caller.Active || !ok || md.Position != Chair || !md.ActiveAt(ctx.Unix()) {
		return codes.Unauthorized.Errorf("signer %x holds no active chair mandate in %s", []byte(ctx.Caller.Key)[:8], m.Body)
	}
	hash, _ := RecordHash(ctx.Store, m.ID)
	if b.RecordHash != hex.EncodeToString(hash) {
		return CodeStaleRecord.Errorf("the record changed since it was signed: it hashes to %x now", hash)
	}
	sig, err := hex.DecodeString(b.ChairSig)
	if err != nil || !ed25519.Verify(ctx.Caller.Key, CosignMessage(ctx.ChainID, "finalize", m.ID, hash), sig) {
		return CodeCosignature.Errorf("the chair %s's signature is missing or does not verify", chair)
	}
	module.Put(ctx.Store, chairSigKey(m.ID), ChairSignature{Meeting: m.ID, Hash: b.RecordHash, Chair: chair,
		ChairKey: hex.EncodeToString(ctx.Caller.Key), ChairSig: b.ChairSig, At: ctx.Unix(), Height: ctx.Height})
	ctx.Emit("assembly.chair_signed", "meeting", m.ID, "chair", chair, "record_hash", b.RecordHash)
	return nil
}

// chairSignErratum records the chair's signature over an erratum's hash,
// checked as assembly/erratum checks it: the signer holds an active chair
// mandate in the body and the signature over the erratum statement
// verifies with their key. The chain cannot know yet which erratum the hash
// stands for; assembly/erratum finds the signature by the hash of the
// erratum it files, so a signature over other content (or over a number
// another erratum took first) is simply never found.
func (a *Assembly) chairSignErratum(ctx *module.Context, b ChairSignErratumBody) error {
	m, ok := GetMeeting(ctx.Store, b.Meeting)
	if !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", b.Meeting)
	}
	if m.State != Finalized {
		return codes.WrongState.Errorf("meeting %s is %s; only a finalized record takes errata", m.ID, m.State)
	}
	chair := ctx.Caller.MemberID
	md, ok := GetMandate(ctx.Store, m.Body, chair)
	if chair == "" || !ctx.Caller.Active || !ok || md.Position != Chair || !md.ActiveAt(ctx.Unix()) {
		return codes.Unauthorized.Errorf("signer %x holds no active chair mandate in %s", []byte(ctx.Caller.Key)[:8], m.Body)
	}
	hash, err := hex.DecodeString(b.ErratumHash)
	if err != nil || len(hash) != sha256.Size || hex.EncodeToString(hash) != b.ErratumHash {
		return codes.InvalidArgument.Errorf("erratum_hash must be 64 lowercase hex digits")
	}
	sig, err := hex.DecodeString(b.ChairSig)
	if err != nil || !ed25519.Verify(ctx.Caller.Key, CosignMessage(ctx.ChainID, "erratum", m.ID, hash), sig) {
		return CodeCosignature.Errorf("the chair %s's signature is missing or does not verify", chair)
	}
	module.Put(ctx.Store, erratumSigKey(m.ID, b.ErratumHash), ChairSignature{Meeting: m.ID, Hash: b.ErratumHash, Chair: chair,
		ChairKey: hex.EncodeToString(ctx.Caller.Key), ChairSig: b.ChairSig, At: ctx.Unix(), Height: ctx.Height})
	ctx.Emit("assembly.erratum_chair_signed", "meeting", m.ID, "chair", chair, "erratum_hash", b.ErratumHash)
	return nil
}

func (a *Assembly) erratum(ctx *module.Context, b ErratumBody) error {
	m, ok := GetMeeting(ctx.Store, b.Meeting)
	if !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", b.Meeting)
	}
	if err := a.Org.Authorize(ctx, org.Secretary, m.Chapter); err != nil {
		return err
	}
	if m.State != Finalized {
		return codes.WrongState.Errorf("meeting %s is %s; only a finalized record takes errata (correct it directly)", m.ID, m.State)
	}
	if err := a.checkTarget(ctx.Store, m, b.Target); err != nil {
		return err
	}
	if err := text(b.Correction, "correction", 1, 8000); err != nil {
		return err
	}
	if err := text(b.Reason, "reason", 1, 2000); err != nil {
		return err
	}
	if b.NewMinutes != nil {
		if b.Target != "minutes" {
			return codes.InvalidArgument.Errorf("new minutes belong to an erratum whose target is minutes")
		}
		b.NewMinutes.Inline = b.NewMinutesContent != ""
		if err := checkMinutes(*b.NewMinutes, b.NewMinutesContent); err != nil {
			return err
		}
	} else if b.NewMinutesContent != "" {
		return codes.InvalidArgument.Errorf("new_minutes_content needs new_minutes")
	}
	e := Erratum{Meeting: m.ID, No: m.Errata + 1, Target: b.Target, Correction: b.Correction, Reason: b.Reason, NewMinutes: b.NewMinutes}
	hash := ErratumHash(e)
	onChain := b.ChairSig == ""
	if onChain {
		// The chair signed from their own device (assembly/chair-sign-erratum).
		cs, ok := GetErratumSignature(ctx.Store, m.ID, hex.EncodeToString(hash))
		if !ok {
			return CodeCosignature.Errorf("no chair signature on chain over erratum %d as filed; the chair signs its exact text with assembly/chair-sign-erratum", e.No)
		}
		b.Chair, b.ChairSig = cs.Chair, cs.ChairSig
	}
	c, err := a.cosign(ctx, m, "erratum", hash, b.Chair, b.ChairSig, b.SecretarySig)
	if err != nil {
		return err
	}
	if onChain {
		ctx.Store.Delete(ErratumSignatureKey(m.ID, c.Hash))
	}
	e.Signatures = c
	module.Put(ctx.Store, erratumKey(m.ID, e.No), e)
	if b.NewMinutesContent != "" {
		ctx.Store.Set([]byte(erratumMinutesKey(m.ID, e.No)), []byte(b.NewMinutesContent))
	}
	m.Errata = e.No
	a.putMeeting(ctx, m)
	ctx.Emit("assembly.erratum", "meeting", m.ID, "erratum", strconv.Itoa(e.No), "target", b.Target)
	return nil
}

func (a *Assembly) checkTarget(kv store.Reader, m Meeting, target string) error {
	switch {
	case target == "minutes":
		if m.Minutes == nil {
			return codes.InvalidArgument.Errorf("meeting %s has no minutes to correct", m.ID)
		}
		return nil
	case target == "meeting":
		return nil
	case strings.HasPrefix(target, "motion:"):
		n, err := strconv.Atoi(strings.TrimPrefix(target, "motion:"))
		if err != nil || n < 1 || n > m.Motions {
			return codes.InvalidArgument.Errorf("target %q names no motion of %s", target, m.ID)
		}
		return nil
	}
	return codes.InvalidArgument.Errorf("target must be minutes, meeting or motion:N, not %q", target)
}

// RecordKeys lists the store keys of everything a meeting's record consists
// of — body, meeting, attendance count, every motion, every erratum — in the
// order readers prove them.
func RecordKeys(m Meeting) [][]byte {
	ks := [][]byte{BodyKey(m.Body), MeetingKey(m.ID), PresentKey(m.ID)}
	for i := 1; i <= m.Motions; i++ {
		ks = append(ks, MotionKey(m.ID, i))
	}
	for i := 1; i <= m.Errata; i++ {
		ks = append(ks, ErratumKey(m.ID, i))
	}
	return ks
}

// NextErratum returns the number the next erratum of a meeting will get, so
// co-signers can compute ErratumHash before submitting.
func NextErratum(kv store.Reader, mtg string) int {
	m, _ := GetMeeting(kv, mtg)
	return m.Errata + 1
}
