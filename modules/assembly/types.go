// Package assembly records the party's assemblies on chain: bodies and who
// holds which position in them, meetings with their agenda and attendance,
// motions and the decisions taken on them, the minutes, and the co-signed
// finalization that makes a meeting's record immutable — corrected only by
// co-signed errata that reference it.
//
// The life of a meeting:
//
//	scheduled → open → closed → finalized
//	     └────────┴───────┴──→ cancelled (with a reason code)
//
// A secretary (the org role, over the body's chapter) schedules, opens and
// closes meetings, records attendance, motions, decisions and minutes.
// Members check themselves in with their own key while a meeting is open:
// holders of an active mandate in the body, or, for bodies with open
// attendance such as conventions, any active member of the body's chapter
// subtree. Each check-in is a fact the KPI capability will count.
//
// The quorum is evaluated at every decision against the body's rule; a
// motion cannot be adopted or rejected without it, and a meeting that closes
// without it says so in its record.
//
// Finalization carries two Ed25519 signatures in one transaction: the
// chair's (an active chair mandate) and the secretary's, both over
// RecordHash — the hash of the meeting's whole record at that moment. A
// reader holding the record can check the signatures without the chain; the
// chain checks that the hash is the current one, so nobody signs a record
// that changes afterwards. Errata are co-signed the same way. The chair may
// sign on their own device and put the signature on chain
// (assembly/chair-sign), where the secretary's finalize picks it up, so no
// signature is ever copied by hand between them.
package assembly

import (
	"github.com/pnyx-party/pnyx/codes"
)

// Codes of this module (the 100s).
var (
	CodeNotOpen          = codes.Register(101, "meeting_not_open")
	CodeAlreadyCheckedIn = codes.Register(102, "already_checked_in")
	CodeNotEligible      = codes.Register(103, "meeting_not_eligible")
	CodeInquorate        = codes.Register(104, "inquorate")
	CodeFinalized        = codes.Register(105, "meeting_finalized")
	CodeMinutesMismatch  = codes.Register(106, "minutes_hash_mismatch")
	CodeCosignature      = codes.Register(107, "cosignature_invalid")
	CodeStaleRecord      = codes.Register(108, "record_hash_stale")
)

// Body kinds.
const (
	KindNationalConvention = "national_convention" // 전당대회
	KindNationalCommittee  = "national_committee"  // 전국위원회
	KindSupremeCouncil     = "supreme_council"     // 최고위원회
	KindChapterConvention  = "chapter_convention"  // 시도당·당원협의회 대회
	KindChapterCommittee   = "chapter_committee"   // 운영위원회 등
)

var kinds = []string{KindNationalConvention, KindNationalCommittee, KindSupremeCouncil, KindChapterConvention, KindChapterCommittee}

// Positions in a body.
const (
	Chair     = "chair"
	ViceChair = "vice_chair"
	Secretary = "secretary"
	Member    = "member"
)

var positions = []string{Chair, ViceChair, Secretary, Member}

// Meeting states.
const (
	Scheduled = "scheduled"
	Open      = "open"
	Closed    = "closed"
	Finalized = "finalized"
	Cancelled = "cancelled"
)

// Decisions on a motion.
const (
	Pending   = "pending"
	Adopted   = "adopted"
	Rejected  = "rejected"
	Withdrawn = "withdrawn"
	Deferred  = "deferred"
)

// Cancellation reasons: numbers, never free text.
var CancelReasons = map[int]string{1: "rescheduled", 2: "no_agenda", 3: "force_majeure", 4: "convened_irregularly", 9: "other"}

// Quorum is a body's rule: present members against the base, in basis
// points. Majority (more than half) is {BP: 5000, MoreThan: true}.
type Quorum struct {
	BP       int  `json:"bp"`
	MoreThan bool `json:"more_than"`
}

// Met reports whether present out of base satisfies the rule, in integers.
func (q Quorum) Met(present, base int64) bool {
	if base <= 0 {
		return false
	}
	if q.MoreThan {
		return present*10000 > base*int64(q.BP)
	}
	return present*10000 >= base*int64(q.BP)
}

// Body is a deliberative body attached to a chapter.
type Body struct {
	ID      string `json:"id"`
	Chapter string `json:"chapter"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Quorum  Quorum `json:"quorum"`
	// OpenAttendance lets any active member of the chapter subtree check in
	// (conventions of delegates); otherwise only mandate holders.
	OpenAttendance bool  `json:"open_attendance"`
	CreatedAt      int64 `json:"created_at"`
	Height         int64 `json:"height"`
	Meetings       int64 `json:"meetings"` // meetings scheduled so far
}

// Mandate is a member's position in a body from one time to another.
type Mandate struct {
	Body      string `json:"body"`
	Member    string `json:"member"`
	Position  string `json:"position"`
	From      int64  `json:"from"`
	Until     int64  `json:"until,omitempty"` // 0: open-ended
	GrantedBy string `json:"granted_by"`
	Height    int64  `json:"height"`
}

// ActiveAt reports whether the mandate is in force at unix time t.
func (m Mandate) ActiveAt(t int64) bool { return m.From <= t && (m.Until == 0 || t < m.Until) }

// AgendaItem is one point of a meeting's agenda.
type AgendaItem struct {
	No    int    `json:"no"`
	Title string `json:"title"`
}

// MinutesRef points at the minutes by content hash.
type MinutesRef struct {
	Hash string `json:"hash"` // hex SHA-256 of the content
	Size int    `json:"size"`
	// Inline is true when the content is on chain (≤ MaxInlineMinutes);
	// otherwise the node's blob store holds it, checked against Hash.
	Inline bool `json:"inline"`
}

// QuorumCheck records the quorum as evaluated at one moment.
type QuorumCheck struct {
	Present int64 `json:"present"`
	Base    int64 `json:"base"`
	Met     bool  `json:"met"`
	At      int64 `json:"at"`
}

// Cosignature is the chair's and the secretary's signatures over a hash.
type Cosignature struct {
	Hash         string `json:"hash"`
	Chair        string `json:"chair"`
	ChairKey     string `json:"chair_key"`
	ChairSig     string `json:"chair_sig"`
	Secretary    string `json:"secretary"`
	SecretaryKey string `json:"secretary_key"`
	SecretarySig string `json:"secretary_sig"`
	At           int64  `json:"at"`
	Height       int64  `json:"height"`
}

// ChairSignature is the chair's finalization signature, put on chain by
// the chair (assembly/chair-sign) for the secretary's finalize to carry.
type ChairSignature struct {
	Meeting  string `json:"meeting"`
	Hash     string `json:"hash"`
	Chair    string `json:"chair"`
	ChairKey string `json:"chair_key"`
	ChairSig string `json:"chair_sig"`
	At       int64  `json:"at"`
	Height   int64  `json:"height"`
}

// Meeting is one sitting of a body.
type Meeting struct {
	ID          string       `json:"id"`
	Body        string       `json:"body"`
	Chapter     string       `json:"chapter"`
	Title       string       `json:"title"`
	ScheduledAt int64        `json:"scheduled_at"`
	Agenda      []AgendaItem `json:"agenda"`
	// ExpectedAttendees is the quorum base for open-attendance bodies (the
	// number of delegates registered for the convention).
	ExpectedAttendees int64        `json:"expected_attendees,omitempty"`
	State             string       `json:"state"`
	CancelReason      int          `json:"cancel_reason,omitempty"`
	OpenedAt          int64        `json:"opened_at,omitempty"`
	ClosedAt          int64        `json:"closed_at,omitempty"`
	QuorumAtClose     *QuorumCheck `json:"quorum_at_close,omitempty"`
	Motions           int          `json:"motions"`
	Minutes           *MinutesRef  `json:"minutes,omitempty"`
	Finalization      *Cosignature `json:"finalization,omitempty"`
	Errata            int          `json:"errata"`
	Secretary         string       `json:"secretary"` // who scheduled it
	Height            int64        `json:"height"`
}

// Motion is a proposal under an agenda item and the decision on it.
type Motion struct {
	Meeting    string `json:"meeting"`
	No         int    `json:"no"`
	AgendaItem int    `json:"agenda_item"`
	Title      string `json:"title"`
	// Text is the resolution text put to the vote.
	Text     string `json:"text"`
	Decision string `json:"decision"`
	For      int64  `json:"for"`
	Against  int64  `json:"against"`
	Abstain  int64  `json:"abstain"`
	// Election references an on-chain election's published result when the
	// vote was a secret ballot.
	Election    string       `json:"election,omitempty"`
	Conclusions string       `json:"conclusions,omitempty"`
	Quorum      *QuorumCheck `json:"quorum,omitempty"`
	DecidedAt   int64        `json:"decided_at,omitempty"`
}

// Erratum corrects a finalized meeting's record without rewriting it.
type Erratum struct {
	Meeting string `json:"meeting"`
	No      int    `json:"no"`
	// Target names what it corrects: "minutes", "motion:N", "meeting".
	Target string `json:"target"`
	// Correction states the corrected reading; Reason says why.
	Correction string `json:"correction"`
	Reason     string `json:"reason"`
	// NewMinutes replaces the minutes' content reference, if the erratum
	// corrects the minutes.
	NewMinutes *MinutesRef `json:"new_minutes,omitempty"`
	Signatures Cosignature `json:"signatures"`
}

// Attendance is one member's presence at a meeting.
type Attendance struct {
	Meeting  string `json:"meeting"`
	Member   string `json:"member"`
	At       int64  `json:"at"`
	Recorder string `json:"recorder,omitempty"` // set when the secretary recorded it
}
