// Package record defines the pnyx election record (docs/election-record.md,
// versions 2 to 5) and its verifier.
//
// A record is one binary file: manifest, the schedule and eligibility
// snapshot the chain fixed at creation, key ceremony, credential issuers
// and their issuance logs, every cast ballot in chain order, spoiled ballots
// with their revealed randomness, and the tally with decryption shares and
// results. Decode parses it strictly (canonical encodings only, no trailing
// bytes); Verify re-checks every step and returns a Report naming each check
// with pass or fail:
//
//	rec, err := record.Decode(data)     // err names the failing check
//	rep := record.Verify(rec, record.Options{Progress: ...})
//	if !rep.OK() { ... rep.Failed() ... }
//
// A record too large for memory is verified from its file, which is read a
// chunk at a time (source.go): record.VerifyReader(f, size, opts).
//
// The package imports nothing of the chain: an auditor verifies an election
// with it alone.
package record

import (
	"bufio"
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
	"unicode/utf8"

	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
)

// Magic starts every version-2 record. Version 1 lacked the schedule and
// the eligibility snapshot; no chain ever exported one, and Decode refuses it.
const Magic = "PNYXREC2"

// Magic3 starts a version-3 record: version 2 followed by the timeline
// (Timeline), so the verifier checks the schedule against the blocks that
// carried each request, answer and ballot, and counts each issuer's answers.
const Magic3 = "PNYXREC3"

// Magic4 starts a version-4 record: version 3 followed by every issuer's
// blind signature (its answer) to every request it answered, so the
// verifier checks each answer the timeline counts against the member-signed
// blinded request it answers (issue 11, finding 9).
const Magic4 = "PNYXREC4"

// Magic5 starts a version-5 record: version 4 followed by the registry
// proofs (Registry): every requester's member record, proven with an
// ICS-23 Merkle proof against the app hash of the registry snapshot at
// Eligibility.RegistryHeight, with the chapter records that place it under
// the election's chapter (issue 11, finding 9).
const Magic5 = "PNYXREC5"

// ProvenEntry is one record of chain state with its ICS-23 membership
// proof (protobuf CommitmentProof) against Registry.AppHash.
type ProvenEntry struct {
	Key, Value, Proof []byte
}

// Limits on a proven entry's fields.
const (
	MaxEntryKey   = 256
	MaxEntryValue = 1 << 12
	MaxEntryProof = 1 << 14
)

// Registry is version 5's proof of eligibility. AppHash is the root of the
// state committed at Eligibility.RegistryHeight (the AppHash in header
// RegistryHeight+1); Chapters are the org chapter records (org/ch/ID) that
// lead from requesters' chapters up to the election's; Members holds, for
// each request of the first issuer's log in order, the requester's member
// record (mem/m/ID) in that state. A record from Open leaves Members empty
// and reads it from its file.
type Registry struct {
	AppHash  []byte
	Chapters []ProvenEntry
	Members  []ProvenEntry
}

// Limits that keep a hostile record from exhausting memory.
const (
	MaxBallots    = 1 << 26
	MaxComplaints = 1 << 12
	MaxRequests   = 1 << 26
	MaxIssuers    = 16
)

// IssuanceEntry is one logged, member-signed credential request.
type IssuanceEntry struct {
	Member    []byte // Ed25519 public key, 32 bytes
	Blinded   []byte // issuer modulus size
	Signature []byte // 64 bytes
}

// Block is one block of the timeline: its height and its time (Unix
// seconds, the header's time).
type Block struct {
	Height uint64
	Time   int64
}

// RequestTimes says when a logged request was made and answered: the
// heights of the blocks that carried the request and the issuer's blind
// signature, Answered 0 if the issuer never answered.
type RequestTimes struct {
	Requested, Answered uint64
}

// Timeline is version 3's account of when things happened. Blocks lists
// every height the rest refers to, ascending, with its time; Requests
// follows the issuance logs entry for entry, Cast the cast ballots and
// Spoiled the spoiled ones.
type Timeline struct {
	Blocks   []Block
	Requests [][]RequestTimes
	Cast     []uint64
	Spoiled  []uint64
}

// MaxBlocks bounds the timeline's block table.
const MaxBlocks = 1 << 28

// Spoiled is a ballot challenged by its voter, with the revealed choices
// and randomness.
type Spoiled struct {
	Ballot []byte
	Reveal *ballot.Reveal
}

// Schedule is an election's windows in Unix seconds of block time, as the
// chain fixed them at creation. Issuance runs [IssueStart, IssueEnd), voting
// [VoteStart, VoteEnd).
type Schedule struct {
	IssueStart, IssueEnd, VoteStart, VoteEnd int64
	// AllowOverlap lets issuance stay open after voting opens. By default
	// it closes first, so that the timing of a credential request cannot be
	// matched with the timing of a ballot; an election that gives this up
	// says so here, in its record.
	AllowOverlap bool
}

// ErrSchedule marks a schedule whose windows are out of order.
var ErrSchedule = errors.New("schedule must satisfy issue_start < issue_end ≤ vote_start < vote_end (issue_end ≤ vote_end with allow_overlap)")

// Check reports whether the windows are in order: issuance opens no later
// than voting and closes no later than voting, and, unless AllowOverlap,
// closes before voting opens. The chain applies the same rule when an
// election is created.
func (s Schedule) Check() error {
	ok := s.IssueStart < s.IssueEnd && s.VoteStart < s.VoteEnd && s.IssueStart <= s.VoteStart &&
		s.IssueEnd <= s.VoteEnd && (s.AllowOverlap || s.IssueEnd <= s.VoteStart)
	if !ok {
		return ErrSchedule
	}
	return nil
}

// Overlaps reports whether issuance stays open once voting has opened.
func (s Schedule) Overlaps() bool { return s.IssueEnd > s.VoteStart }

// String gives the windows in UTC.
func (s Schedule) String() string {
	at := func(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }
	return fmt.Sprintf("issuance %s to %s, voting %s to %s", at(s.IssueStart), at(s.IssueEnd), at(s.VoteStart), at(s.VoteEnd))
}

// Eligibility says who could request credentials: the members active (of
// Class, if set) at a chapter of Chapter's subtree in the member registry as
// committed at block RegistryHeight, the block before the election's
// creation. That registry is chain state, provable against the app hash in
// the header of block RegistryHeight+1, so anyone can recount the set;
// Count is the chain's count of it.
type Eligibility struct {
	Count          uint64
	RegistryHeight uint64
	Chapter        string
	Class          string // "" for every class
}

// MaxNameLen bounds the chapter and class names in a record.
const MaxNameLen = 256

// Record is a decoded election record. Fields are in file order.
type Record struct {
	// Version is 2 or 3 (0 means 2). A version-3 record has a Timeline.
	Version  int
	Manifest *ballot.Manifest

	Schedule    Schedule
	Eligibility Eligibility

	N, K         int
	HPKEKeys     [][]byte
	Dealings     []*ceremony.Dealing
	Complaints   []ceremony.Complaint
	Answers      []*ceremony.Answer
	Qualified    []int
	JointKey     *ristretto255.Element
	PublicShares []*ristretto255.Element
	Acks         []*group.Schnorr

	IssuerKeys   []*rsa.PublicKey
	IssuanceLogs [][]IssuanceEntry

	Cast    [][]byte
	Spoiled []Spoiled

	Aggregate   [][]ballot.Ciphertext
	Decryptions []*ceremony.DecryptionShare
	Results     [][]uint64
	CastCount   uint64
	Replaced    uint64
	Counted     uint64

	Timeline *Timeline // versions 3 and 4

	// BlindSignatures[i][j] is issuer i's answer to request j of its log,
	// nil where the timeline says it never answered (version 4 only).
	BlindSignatures [][][]byte

	// Registry is version 5's registry proofs.
	Registry *Registry

	// lazy, for a record from Open, says where in its file the lists are
	// that the fields above leave empty (source.go).
	lazy *lazy
}

// V3 reports whether r has a timeline: version 3 or 4.
func (r *Record) V3() bool { return r.Version >= 3 }

// V4 reports whether r carries the issuers' blind signatures.
func (r *Record) V4() bool { return r.Version >= 4 }

// V5 reports whether r carries the requesters' registry proofs.
func (r *Record) V5() bool { return r.Version >= 5 }

// Params returns the ceremony parameters.
func (r *Record) Params() ceremony.Params {
	return ceremony.Params{ElectionID: r.Manifest.ElectionID, N: r.N, K: r.K}
}

// CheckError is a decode failure attributed to a check of the spec.
type CheckError struct {
	Check string
	Err   error
}

func (e *CheckError) Error() string { return e.Check + ": " + e.Err.Error() }
func (e *CheckError) Unwrap() error { return e.Err }

// ErrFormat marks layout errors.
var ErrFormat = errors.New("record: malformed")

func (r *Record) writeCeremonyPrefix(w *group.Writer) {
	w.Uint16(uint16(r.N))
	w.Uint16(uint16(r.K))
	for _, k := range r.HPKEKeys {
		w.Fixed(k)
	}
	for _, d := range r.Dealings {
		ceremony.WriteDealing(w, d)
	}
	w.Uint16(uint16(len(r.Complaints)))
	for _, c := range r.Complaints {
		w.Uint16(uint16(c.Accuser))
		w.Uint16(uint16(c.Dealer))
	}
	w.Uint16(uint16(len(r.Answers)))
	for _, a := range r.Answers {
		w.Uint16(uint16(a.Dealer))
		w.Uint16(uint16(a.Accuser))
		w.Scalar(a.Share)
	}
	w.Uint16(uint16(len(r.Qualified)))
	for _, q := range r.Qualified {
		w.Uint16(uint16(q))
	}
	w.Element(r.JointKey)
	for _, X := range r.PublicShares {
		w.Element(X)
	}
}

// CeremonyHash is SHA-256 of the ceremony section up to the acknowledgements.
func (r *Record) CeremonyHash() []byte {
	w := &group.Writer{}
	r.writeCeremonyPrefix(w)
	h := sha256.Sum256(w.Buf)
	return h[:]
}

// Encode returns the record's bytes.
func (r *Record) Encode() []byte {
	st, err := r.Stream(r.Lists())
	if err != nil {
		panic(fmt.Sprintf("record: %v", err))
	}
	buf := bytes.NewBuffer(make([]byte, 0, max(0, st.Len())))
	if _, err := st.WriteTo(buf); err != nil {
		panic(fmt.Sprintf("record: %v", err))
	}
	return buf.Bytes()
}

// Lists supplies a record's two long lists, the issuance logs and the cast
// ballots, one entry at a time, so that a record of millions of ballots can
// be written without being held in memory (Record.Stream).
type Lists struct {
	LogLen  []uint64 // requests in each issuer's log
	Request func(issuer int, j uint64) (IssuanceEntry, error)
	Cast    uint64
	Ballot  func(i uint64) ([]byte, error)
	// Member gives version 5's registry proof of request j of the first
	// issuer's log.
	Member func(j uint64) (ProvenEntry, error)
}

// Lists returns the record's own lists.
func (r *Record) Lists() Lists {
	l := Lists{Cast: uint64(r.CastLen()),
		Request: func(i int, j uint64) (IssuanceEntry, error) {
			e, err := r.requestsAt(i, int(j), int(j)+1)
			if err != nil {
				return IssuanceEntry{}, err
			}
			return e[0], nil
		},
		Ballot: func(i uint64) ([]byte, error) {
			b, err := r.ballotsAt(int(i), int(i)+1)
			if err != nil {
				return nil, err
			}
			return b[0], nil
		},
		Member: func(j uint64) (ProvenEntry, error) {
			if r.Registry == nil || j >= uint64(len(r.Registry.Members)) {
				return ProvenEntry{}, fmt.Errorf("record: no registry proof for request %d", j)
			}
			return r.Registry.Members[j], nil
		}}
	for i := range r.numLogs() {
		l.LogLen = append(l.LogLen, uint64(r.LogLen(i)))
	}
	return l
}

// Streamer writes one record whose issuance logs and cast ballots come
// from Lists; everything else is encoded when it is made.
type Streamer struct {
	head, tail []byte
	lists      Lists
	entry      []int // bytes per request, by issuer
	ballot     int   // bytes per ballot
	v5         bool  // the registry proofs follow the tail
}

// Stream prepares to write the record with the lists l in place of
// r.IssuanceLogs and r.Cast.
func (r *Record) Stream(l Lists) (*Streamer, error) {
	if r.V5() && (len(l.LogLen) == 0 || l.Member == nil) {
		return nil, fmt.Errorf("record: a version-5 record needs its registry proofs")
	}
	if r.lazy != nil && r.V3() {
		// The timeline and answers are written from memory.
		if err := r.load(); err != nil {
			return nil, err
		}
	}
	if len(l.LogLen) != len(r.IssuerKeys) {
		return nil, fmt.Errorf("%d issuance logs for %d issuers", len(l.LogLen), len(r.IssuerKeys))
	}
	st := &Streamer{lists: l, ballot: ballot.SizeOf(r.Manifest, r.IssuerKeys)}
	for _, k := range r.IssuerKeys {
		st.entry = append(st.entry, 32+credential.Size(k)+64)
	}
	w := &group.Writer{Buf: make([]byte, 0, 1<<16)}
	st.v5 = r.V5()
	switch {
	case r.V5():
		w.Fixed([]byte(Magic5))
	case r.V4():
		w.Fixed([]byte(Magic4))
	case r.V3():
		w.Fixed([]byte(Magic3))
	default:
		w.Fixed([]byte(Magic))
	}
	w.Bytes(r.Manifest.Encode())
	for _, t := range []int64{r.Schedule.IssueStart, r.Schedule.IssueEnd, r.Schedule.VoteStart, r.Schedule.VoteEnd} {
		w.Uint64(uint64(t))
	}
	overlap := uint8(0)
	if r.Schedule.AllowOverlap {
		overlap = 1
	}
	w.Uint8(overlap)
	w.Uint64(r.Eligibility.Count)
	w.Uint64(r.Eligibility.RegistryHeight)
	w.String(r.Eligibility.Chapter)
	w.String(r.Eligibility.Class)
	r.writeCeremonyPrefix(w)
	for _, a := range r.Acks {
		a.Encode(w)
	}
	w.Uint16(uint16(len(r.IssuerKeys)))
	for _, k := range r.IssuerKeys {
		w.Bytes(credential.EncodeKey(k))
	}
	st.head = w.Buf

	w = &group.Writer{}
	w.Uint32(uint32(len(r.Spoiled)))
	for _, s := range r.Spoiled {
		w.Fixed(s.Ballot)
		w.Fixed(ballot.EncodeReveal(s.Reveal))
	}
	for _, c := range r.Aggregate {
		for _, ct := range c {
			w.Element(ct.Alpha)
			w.Element(ct.Beta)
		}
	}
	w.Uint16(uint16(len(r.Decryptions)))
	for _, d := range r.Decryptions {
		w.Uint16(uint16(d.Trustee))
		ceremony.WriteShare(w, d)
	}
	for _, c := range r.Results {
		for _, v := range c {
			w.Uint64(v)
		}
	}
	w.Uint64(r.CastCount)
	w.Uint64(r.Replaced)
	w.Uint64(r.Counted)
	if r.V3() {
		if err := r.writeTimeline(w, l); err != nil {
			return nil, err
		}
	}
	if r.V4() {
		if err := r.writeBlindSignatures(w); err != nil {
			return nil, err
		}
	}
	if r.V5() {
		if r.Registry == nil || len(r.Registry.AppHash) != 32 {
			return nil, fmt.Errorf("record: a version-5 record needs its registry's 32-byte app hash")
		}
		w.Fixed(r.Registry.AppHash)
		w.Uint32(uint32(len(r.Registry.Chapters)))
		for _, e := range r.Registry.Chapters {
			writeEntry(w, e)
		}
	}
	st.tail = w.Buf
	return st, nil
}

// writeTimeline appends version 3's timeline:
//
//	u32 blocks ‖ blocks × (u64 height ‖ u64 time)
//	for each issuer, each logged request: u64 requested ‖ u64 answered
//	for each cast ballot: u64 height
//	for each spoiled ballot: u64 height
func (r *Record) writeTimeline(w *group.Writer, l Lists) error {
	tl := r.Timeline
	if tl == nil {
		return fmt.Errorf("record: a version-3 record needs a timeline")
	}
	if len(tl.Requests) != len(l.LogLen) || uint64(len(tl.Cast)) != l.Cast || len(tl.Spoiled) != len(r.Spoiled) {
		return fmt.Errorf("record: the timeline does not match the logs and ballots")
	}
	w.Uint32(uint32(len(tl.Blocks)))
	for _, b := range tl.Blocks {
		w.Uint64(b.Height)
		w.Uint64(uint64(b.Time))
	}
	for i, log := range tl.Requests {
		if uint64(len(log)) != l.LogLen[i] {
			return fmt.Errorf("record: the timeline of issuer %d does not match its log", i)
		}
		for _, t := range log {
			w.Uint64(t.Requested)
			w.Uint64(t.Answered)
		}
	}
	for _, h := range tl.Cast {
		w.Uint64(h)
	}
	for _, h := range tl.Spoiled {
		w.Uint64(h)
	}
	return nil
}

// writeBlindSignatures appends version 4's answers: for each issuer, each
// request of its log that the timeline says was answered, the blind
// signature, as many bytes as the issuer's modulus.
func (r *Record) writeBlindSignatures(w *group.Writer) error {
	tl := r.Timeline
	if len(r.BlindSignatures) != len(tl.Requests) {
		return fmt.Errorf("record: blind signatures for %d issuers, the timeline has %d", len(r.BlindSignatures), len(tl.Requests))
	}
	for i, log := range tl.Requests {
		if len(r.BlindSignatures[i]) != len(log) {
			return fmt.Errorf("record: issuer %d: %d blind signatures for %d requests", i, len(r.BlindSignatures[i]), len(log))
		}
		for j, t := range log {
			sig := r.BlindSignatures[i][j]
			if (t.Answered != 0) != (sig != nil) {
				return fmt.Errorf("record: issuer %d request %d: a blind signature must be there exactly when the request was answered", i, j)
			}
			w.Fixed(sig)
		}
	}
	return nil
}

// writeEntry appends u32 len ‖ key ‖ u32 len ‖ value ‖ u32 len ‖ proof.
func writeEntry(w *group.Writer, e ProvenEntry) {
	w.Bytes(e.Key)
	w.Bytes(e.Value)
	w.Bytes(e.Proof)
}

func entrySize(e ProvenEntry) int64 { return 12 + int64(len(e.Key)+len(e.Value)+len(e.Proof)) }

// Len is the number of bytes WriteTo writes when every entry of the lists
// has the size the issuer keys and the manifest give it (a record that
// decodes); Encode, which also encodes altered records, uses it only as a
// hint.
func (st *Streamer) Len() int64 {
	n := int64(len(st.head)) + int64(len(st.tail)) + 8 + int64(st.lists.Cast)*int64(st.ballot)
	for i, c := range st.lists.LogLen {
		n += 4 + int64(c)*int64(st.entry[i])
	}
	if st.v5 {
		// Proofs vary in size: a version-5 record's length reads each one.
		for j := uint64(0); j < st.lists.LogLen[0]; j++ {
			e, err := st.lists.Member(j)
			if err != nil {
				return -1
			}
			n += entrySize(e)
		}
	}
	return n
}

// WriteTo writes the record to w, reading the lists as it goes; it stops at
// the first error a list returns.
func (st *Streamer) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	var n int64
	put := func(b []byte) {
		m, _ := bw.Write(b)
		n += int64(m)
	}
	put(st.head)
	var num [8]byte
	for i, c := range st.lists.LogLen {
		binary.BigEndian.PutUint32(num[:4], uint32(c))
		put(num[:4])
		for j := uint64(0); j < c; j++ {
			e, err := st.lists.Request(i, j)
			if err != nil {
				return n, err
			}
			put(e.Member)
			put(e.Blinded)
			put(e.Signature)
		}
	}
	binary.BigEndian.PutUint64(num[:], st.lists.Cast)
	put(num[:])
	for i := uint64(0); i < st.lists.Cast; i++ {
		b, err := st.lists.Ballot(i)
		if err != nil {
			return n, err
		}
		put(b)
	}
	put(st.tail)
	if st.v5 {
		w := &group.Writer{}
		for j := uint64(0); j < st.lists.LogLen[0]; j++ {
			e, err := st.lists.Member(j)
			if err != nil {
				return n, err
			}
			w.Buf = w.Buf[:0]
			writeEntry(w, e)
			put(w.Buf)
		}
	}
	return n, bw.Flush()
}

// Decode parses a version-2, -3 or -4 record. Errors are *CheckError naming the
// check of the spec that fails ("record.format", "manifest", "issuers.keys").
// The record's byte fields alias data. Open reads a record from a file
// without loading its lists.
func Decode(data []byte) (*Record, error) {
	r, err := open(sliceAt(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	if err := r.load(); err != nil {
		return nil, &CheckError{Check: "record.format", Err: err}
	}
	return r, nil
}

// decodeHead parses a record up to its issuers' keys: everything before the
// issuance logs.
func decodeHead(rd *group.Reader) (*Record, error) {
	fail := func(check string, err error) (*Record, error) {
		return nil, &CheckError{Check: check, Err: err}
	}
	version := 0
	switch string(rd.Fixed("magic", 8)) {
	case Magic:
		version = 2
	case Magic3:
		version = 3
	case Magic4:
		version = 4
	case Magic5:
		version = 5
	default:
		if rd.Err() != nil {
			return nil, rd.Err()
		}
		return fail("record.format", fmt.Errorf("%w: not a version-2, -3, -4 or -5 pnyx election record", ErrFormat))
	}
	mb := rd.Bytes("manifest", 1<<24)
	if rd.Err() != nil {
		return nil, rd.Err()
	}
	m, err := ballot.DecodeManifest(mb)
	if err != nil {
		return fail("manifest", err)
	}
	r := &Record{Version: version, Manifest: m}
	var times [4]int64
	for i := range times {
		t := rd.Uint64("schedule")
		if t > math.MaxInt64 {
			rd.Fail("schedule", ErrFormat)
		}
		times[i] = int64(t)
	}
	r.Schedule = Schedule{IssueStart: times[0], IssueEnd: times[1], VoteStart: times[2], VoteEnd: times[3]}
	switch rd.Uint8("allow_overlap") {
	case 0:
	case 1:
		r.Schedule.AllowOverlap = true
	default:
		rd.Fail("allow_overlap", ErrFormat)
	}
	r.Eligibility.Count = rd.Uint64("eligible")
	r.Eligibility.RegistryHeight = rd.Uint64("registry_height")
	r.Eligibility.Chapter = rd.String("chapter", MaxNameLen)
	r.Eligibility.Class = rd.String("class", MaxNameLen)
	if !utf8.ValidString(r.Eligibility.Chapter) || !utf8.ValidString(r.Eligibility.Class) {
		rd.Fail("eligibility", ErrFormat)
	}
	r.N, r.K = int(rd.Uint16("n")), int(rd.Uint16("k"))
	if rd.Err() == nil {
		if err := r.Params().Check(); err != nil {
			return fail("record.format", err)
		}
	}
	for i := 0; i < r.N; i++ {
		r.HPKEKeys = append(r.HPKEKeys, rd.Fixed("hpke_key", ceremony.HPKEKeySize))
	}
	for i := 1; i <= r.N && rd.Err() == nil; i++ {
		r.Dealings = append(r.Dealings, ceremony.ReadDealing(rd, r.Params(), i))
	}
	nc := int(rd.Uint16("complaints"))
	for i := 0; i < nc && rd.Err() == nil; i++ {
		r.Complaints = append(r.Complaints, ceremony.Complaint{Accuser: int(rd.Uint16("complaint.accuser")), Dealer: int(rd.Uint16("complaint.dealer"))})
	}
	na := int(rd.Uint16("answers"))
	for i := 0; i < na && rd.Err() == nil; i++ {
		a := &ceremony.Answer{Dealer: int(rd.Uint16("answer.dealer")), Accuser: int(rd.Uint16("answer.accuser"))}
		a.Share = rd.Scalar("answer.share")
		r.Answers = append(r.Answers, a)
	}
	nq := int(rd.Uint16("qualified"))
	for i := 0; i < nq && rd.Err() == nil; i++ {
		r.Qualified = append(r.Qualified, int(rd.Uint16("qualified.dealer")))
	}
	r.JointKey = rd.PublicKey("joint_key")
	for i := 0; i < r.N; i++ {
		r.PublicShares = append(r.PublicShares, rd.PublicKey("public_share"))
	}
	for i := 0; i < r.N; i++ {
		r.Acks = append(r.Acks, group.ReadSchnorr(rd, "acknowledgement"))
	}
	nm := int(rd.Uint16("issuers"))
	if rd.Err() == nil && (nm == 0 || nm > MaxIssuers) {
		rd.Fail("issuers", ErrFormat)
	}
	for i := 0; i < nm && rd.Err() == nil; i++ {
		der := rd.Bytes("issuer_key", 1<<14)
		if rd.Err() != nil {
			break
		}
		pk, err := credential.DecodeKey(der)
		if err != nil {
			return fail("issuers.keys", fmt.Errorf("issuer %d: %w", i, err))
		}
		r.IssuerKeys = append(r.IssuerKeys, pk)
	}
	return r, rd.Err()
}

// decodeTail parses what follows the cast ballots up to the timeline:
// spoiled ballots, aggregate, decryption shares, results and counts. left
// is the number of bytes of the record after rd's position.
func decodeTail(rd *group.Reader, r *Record, size int, left func() uint64) {
	m := r.Manifest
	r.Spoiled = nil
	ns := rd.Uint32("spoiled")
	if rd.Err() == nil && uint64(ns)*uint64(size) > left() {
		rd.Fail("spoiled", ErrFormat)
	}
	for i := 0; i < int(ns) && rd.Err() == nil; i++ {
		s := Spoiled{Ballot: rd.Fixed("spoiled.ballot", size)}
		s.Reveal = ballot.ReadReveal(rd, m)
		r.Spoiled = append(r.Spoiled, s)
	}
	r.Aggregate = make([][]ballot.Ciphertext, len(m.Contests))
	nct := 0
	for i, c := range m.Contests {
		r.Aggregate[i] = make([]ballot.Ciphertext, len(c.Options))
		for j := range c.Options {
			r.Aggregate[i][j] = ballot.Ciphertext{Alpha: rd.Element("aggregate.alpha"), Beta: rd.Element("aggregate.beta")}
			nct++
		}
	}
	nd := int(rd.Uint16("decryption_shares"))
	if rd.Err() == nil && nd > r.N {
		rd.Fail("decryption_shares", ErrFormat)
	}
	r.Decryptions = nil
	for i := 0; i < nd && rd.Err() == nil; i++ {
		l := int(rd.Uint16("share.trustee"))
		r.Decryptions = append(r.Decryptions, ceremony.ReadShare(rd, l, nct))
	}
	r.Results = make([][]uint64, len(m.Contests))
	for i, c := range m.Contests {
		r.Results[i] = make([]uint64, len(c.Options))
		for j := range c.Options {
			r.Results[i][j] = rd.Uint64("result")
		}
	}
	r.CastCount = rd.Uint64("count.cast")
	r.Replaced = rd.Uint64("count.replaced")
	r.Counted = rd.Uint64("count.counted")
}
