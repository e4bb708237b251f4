// Package members is the member registry on chain: pseudonymous IDs, public
// keys, chapters, classes, statuses and dates — and no personal data. Names,
// phone numbers and addresses stay in the party's own membership register;
// a one-time enrollment code links the two at signup.
//
// Signup takes two steps. A registrar puts the hash of a one-time code on
// chain (EnrollmentCodeHash); the newcomer creates a key and redeems the code
// with a transaction signed by that key. The member ID is derived from the
// code hash, so the registrar knows it in advance and can record it in the
// party's register. A registrar may also approve a key directly, in which case
// the ID is derived from the key. Registrars handle both in batches of up to
// MaxBatch entries, which is how bulk imports from CSV reach the chain.
//
// Status changes call Hooks so other modules (the membership token) follow
// along without members knowing about them.
package members

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/pnyx-party/pnyx/codes"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/org"
)

// Class is a member's class.
type Class string

const (
	General     Class = "general"     // 일반당원
	Responsible Class = "responsible" // 책임당원: pays dues, votes in candidate selection
)

// Status is a member's standing.
type Status string

const (
	Active    Status = "active"
	Suspended Status = "suspended"
	Withdrawn Status = "withdrawn" // left of their own accord; final
	Expelled  Status = "expelled"  // removed by the party; final
)

// Reason codes for suspension and expulsion. Free text would invite personal
// data onto a chain that cannot forget, so reasons are numbers.
const (
	ReasonDuesUnpaid      = 1
	ReasonConductBreach   = 2
	ReasonDualMembership  = 3
	ReasonDisciplinary    = 4
	ReasonFalseEnrollment = 5
	ReasonOther           = 9
)

// ReasonNames names the reason codes.
var ReasonNames = map[int]string{
	ReasonDuesUnpaid: "dues_unpaid", ReasonConductBreach: "conduct_breach",
	ReasonDualMembership: "dual_membership", ReasonDisciplinary: "disciplinary_decision",
	ReasonFalseEnrollment: "false_enrollment", ReasonOther: "other",
}

// MaxBatch bounds the entries of one enroll or approve transaction.
const MaxBatch = 500

// DefaultEnrollmentTTL is how long an enrollment code stays redeemable, in
// seconds, unless genesis says otherwise: 90 days.
const DefaultEnrollmentTTL = 90 * 24 * 3600

// Member is the on-chain record of a member.
type Member struct {
	ID           string `json:"id"`
	PublicKey    string `json:"public_key"` // hex Ed25519, the current key
	Chapter      string `json:"chapter"`
	Class        Class  `json:"class"`
	Status       Status `json:"status"`
	StatusReason int    `json:"status_reason,omitempty"`
	JoinedAt     int64  `json:"joined_at"`
	JoinedHeight int64  `json:"joined_height"`
	StatusSince  int64  `json:"status_since"`
	KeySince     int64  `json:"key_since"`
	// Points are the member's party points. The token module keeps them
	// (mints, burns, transfers, the supply); they are filed here, and the
	// membership credential is read off Status and JoinedAt, so that a
	// registration writes one record at one random place of the tree
	// rather than three (issue 17; package token says more).
	Points uint64 `json:"points,omitempty"`
	// Past holds the member's earlier standings, oldest first, each with
	// the height of the block that ended it, so that the registry as it
	// stood at an earlier height is read from today's record (StandingAt)
	// and no block has to read an old version of the state. At most
	// MaxPast are kept; PastFrom is where the kept history begins.
	Past     []Standing `json:"past,omitempty"`
	PastFrom int64      `json:"past_from,omitempty"`
}

// Standing is what makes a member eligible for an election or counted in a
// chapter: chapter, class and status. Until is the height of the block
// that changed it; the standing held in every version committed before.
type Standing struct {
	Chapter string `json:"chapter"`
	Class   Class  `json:"class"`
	Status  Status `json:"status"`
	Until   int64  `json:"until,omitempty"`
}

// MaxPast bounds a record's history. Each entry is an official's signed
// act (a transfer, a change of class or status), so an honest record
// keeps a handful; the bound keeps an abusive official from growing a
// record, and every later write of it, without limit. Heights before the
// oldest kept entry (PastFrom) have no known standing.
const MaxPast = 32

// Standing is the member's standing now.
func (m Member) Standing() Standing {
	return Standing{Chapter: m.Chapter, Class: m.Class, Status: m.Status}
}

// StandingAt is the member's standing in the state committed at height:
// false if the member had not joined by then, or if the height lies
// before the history the record keeps (PastFrom). It answers exactly what
// Get on that committed version would have answered for chapter, class and
// status (TestStandingAtIsTheRegistryAsCommitted), and it is what an
// election's eligibility, fixed at the height before its creation, reads.
func (m Member) StandingAt(height int64) (Standing, bool) {
	if height < m.JoinedHeight || height < m.PastFrom {
		return Standing{}, false
	}
	for _, p := range m.Past {
		if height < p.Until {
			p.Until = 0
			return p, true
		}
	}
	return m.Standing(), true
}

// remember files the standing a change at height ends. Several changes in
// one block leave one entry, the standing committed before the block.
func (m *Member) remember(old Standing, height int64) {
	if n := len(m.Past); n > 0 && m.Past[n-1].Until >= height {
		return
	}
	old.Until = height
	m.Past = append(m.Past, old)
	if over := len(m.Past) - MaxPast; over > 0 {
		m.PastFrom = m.Past[over-1].Until
		m.Past = append([]Standing(nil), m.Past[over:]...)
	}
}

// Enrollment is a pending one-time code.
type Enrollment struct {
	CodeHash  string `json:"code_hash"`
	MemberID  string `json:"member_id"`
	Chapter   string `json:"chapter"`
	Class     Class  `json:"class"`
	Registrar string `json:"registrar"`
	ExpiresAt int64  `json:"expires_at"`
}

// Transaction types.
const (
	TypeEnroll    = "member/enroll"
	TypeRedeem    = "member/redeem"
	TypeApprove   = "member/approve"
	TypeRotateKey = "member/rotate-key"
	TypeRecover   = "member/recover-key"
	TypeTransfer  = "member/transfer"
	TypeSetClass  = "member/set-class"
	TypeSuspend   = "member/suspend"
	TypeReinstate = "member/reinstate"
	TypeExpel     = "member/expel"
	TypeWithdraw  = "member/withdraw"
)

// EnrollEntry registers one code hash for a chapter and class.
type EnrollEntry struct {
	CodeHash string `json:"code_hash"` // hex SHA-256, see EnrollmentCodeHash
	Chapter  string `json:"chapter"`
	Class    Class  `json:"class"`
}

// EnrollBody is a registrar's batch of enrollment codes.
type EnrollBody struct {
	Entries []EnrollEntry `json:"entries"`
}

// RedeemBody redeems a code; the signer's key becomes the member's key.
type RedeemBody struct {
	Code string `json:"code"`
}

// ApproveEntry approves one key directly.
type ApproveEntry struct {
	PublicKey string `json:"public_key"`
	Chapter   string `json:"chapter"`
	Class     Class  `json:"class"`
}

// ApproveBody is a registrar's batch of direct approvals.
type ApproveBody struct {
	Entries []ApproveEntry `json:"entries"`
}

// RotateKeyBody replaces the signer's key; NewKeySignature proves the member
// holds the new key (see RotationMessage).
type RotateKeyBody struct {
	NewKey          string `json:"new_key"`
	NewKeySignature string `json:"new_key_signature"`
}

// RecoverKeyBody lets a registrar set a new key for a member who lost theirs.
type RecoverKeyBody struct {
	Member string `json:"member"`
	NewKey string `json:"new_key"`
}

// TransferBody moves a member to another chapter.
type TransferBody struct {
	Member  string `json:"member"`
	Chapter string `json:"chapter"`
}

// SetClassBody changes a member's class.
type SetClassBody struct {
	Member string `json:"member"`
	Class  Class  `json:"class"`
}

// StatusBody suspends, reinstates or expels a member.
type StatusBody struct {
	Member string `json:"member"`
	Reason int    `json:"reason,omitempty"`
}

// WithdrawBody is empty: a member withdraws themselves.
type WithdrawBody struct{}

// Hooks lets other modules follow the registry.
//
// MemberJoined is handed the new member's record before it is written, so
// that a module keeping a field of it (the token: Points) sets it in the
// one write a registration makes, and none reads back a record it was just
// given (issue 17: reading it back cost a million-member import 20 s of
// the 96 s its blocks spent executing).
type Hooks interface {
	MemberJoined(ctx *module.Context, m *Member) error
	MemberStatusChanged(ctx *module.Context, id string, from, to Status, reason int) error
}

// Members is the module.
type Members struct {
	Org   *org.Org
	Hooks Hooks
	// Facts follows the registry too, after Hooks (the KPI module counts
	// recruits who stay); nil: nobody.
	Facts Hooks
	// EnrollmentTTL is the lifetime of a code in seconds.
	EnrollmentTTL int64
}

func memberKey(id string) string     { return "mem/m/" + id }
func keyIndex(pub string) string     { return "mem/key/" + pub }
func enrollKey(hash string) string   { return "mem/enroll/" + hash }
func chapterPrefix(ch string) string { return "mem/ch/" + ch + "/" }

// byChapter is a member's entry in its chapter's index: keyed by the height
// the member joined at (16 hex digits, so keys sort by height) and then the
// ID. Keyed by ID alone, every registration wrote one more random place in
// the tree, a walk through nodes mostly out of the cache once the registry
// holds millions (issue 17); keyed by height, a block's registrations all
// land at the right edge of their chapter's index, on one path that stays
// in the cache. A member keeps the key's height on a transfer, so the
// entry is always found from the record alone and a chapter lists its
// members in the order they joined the party.
func byChapter(ch string, joinedHeight int64, id string) string {
	var h [8]byte
	binary.BigEndian.PutUint64(h[:], uint64(joinedHeight))
	return chapterPrefix(ch) + hex.EncodeToString(h[:]) + "/" + id
}

// ChapterIndexKey is the store key of a member's entry in its chapter's
// index (for tests and proofs).
func ChapterIndexKey(m Member) []byte { return []byte(byChapter(m.Chapter, m.JoinedHeight, m.ID)) }

// MemberKey is the store key of a member record, for proofs.
func MemberKey(id string) []byte { return []byte(memberKey(id)) }

// EnrollmentCodeHash is what a registrar puts on chain for a one-time code:
// hex(SHA-256("pnyx/enroll/v1\x00" ‖ chainID ‖ "\x00" ‖ code)). The chain ID
// keeps a code from one chain useless on another.
func EnrollmentCodeHash(chainID, code string) string {
	h := sha256.Sum256([]byte("pnyx/enroll/v1\x00" + chainID + "\x00" + code))
	return hex.EncodeToString(h[:])
}

// DeriveID derives a member ID from its source (a code hash or a public key,
// both hex): "m" and 20 hex digits of SHA-256("pnyx/member-id/v1\x00" ‖ source).
// IDs are pseudonyms: nothing about the person can be read from them.
func DeriveID(source string) string {
	h := sha256.Sum256([]byte("pnyx/member-id/v1\x00" + source))
	return "m" + hex.EncodeToString(h[:10])
}

// RotationMessage is what the new key signs when a member rotates keys.
func RotationMessage(chainID, memberID string, newKey ed25519.PublicKey) []byte {
	return []byte("pnyx/rotate-key/v1\x00" + chainID + "\x00" + memberID + "\x00" + hex.EncodeToString(newKey))
}

// Spec describes the module to the chain.
func (m *Members) Spec() module.Spec {
	return module.Spec{Name: "members", Personal: []string{memberKey(""), "mem/ch/"}, Routes: []module.Route{
		module.Handle(TypeEnroll, m.enroll),
		module.Handle(TypeRedeem, m.redeem),
		module.Handle(TypeApprove, m.approve),
		module.Handle(TypeRotateKey, m.rotateKey),
		module.Handle(TypeRecover, m.recoverKey),
		module.Handle(TypeTransfer, m.transfer),
		module.Handle(TypeSetClass, m.setClass),
		module.Handle(TypeSuspend, m.suspend),
		module.Handle(TypeReinstate, m.reinstate),
		module.Handle(TypeExpel, m.expel),
		module.Handle(TypeWithdraw, m.withdraw),
	}}
}

// Get reads a member.
func Get(kv store.Reader, id string) (Member, bool) {
	var mem Member
	if !validID(id) {
		return mem, false
	}
	return module.Get[Member](kv, memberKey(id))
}

// ByKey returns the ID of the member whose current key is pub.
//
// A member approved by key, whose ID is derived from that key and who
// still holds it, has no entry in the key index: the ID is DeriveID(pub),
// and the record there names pub as its key. Only keys an ID is not derived
// from (a redeemed code's key, a rotated or recovered key) are indexed.
// That spares a bulk import one random tree write per member.
func ByKey(kv store.Reader, pub ed25519.PublicKey) (string, bool) {
	return byKey(kv, hex.EncodeToString(pub))
}

func byKey(kv store.Reader, pub string) (string, bool) {
	if v := kv.Get([]byte(keyIndex(pub))); v != nil {
		return string(v), true
	}
	id := DeriveID(pub)
	if m, ok := Get(kv, id); ok && m.PublicKey == pub {
		return id, true
	}
	return "", false
}

// IsActive implements org.Directory.
func (m *Members) IsActive(kv store.Reader, id string) bool {
	mem, ok := Get(kv, id)
	return ok && mem.Status == Active
}

// InChapter lists member IDs registered directly at a chapter in the order
// they joined (the chapter index's order: join height, then ID), starting
// after the member `after` ("" from the first), at most limit. An `after`
// that names no member lists nothing.
//
// A reader that iterates a range (a store snapshot, which is what the API
// lists from) starts at the cursor; any other is walked from the chapter's
// first member.
func InChapter(kv store.Reader, chapter, after string, limit int) []string {
	var out []string
	prefix := chapterPrefix(chapter)
	start := prefix
	if after != "" {
		m, ok := Get(kv, after)
		if !ok {
			return nil
		}
		start = byChapter(chapter, m.JoinedHeight, after) + "\x00" // the first key after it
	}
	collect := func(k, _ []byte) bool {
		key := string(k)
		if key < start {
			return true
		}
		out = append(out, key[strings.LastIndexByte(key, '/')+1:])
		return len(out) < limit
	}
	if r, ok := kv.(rangeReader); ok {
		// The prefix ends in '/', and '0' is the byte after it.
		r.IterateRange([]byte(start), []byte(prefix[:len(prefix)-1]+"0"), true, collect)
	} else {
		kv.Iterate([]byte(prefix), collect)
	}
	return out
}

// rangeReader is a Reader that can start a walk anywhere (store.Snapshot).
type rangeReader interface {
	IterateRange(start, end []byte, ascending bool, fn func(key, value []byte) bool)
}

func validID(id string) bool {
	if len(id) != 21 || id[0] != 'm' {
		return false
	}
	_, err := hex.DecodeString(id[1:])
	return err == nil && strings.ToLower(id) == id
}

func validClass(c Class) error {
	if c != General && c != Responsible {
		return codes.InvalidArgument.Errorf("class %q is neither %q nor %q", c, General, Responsible)
	}
	return nil
}

func parseKey(s, what string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize || hex.EncodeToString(b) != s {
		return nil, codes.InvalidArgument.Errorf("%s must be 64 lowercase hex digits of an Ed25519 public key", what)
	}
	return b, nil
}

// keyFree reports whether pub may become a member's key: keys are never
// shared between members, nor reused after a rotation.
func keyFree(kv store.Reader, pub string) bool {
	if kv.Get([]byte("mem/usedkey/"+pub)) != nil {
		return false
	}
	_, held := byKey(kv, pub)
	return !held
}

func (m *Members) chapterExists(kv store.Reader, ch string) error {
	if _, ok := org.GetChapter(kv, ch); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", ch)
	}
	return nil
}

// chapterClearance remembers the chapters a batch's registrar was found to
// act for: a batch of 500 entries is mostly one chapter, and neither the
// chapter tree nor the registrar's roles change within the batch, so one
// check per chapter answers as 500 would (the first failing entry still
// fails with the same error).
type chapterClearance map[string]bool

func (c *chapterClearance) check(m *Members, ctx *module.Context, chapter string) error {
	if (*c)[chapter] {
		return nil
	}
	if err := m.chapterExists(ctx.Store, chapter); err != nil {
		return err
	}
	if err := m.Org.Authorize(ctx, org.Registrar, chapter); err != nil {
		return err
	}
	if *c == nil {
		*c = chapterClearance{}
	}
	(*c)[chapter] = true
	return nil
}

// checkedBatch is what CheckTx still judges of a batch's entries once it
// leaves the state to the block (see approve): that no entry repeats an
// earlier one of the same batch, which the block would find as a record the
// batch itself wrote.
type checkedBatch map[string]bool

// repeats reports whether key came earlier in the batch, and remembers it.
func (c *checkedBatch) repeats(key string) bool {
	if *c == nil {
		*c = checkedBatch{}
	}
	if (*c)[key] {
		return true
	}
	(*c)[key] = true
	return false
}

func (m *Members) enroll(ctx *module.Context, b EnrollBody) error {
	if len(b.Entries) == 0 || len(b.Entries) > MaxBatch {
		return codes.InvalidArgument.Errorf("an enroll batch holds 1-%d entries, not %d", MaxBatch, len(b.Entries))
	}
	var cleared chapterClearance
	var seen checkedBatch
	for i, e := range b.Entries {
		h, err := hex.DecodeString(e.CodeHash)
		if err != nil || len(h) != sha256.Size || hex.EncodeToString(h) != e.CodeHash {
			return codes.InvalidArgument.Errorf("entry %d: code_hash must be 64 lowercase hex digits", i)
		}
		if err := validClass(e.Class); err != nil {
			return err
		}
		if err := cleared.check(m, ctx, e.Chapter); err != nil {
			return err
		}
		if ctx.Checking { // see approve
			if seen.repeats(e.CodeHash) {
				return codes.AlreadyExists.Errorf("entry %d: code hash %.16s… is enrolled already", i, e.CodeHash)
			}
			continue
		}
		id := DeriveID(e.CodeHash)
		if ctx.Store.Get([]byte(enrollKey(e.CodeHash))) != nil {
			return codes.AlreadyExists.Errorf("entry %d: code hash %.16s… is enrolled already", i, e.CodeHash)
		}
		if _, taken := Get(ctx.Store, id); taken {
			return codes.AlreadyExists.Errorf("entry %d: code hash %.16s… was redeemed already", i, e.CodeHash)
		}
		module.Put(ctx.Store, enrollKey(e.CodeHash), Enrollment{
			CodeHash: e.CodeHash, MemberID: id, Chapter: e.Chapter, Class: e.Class,
			Registrar: ctx.Caller.MemberID, ExpiresAt: ctx.Unix() + m.EnrollmentTTL,
		})
		ctx.Emit("member.enrolled", "member", id, "chapter", e.Chapter)
	}
	return nil
}

func (m *Members) redeem(ctx *module.Context, b RedeemBody) error {
	if len(b.Code) < 12 || len(b.Code) > 128 {
		return codes.InvalidArgument.Errorf("an enrollment code has 12-128 characters")
	}
	hash := EnrollmentCodeHash(ctx.ChainID, b.Code)
	e, ok := module.Get[Enrollment](ctx.Store, enrollKey(hash))
	if !ok {
		return codes.NotFound.Errorf("no pending enrollment for this code (wrong, used or never issued)")
	}
	if ctx.Unix() > e.ExpiresAt {
		return codes.Expired.Errorf("the enrollment code expired at %d", e.ExpiresAt)
	}
	if ctx.Caller.MemberID != "" {
		return codes.AlreadyExists.Errorf("this key belongs to member %s already; redeem with a new key", ctx.Caller.MemberID)
	}
	if err := m.join(ctx, e.MemberID, hex.EncodeToString(ctx.Caller.Key), e.Chapter, e.Class); err != nil {
		return err
	}
	ctx.Store.Delete([]byte(enrollKey(hash)))
	return nil
}

// approve registers a batch of members by their keys.
//
// In CheckTx a batch (this and enroll) is judged on its form, on the
// registrar's authority over each chapter and on its entries not repeating
// one another; what the state holds for each entry (a key in use, a member
// or a code that exists) is judged by the block alone. CheckTx's verdict
// on those could not stand anyway: its writes are discarded, so batches
// waiting together never see each other's members, and the block judges
// every entry again, a batch that fails there changing nothing and
// reaching its sender with the same code and message. What CheckTx spared
// is three reads of absent keys per entry, 1,500 per batch, through the
// tree the block writes: with an import's batches checked beside its
// blocks, they made the blocks' execution wait (at 300,000 members it took
// twice its own CPU time in wall time) and an import ran at 2,300
// members/s instead of 3,300 (docs/performance.md, "A batch judged in its
// block").
func (m *Members) approve(ctx *module.Context, b ApproveBody) error {
	if len(b.Entries) == 0 || len(b.Entries) > MaxBatch {
		return codes.InvalidArgument.Errorf("an approve batch holds 1-%d entries, not %d", MaxBatch, len(b.Entries))
	}
	var cleared chapterClearance
	var seen checkedBatch
	for i, e := range b.Entries {
		if _, err := parseKey(e.PublicKey, "public_key"); err != nil {
			return codes.InvalidArgument.Errorf("entry %d: %s", i, codes.Message(err))
		}
		if err := validClass(e.Class); err != nil {
			return err
		}
		if err := cleared.check(m, ctx, e.Chapter); err != nil {
			return err
		}
		if ctx.Checking {
			if seen.repeats(e.PublicKey) {
				return codes.AlreadyExists.Errorf("entry %d: key %.16s… belongs or belonged to a member already", i, e.PublicKey)
			}
			continue
		}
		if err := m.join(ctx, DeriveID(e.PublicKey), e.PublicKey, e.Chapter, e.Class); err != nil {
			return codes.Of(err).Errorf("entry %d: %s", i, codes.Message(err))
		}
	}
	return nil
}

// join creates a member record and tells the hooks.
func (m *Members) join(ctx *module.Context, id, pub, chapter string, class Class) error {
	// keyFree, spelled out so that an approval (id = DeriveID(pub)) reads
	// the absent record once, not twice: every read of an absent key is a
	// LevelDB lookup, and a registration makes several.
	derivedID := DeriveID(pub)
	derived, derivedExists := Get(ctx.Store, derivedID)
	if ctx.Store.Get([]byte("mem/usedkey/"+pub)) != nil || ctx.Store.Get([]byte(keyIndex(pub))) != nil ||
		(derivedExists && derived.PublicKey == pub) {
		return codes.AlreadyExists.Errorf("key %.16s… belongs or belonged to a member already", pub)
	}
	exists := derivedExists
	if id != derivedID {
		_, exists = Get(ctx.Store, id)
	}
	if exists {
		return codes.AlreadyExists.Errorf("member %s exists already", id)
	}
	now := ctx.Unix()
	mem := Member{ID: id, PublicKey: pub, Chapter: chapter, Class: class, Status: Active,
		JoinedAt: now, JoinedHeight: ctx.Height, StatusSince: now, KeySince: now}
	ctx.Emit("member.joined", "member", id, "chapter", chapter, "class", string(class))
	if m.Hooks != nil {
		if err := m.Hooks.MemberJoined(ctx, &mem); err != nil {
			return err
		}
	}
	// A new member: no earlier record to take out of the counts (put would
	// read the absent record once more).
	addActive(ctx.Store, ctx.Height, mem.Chapter, mem.Class, +1)
	module.Put(ctx.Store, memberKey(id), mem)
	if id != derivedID { // see ByKey
		ctx.Store.Set([]byte(keyIndex(pub)), []byte(id))
	}
	ctx.Store.Set(ChapterIndexKey(mem), []byte{1})
	if m.Facts != nil {
		return m.Facts.MemberJoined(ctx, &mem)
	}
	return nil
}

// CreateGenesisMember writes a member at genesis (the first administrators)
// through the same path as a signup.
func (m *Members) CreateGenesisMember(ctx *module.Context, pub ed25519.PublicKey, chapter string) (string, error) {
	p := hex.EncodeToString(pub)
	id := DeriveID(p)
	return id, m.join(ctx, id, p, chapter, General)
}

// UpdatePoints files a member's party points in their record: change is
// handed the record as stored and returns the new points, or an error that
// UpdatePoints returns with nothing written. The record is read once and
// written only if the points change. Only the token module calls it,
// inside a block; the record's other fields are the registry's.
func UpdatePoints(kv store.KV, id string, change func(m Member) (uint64, error)) error {
	mem, ok := Get(kv, id)
	if !ok {
		return codes.NotFound.Errorf("member %q not found", id)
	}
	points, err := change(mem)
	if err != nil || points == mem.Points {
		return err
	}
	mem.Points = points
	module.Put(kv, memberKey(id), mem)
	return nil
}

// put writes a member at height and keeps the active-member counts and the
// record's history in step: every change of a member's chapter, class or
// status passes through here, so both are right by construction.
func (m *Members) put(kv store.KV, height int64, mem Member) {
	old, ok := Get(kv, mem.ID)
	if ok && old.Status == Active {
		addActive(kv, height, old.Chapter, old.Class, -1)
	}
	if ok && old.Standing() != mem.Standing() {
		mem.remember(old.Standing(), height)
	}
	if mem.Status == Active {
		addActive(kv, height, mem.Chapter, mem.Class, +1)
	}
	module.Put(kv, memberKey(mem.ID), mem)
}

// Classes lists every member class, in a fixed order.
var Classes = []Class{General, Responsible}

func activeCountKey(chapter string, class Class) []byte {
	return []byte("mem/count/" + chapter + "/" + string(class))
}

// An active count is stored with what the block that last changed it
// started from: the count (8 bytes, big-endian), the height of that block,
// and the count before it. So the count as committed before the executing
// block is read from the current state (ActiveCountBefore), and no block
// reads an earlier version of the state.
//
// A counter of 8 bytes, as a chain written before this layout keeps it,
// is the count alone, unchanged before any block that still executes.
func activeCounts(kv store.Reader, chapter string, class Class) (count uint64, since int64, before uint64) {
	v := kv.Get(activeCountKey(chapter, class))
	switch len(v) {
	case 8:
		n := binary.BigEndian.Uint64(v)
		return n, 0, n
	case 24:
		return binary.BigEndian.Uint64(v), int64(binary.BigEndian.Uint64(v[8:])), binary.BigEndian.Uint64(v[16:])
	}
	return 0, 0, 0
}

func addActive(kv store.KV, height int64, chapter string, class Class, delta int64) {
	n, since, before := activeCounts(kv, chapter, class)
	if since != height {
		since, before = height, n
	}
	var b [24]byte
	binary.BigEndian.PutUint64(b[:], uint64(int64(n)+delta))
	binary.BigEndian.PutUint64(b[8:], uint64(since))
	binary.BigEndian.PutUint64(b[16:], before)
	kv.Set(activeCountKey(chapter, class), b[:])
}

// ActiveCount is the number of active members of a class registered
// directly at a chapter (class "" counts every class).
func ActiveCount(kv store.Reader, chapter string, class Class) uint64 {
	return ActiveCountBefore(kv, chapter, class, 1<<62)
}

// ActiveCountBefore is ActiveCount as committed at the end of block
// height-1, read from the state of block height or later: while block
// height executes it leaves out what the block itself changed. Elections
// sum it over a subtree to size their eligibility snapshot, the registry
// before their creation block, without reading members or an old version.
func ActiveCountBefore(kv store.Reader, chapter string, class Class, height int64) uint64 {
	if class == "" {
		var n uint64
		for _, c := range Classes {
			n += ActiveCountBefore(kv, chapter, c, height)
		}
		return n
	}
	n, since, before := activeCounts(kv, chapter, class)
	if since >= height {
		return before
	}
	return n
}

// official loads the member a registrar acts on and checks the registrar's
// scope over the member's chapter.
func (m *Members) official(ctx *module.Context, id string) (Member, error) {
	mem, ok := Get(ctx.Store, id)
	if !ok {
		return mem, codes.NotFound.Errorf("member %q does not exist", id)
	}
	if err := m.Org.Authorize(ctx, org.Registrar, mem.Chapter); err != nil {
		return mem, err
	}
	return mem, nil
}

// self loads the member who signed.
func self(ctx *module.Context) (Member, error) {
	if ctx.Caller.MemberID == "" {
		return Member{}, codes.UnknownSigner.Errorf("signer %x is no member", []byte(ctx.Caller.Key)[:8])
	}
	mem, _ := Get(ctx.Store, ctx.Caller.MemberID)
	return mem, nil
}

func final(s Status) bool { return s == Withdrawn || s == Expelled }

func (m *Members) setKey(ctx *module.Context, mem Member, newKey string) {
	if ctx.Store.Get([]byte(keyIndex(mem.PublicKey))) != nil { // see ByKey
		ctx.Store.Delete([]byte(keyIndex(mem.PublicKey)))
	}
	ctx.Store.Set([]byte("mem/usedkey/"+mem.PublicKey), []byte(mem.ID))
	ctx.Store.Set([]byte(keyIndex(newKey)), []byte(mem.ID))
	mem.PublicKey = newKey
	mem.KeySince = ctx.Unix()
	m.put(ctx.Store, ctx.Height, mem)
}

func (m *Members) rotateKey(ctx *module.Context, b RotateKeyBody) error {
	mem, err := self(ctx)
	if err != nil {
		return err
	}
	if final(mem.Status) {
		return codes.WrongState.Errorf("member %s is %s", mem.ID, mem.Status)
	}
	nk, err := parseKey(b.NewKey, "new_key")
	if err != nil {
		return err
	}
	sig, err := hex.DecodeString(b.NewKeySignature)
	if err != nil || !ed25519.Verify(nk, RotationMessage(ctx.ChainID, mem.ID, nk), sig) {
		return codes.BadSignature.Errorf("new_key_signature does not prove possession of the new key")
	}
	if !keyFree(ctx.Store, b.NewKey) {
		return codes.AlreadyExists.Errorf("the new key belongs or belonged to a member already")
	}
	m.setKey(ctx, mem, b.NewKey)
	ctx.Emit("member.key_rotated", "member", mem.ID)
	return nil
}

func (m *Members) recoverKey(ctx *module.Context, b RecoverKeyBody) error {
	mem, err := m.official(ctx, b.Member)
	if err != nil {
		return err
	}
	if final(mem.Status) {
		return codes.WrongState.Errorf("member %s is %s", mem.ID, mem.Status)
	}
	if _, err := parseKey(b.NewKey, "new_key"); err != nil {
		return err
	}
	if !keyFree(ctx.Store, b.NewKey) {
		return codes.AlreadyExists.Errorf("the new key belongs or belonged to a member already")
	}
	m.setKey(ctx, mem, b.NewKey)
	ctx.Emit("member.key_recovered", "member", mem.ID, "by", ctx.Caller.MemberID)
	return nil
}

func (m *Members) transfer(ctx *module.Context, b TransferBody) error {
	mem, err := m.official(ctx, b.Member)
	if err != nil {
		return err
	}
	if err := m.chapterExists(ctx.Store, b.Chapter); err != nil {
		return err
	}
	// The registrar must cover both ends, so no chapter can pull members
	// out of another's register on its own.
	if err := m.Org.Authorize(ctx, org.Registrar, b.Chapter); err != nil {
		return err
	}
	if final(mem.Status) {
		return codes.WrongState.Errorf("member %s is %s", mem.ID, mem.Status)
	}
	if mem.Chapter == b.Chapter {
		return codes.InvalidArgument.Errorf("member %s is in chapter %s already", mem.ID, b.Chapter)
	}
	ctx.Store.Delete(ChapterIndexKey(mem))
	from := mem.Chapter
	mem.Chapter = b.Chapter
	ctx.Store.Set(ChapterIndexKey(mem), []byte{1})
	m.put(ctx.Store, ctx.Height, mem)
	ctx.Emit("member.transferred", "member", mem.ID, "from", from, "to", b.Chapter)
	return nil
}

func (m *Members) setClass(ctx *module.Context, b SetClassBody) error {
	if err := validClass(b.Class); err != nil {
		return err
	}
	mem, err := m.official(ctx, b.Member)
	if err != nil {
		return err
	}
	if final(mem.Status) {
		return codes.WrongState.Errorf("member %s is %s", mem.ID, mem.Status)
	}
	if mem.Class == b.Class {
		return codes.InvalidArgument.Errorf("member %s is of class %s already", mem.ID, b.Class)
	}
	mem.Class = b.Class
	m.put(ctx.Store, ctx.Height, mem)
	ctx.Emit("member.class_changed", "member", mem.ID, "class", string(b.Class))
	return nil
}

func validReason(r int) error {
	if _, ok := ReasonNames[r]; !ok {
		return codes.InvalidArgument.Errorf("reason %d is not a known reason code", r)
	}
	return nil
}

// changeStatus moves a member between statuses and tells the hooks.
func (m *Members) changeStatus(ctx *module.Context, mem Member, to Status, reason int) error {
	from := mem.Status
	mem.Status = to
	mem.StatusReason = reason
	mem.StatusSince = ctx.Unix()
	m.put(ctx.Store, ctx.Height, mem)
	ctx.Emit("member.status_changed", "member", mem.ID, "from", string(from), "to", string(to))
	if m.Hooks != nil {
		if err := m.Hooks.MemberStatusChanged(ctx, mem.ID, from, to, reason); err != nil {
			return err
		}
	}
	if m.Facts != nil {
		return m.Facts.MemberStatusChanged(ctx, mem.ID, from, to, reason)
	}
	return nil
}

func (m *Members) statusAction(ctx *module.Context, b StatusBody, needReason bool, allowed []Status, to Status) error {
	if needReason {
		if err := validReason(b.Reason); err != nil {
			return err
		}
	} else if b.Reason != 0 {
		return codes.InvalidArgument.Errorf("%s takes no reason", to)
	}
	mem, err := m.official(ctx, b.Member)
	if err != nil {
		return err
	}
	for _, s := range allowed {
		if mem.Status == s {
			return m.changeStatus(ctx, mem, to, b.Reason)
		}
	}
	return codes.WrongState.Errorf("member %s is %s; cannot become %s", mem.ID, mem.Status, to)
}

func (m *Members) suspend(ctx *module.Context, b StatusBody) error {
	return m.statusAction(ctx, b, true, []Status{Active}, Suspended)
}

func (m *Members) reinstate(ctx *module.Context, b StatusBody) error {
	return m.statusAction(ctx, b, false, []Status{Suspended}, Active)
}

func (m *Members) expel(ctx *module.Context, b StatusBody) error {
	return m.statusAction(ctx, b, true, []Status{Active, Suspended}, Expelled)
}

func (m *Members) withdraw(ctx *module.Context, b WithdrawBody) error {
	mem, err := self(ctx)
	if err != nil {
		return err
	}
	if final(mem.Status) {
		return codes.WrongState.Errorf("member %s is %s already", mem.ID, mem.Status)
	}
	return m.changeStatus(ctx, mem, Withdrawn, 0)
}
