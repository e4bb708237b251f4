package election

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gtank/ristretto255"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/election/record"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/tx"
)

// Elections is the module. Its caches are per node and never change an
// outcome, only its cost.
type Elections struct {
	Org *org.Org
	// Workers verifies a block's ballots on this many goroutines
	// (0 = GOMAXPROCS). The verdicts do not depend on it.
	Workers int

	mu sync.Mutex
	// contexts caches the public context of elections past their ceremony
	// (immutable from then on), by election name.
	contexts map[string]*ballot.Election
	byEID    map[[32]byte]*ballot.Election
	// checked remembers ballots (by SHA-256 of their bytes) whose
	// credentials and one-time signature verified.
	checked map[[32]byte]struct{}
	// block holds FinalizeBlock's verdicts for the block being executed.
	block map[[32]byte]*verdict
	// elCache and aggCache keep decoded elections and aggregates, keyed
	// by their exact stored bytes.
	elCache  map[string]cachedElection
	aggCache map[string]cachedAggregate
	// bad remembers ballots whose proofs a block refused (CheckTx does
	// not check proofs), by contentKey, so a resubmission, re-signed or
	// not, is refused before the mempool.
	bad map[[32]byte]error
	// blockAgg holds, during a block, the running aggregate of each
	// election that received ballots in it.
	blockAgg map[string][][]ballot.Ciphertext
	// decoded keeps ballots Preverify or CheckTx decoded, for BeginBlock.
	decoded map[[32]byte]*ballot.Ballot
	// totals counts BeginBlock's work, for metrics and benchmarks.
	totals BlockStats
}

type verdict struct {
	b   *ballot.Ballot
	err error
}

const (
	maxChecked = 500_000
	maxDecoded = 4096
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

func padN(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for len(s) < 12 {
		s = "0" + s
	}
	return s
}

// DeriveElectionID is the 32-byte election ID bound into every ballot:
// SHA-256("pnyx/election/id/v1\x00" ‖ chainID ‖ "\x00" ‖ name).
func DeriveElectionID(chainID, name string) [32]byte {
	return sha256.Sum256([]byte("pnyx/election/id/v1\x00" + chainID + "\x00" + name))
}

// Spec describes the module to the chain.
func (m *Elections) Spec() module.Spec {
	return module.Spec{Name: "election", Routes: []module.Route{
		module.Handle(TypeCreate, m.create),
		module.Handle(TypeCancel, m.cancel),
		module.Handle(TypeTrusteeKey, m.trusteeKey),
		module.Handle(TypeDeal, m.deal),
		module.Handle(TypeCheck, m.check),
		module.Handle(TypeAnswer, m.answer),
		module.Handle(TypeAck, m.ack),
		module.Handle(TypeIssuerKey, m.issuerKey),
		module.Handle(TypeRequest, m.request),
		module.Handle(TypeIssue, m.issue),
		module.HandleRaw[BallotBody](TypeBallot, m.ballot).Unsigned(),
		module.Handle(TypeSpoil, m.spoil).Unsigned(),
		module.Handle(TypeDecrypt, m.decrypt),
		module.Handle(TypeConclude, m.conclude),
	},
		// Ballots are verified for the whole block first, on all cores.
		BeginBlock: func(kv store.KV, height int64, txs [][]byte) { m.BeginBlock(kv, height, txs) },
		EndBlock:   m.EndBlock,
		Preverify:  m.Preverify,
	}
}

// Get reads an election.
func Get(kv store.Reader, id string) (*Election, bool) {
	e, ok := module.Get[Election](kv, string(ElectionKey(id)))
	if !ok {
		return nil, false
	}
	return &e, true
}

// PinnedVersions lists the state versions live elections still read: the
// registry snapshot (EligibleAt) of every election not yet published or
// cancelled, which every credential request reads. A node that prunes
// state (store.SetRetention) must keep them, or all nodes, pruning alike,
// would halt together at the next request.
func PinnedVersions(kv store.Reader) []int64 {
	var out []int64
	kv.Iterate([]byte("el/e/"), func(_, value []byte) bool {
		var e struct {
			Status     string `json:"status"`
			EligibleAt int64  `json:"eligible_at"`
		}
		if json.Unmarshal(value, &e) == nil && e.Status != PhasePublished && e.Status != PhaseCancelled && e.EligibleAt > 0 {
			out = append(out, e.EligibleAt)
		}
		return true
	})
	return out
}

// GetTally reads an election's running tally.
func GetTally(kv store.Reader, id string) (*Tally, bool) {
	t, ok := module.Get[Tally](kv, string(TallyKey(id)))
	if !ok {
		return nil, false
	}
	return &t, true
}

// ByElectionID finds an election's name from its 32-byte ID.
func ByElectionID(kv store.Reader, eid [32]byte) (string, bool) {
	v := kv.Get(eidKey(hex.EncodeToString(eid[:])))
	return string(v), v != nil
}

func load(kv store.Reader, id string) (*Election, error) {
	e, ok := Get(kv, id)
	if !ok {
		return nil, codes.NotFound.Errorf("election %q does not exist", id)
	}
	return e, nil
}

// Phase is the election's phase at block time now.
func (e *Election) Phase(now int64) string {
	switch {
	case e.Status != PhaseReady:
		return e.Status
	case now < e.VoteStart:
		return PhaseIssuing
	case now < e.VoteEnd:
		return PhaseVoting
	default:
		return PhaseTallying
	}
}

func wrongPhase(e *Election, now int64, what string) error {
	return CodeWrongPhase.Errorf("election %s is in phase %s at %d: %s", e.ID, e.Phase(now), now, what)
}

func (e *Election) params() ceremony.Params {
	var p ceremony.Params
	hex.Decode(p.ElectionID[:], []byte(e.ElectionID))
	p.N, p.K = len(e.Trustees), e.Threshold
	return p
}

func (e *Election) manifest() *ballot.Manifest {
	raw, _ := hex.DecodeString(e.Manifest)
	m, err := ballot.DecodeManifest(raw)
	if err != nil {
		panic(fmt.Sprintf("election: stored manifest of %s is corrupt: %v", e.ID, err))
	}
	return m
}

func indexOf(list []string, id string) int {
	for i, x := range list {
		if x == id {
			return i
		}
	}
	return -1
}

// trustee returns the caller's trustee index (1..n), checking the role.
func (m *Elections) trustee(ctx *module.Context, e *Election) (int, error) {
	l := indexOf(e.Trustees, ctx.Caller.MemberID) + 1
	if l == 0 || ctx.Caller.MemberID == "" {
		return 0, codes.Unauthorized.Errorf("signer is not a trustee of election %s", e.ID)
	}
	if err := m.Org.Authorize(ctx, org.Trustee, e.Chapter); err != nil {
		return 0, err
	}
	return l, nil
}

func (m *Elections) issuer(ctx *module.Context, e *Election) (int, error) {
	i := indexOf(e.Issuers, ctx.Caller.MemberID)
	if i < 0 || ctx.Caller.MemberID == "" {
		return 0, codes.Unauthorized.Errorf("signer is not a credential issuer of election %s", e.ID)
	}
	if err := m.Org.Authorize(ctx, org.CredentialIssuer, e.Chapter); err != nil {
		return 0, err
	}
	return i, nil
}

func put(ctx *module.Context, e *Election) { module.Put(ctx.Store, string(ElectionKey(e.ID)), e) }
func putTally(ctx *module.Context, id string, t *Tally) {
	module.Put(ctx.Store, string(TallyKey(id)), t)
}

func decodeHex(s, what string, size int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || (size > 0 && len(b) != size) || hex.EncodeToString(b) != s {
		return nil, codes.InvalidArgument.Errorf("%s must be %d bytes of lowercase hex", what, size)
	}
	return b, nil
}

func (m *Elections) create(ctx *module.Context, b CreateBody) error {
	if !idPattern.MatchString(b.ID) {
		return codes.InvalidArgument.Errorf("election ID %q must match %s", b.ID, idPattern)
	}
	if err := m.Org.Authorize(ctx, org.ElectionCommissioner, b.Chapter); err != nil {
		return err
	}
	if _, ok := Get(ctx.Store, b.ID); ok {
		return codes.AlreadyExists.Errorf("election %q exists", b.ID)
	}
	if b.Class != "" && b.Class != members.General && b.Class != members.Responsible {
		return codes.InvalidArgument.Errorf("class %q is neither %s nor %s", b.Class, members.General, members.Responsible)
	}
	man := &ballot.Manifest{ElectionID: DeriveElectionID(ctx.ChainID, b.ID), Title: b.Title}
	for _, c := range b.Contests {
		man.Contests = append(man.Contests, ballot.Contest{Title: c.Title, SelectionLimit: c.SelectionLimit, OptionLimit: c.OptionLimit, Options: c.Options})
	}
	if err := man.Validate(); err != nil {
		return codes.InvalidArgument.Errorf("manifest: %v", err)
	}
	if n := len(b.Trustees); n < 1 || n > MaxTrustees || b.Threshold < 1 || b.Threshold > n {
		return codes.InvalidArgument.Errorf("need 1 ≤ threshold ≤ trustees ≤ %d, got %d of %d", MaxTrustees, b.Threshold, n)
	}
	if n := len(b.Issuers); n < 1 || n > MaxIssuers {
		return codes.InvalidArgument.Errorf("need 1 to %d credential issuers, got %d", MaxIssuers, n)
	}
	seen := map[string]bool{}
	for _, list := range []struct {
		ids  []string
		role org.Role
	}{{b.Trustees, org.Trustee}, {b.Issuers, org.CredentialIssuer}} {
		for _, id := range list.ids {
			if seen[id] {
				return codes.InvalidArgument.Errorf("member %s is listed twice (trustees and issuers must be distinct people)", id)
			}
			seen[id] = true
			mem, ok := members.Get(ctx.Store, id)
			if !ok || mem.Status != members.Active {
				return codes.InvalidArgument.Errorf("member %s is not an active member", id)
			}
			if !org.HasRole(ctx.Store, id, list.role, b.Chapter) {
				return codes.Unauthorized.Errorf("member %s lacks role %s at chapter %s or above", id, list.role, b.Chapter)
			}
		}
	}
	if b.MaxRevotes < 0 || b.MaxRevotes > MaxMaxRevotes {
		return codes.InvalidArgument.Errorf("max_revotes must be 1 to %d (0 for the default %d), got %d", MaxMaxRevotes, DefaultMaxRevotes, b.MaxRevotes)
	}
	if b.CeremonyEnd != 0 && (b.CeremonyEnd <= ctx.Unix() || b.CeremonyEnd >= b.IssueEnd) {
		return codes.InvalidArgument.Errorf("ceremony_end must be after now (%d) and before issue_end (%d), or 0 for none; got %d", ctx.Unix(), b.IssueEnd, b.CeremonyEnd)
	}
	sched := record.Schedule{IssueStart: b.IssueStart, IssueEnd: b.IssueEnd, VoteStart: b.VoteStart, VoteEnd: b.VoteEnd, AllowOverlap: b.AllowOverlap}
	if err := sched.Check(); err != nil || b.VoteEnd <= ctx.Unix() {
		return codes.InvalidArgument.Errorf("%v, and voting must end in the future", record.ErrSchedule)
	}
	// The eligibility snapshot is the member registry as committed before
	// this block: it is already on every node, immutable and provable, so
	// nothing is copied. Its size comes from the per-chapter active counts,
	// one read per chapter of the subtree whatever the number of members.
	registryAt := ctx.Height - 1
	registry, err := ctx.Committed(registryAt)
	if err != nil {
		return codes.WrongState.Errorf("elections are created from block 2 on, over a committed member registry: %v", err)
	}
	var eligible uint64
	for _, ch := range org.Subtree(registry, b.Chapter) {
		eligible += members.ActiveCount(registry, ch.ID, b.Class)
	}
	if eligible == 0 {
		return CodeNotEligible.Errorf("no active member%s is registered under chapter %s as of block %d", classPhrase(b.Class), b.Chapter, registryAt)
	}
	n := len(b.Trustees)
	e := &Election{ID: b.ID, ElectionID: hex.EncodeToString(man.ElectionID[:]), Chapter: b.Chapter, Class: b.Class,
		Commissioner: ctx.Caller.MemberID, Manifest: hex.EncodeToString(man.Encode()), Trustees: b.Trustees,
		Threshold: b.Threshold, Issuers: b.Issuers, IssueStart: b.IssueStart, IssueEnd: b.IssueEnd,
		VoteStart: b.VoteStart, VoteEnd: b.VoteEnd, AllowOverlap: b.AllowOverlap, MaxRevotes: b.MaxRevotes, CeremonyEnd: b.CeremonyEnd, Status: PhaseCeremony,
		CreatedAt: ctx.Unix(), CreatedAtH: ctx.Height, Eligible: eligible, EligibleAt: registryAt,
		HPKEKeys: make([]string, n), Dealt: make([]bool, n), Checked: make([]bool, n), Complaints: []Complaint{}, Answers: []Answer{},
		Acks: make([]string, n), IssuerKeys: make([]string, len(b.Issuers))}
	mh := man.Hash()
	e.ManifestHash = hex.EncodeToString(mh[:])
	put(ctx, e)
	ctx.Store.Set(eidKey(e.ElectionID), []byte(e.ID))
	putTally(ctx, e.ID, &Tally{Aggregate: hex.EncodeToString(encodeAggregate(zeroAggregate(man))), Shares: []int{}})
	ctx.Emit("election.created", "election", e.ID, "chapter", e.Chapter, "eligible", strconv.FormatUint(e.Eligible, 10))
	return nil
}

func (m *Elections) cancel(ctx *module.Context, b CancelBody) error {
	e, err := load(ctx.Store, b.Election)
	if err != nil {
		return err
	}
	if err := m.Org.Authorize(ctx, org.ElectionCommissioner, e.Chapter); err != nil {
		return err
	}
	if _, ok := ReasonNames[b.Reason]; !ok {
		return codes.InvalidArgument.Errorf("unknown cancellation reason %d", b.Reason)
	}
	if e.Status == PhasePublished || e.Status == PhaseCancelled {
		return wrongPhase(e, ctx.Unix(), "only an election not yet published or cancelled can be cancelled")
	}
	e.Status, e.Reason = PhaseCancelled, b.Reason
	put(ctx, e)
	ctx.Emit("election.cancelled", "election", e.ID, "reason", ReasonNames[b.Reason])
	return nil
}

// conclude ends a key ceremony stalled past its deadline, with what the
// trustees did in time. Before the joint key: a trustee that posted no
// check complained about nobody, a dealer that left a complaint unanswered
// is disqualified, and the joint key comes from the dealers that qualify
// (cancelled with ceremony_failed if fewer than k). Missing HPKE keys or
// dealings cancel the ceremony: every trustee's dealing is part of the
// record (docs/election-record.md), so the commission recreates the
// election with other trustees. After the joint key, acknowledgements and
// issuer keys still missing once AcksDue has passed cancel it too.
func (m *Elections) conclude(ctx *module.Context, b ConcludeBody) error {
	e, err := inCeremony(ctx, b.Election)
	if err != nil {
		return err
	}
	if ctx.Caller.MemberID != e.Commissioner && indexOf(e.Trustees, ctx.Caller.MemberID) < 0 {
		return codes.Unauthorized.Errorf("only the election's commissioner or a trustee concludes its ceremony")
	}
	now := ctx.Unix()
	switch {
	case e.CeremonyEnd == 0:
		return wrongPhase(e, now, "this election has no ceremony deadline: it waits for every trustee, or is cancelled")
	case now < e.CeremonyEnd:
		return wrongPhase(e, now, fmt.Sprintf("the ceremony's deadline is %d", e.CeremonyEnd))
	case e.JointKey == "" && (!allSet(e.HPKEKeys) || !all(e.Dealt)):
		e.Status, e.Reason = PhaseCancelled, ReasonCeremonyFailed
		ctx.Emit("election.cancelled", "election", e.ID, "reason", ReasonNames[ReasonCeremonyFailed])
	case e.JointKey == "":
		m.jointKey(ctx, e)
		ctx.Emit("election.ceremony_concluded", "election", e.ID, "qualified", fmt.Sprint(e.Qualified))
	case now < e.AcksDue:
		return wrongPhase(e, now, fmt.Sprintf("acknowledgements and issuer keys are due until %d", e.AcksDue))
	default:
		e.Status, e.Reason = PhaseCancelled, ReasonCeremonyFailed
		ctx.Emit("election.cancelled", "election", e.ID, "reason", ReasonNames[ReasonCeremonyFailed])
	}
	put(ctx, e)
	return nil
}

// inCeremony loads an election that must still be in its ceremony.
func inCeremony(ctx *module.Context, id string) (*Election, error) {
	e, err := load(ctx.Store, id)
	if err != nil {
		return nil, err
	}
	if e.Status != PhaseCeremony {
		return nil, wrongPhase(e, ctx.Unix(), "the key ceremony is over")
	}
	return e, nil
}

func (m *Elections) trusteeKey(ctx *module.Context, b TrusteeKeyBody) error {
	e, err := inCeremony(ctx, b.Election)
	if err != nil {
		return err
	}
	l, err := m.trustee(ctx, e)
	if err != nil {
		return err
	}
	if _, err := decodeHex(b.Key, "key", ceremony.HPKEKeySize); err != nil {
		return err
	}
	if e.HPKEKeys[l-1] != "" {
		return codes.AlreadyExists.Errorf("trustee %d posted its key already", l)
	}
	e.HPKEKeys[l-1] = b.Key
	put(ctx, e)
	ctx.Emit("election.trustee_key", "election", e.ID, "trustee", strconv.Itoa(l))
	return nil
}

// EncodeDealing is the dealing's layout in the record: k commitments ‖
// k Schnorr proofs ‖ n sealed shares.
func EncodeDealing(d *ceremony.Dealing) []byte {
	w := &group.Writer{}
	for _, A := range d.Commitments {
		w.Element(A)
	}
	for _, p := range d.Proofs {
		p.Encode(w)
	}
	for _, s := range d.Shares {
		w.Fixed(s)
	}
	return w.Buf
}

// DecodeDealing parses a dealing of dealer for parameters p.
func DecodeDealing(p ceremony.Params, dealer int, raw []byte) (*ceremony.Dealing, error) {
	rd := group.NewReader(raw)
	d := &ceremony.Dealing{Dealer: dealer}
	for range p.K {
		d.Commitments = append(d.Commitments, rd.PublicKey("commitment"))
	}
	for range p.K {
		d.Proofs = append(d.Proofs, group.ReadSchnorr(rd, "proof"))
	}
	for range p.N {
		d.Shares = append(d.Shares, rd.Fixed("sealed_share", ceremony.ShareCiphertextSize))
	}
	if err := rd.Finish(); err != nil {
		return nil, err
	}
	return d, nil
}

func (e *Election) dealing(kv store.Reader, l int) *ceremony.Dealing {
	raw := kv.Get(dealingKey(e.ID, l))
	if raw == nil {
		return nil
	}
	d, err := DecodeDealing(e.params(), l, raw)
	if err != nil {
		panic(fmt.Sprintf("election: stored dealing %d of %s is corrupt: %v", l, e.ID, err))
	}
	return d
}

func all(bs []bool) bool {
	for _, b := range bs {
		if !b {
			return false
		}
	}
	return true
}

func allSet(ss []string) bool {
	for _, s := range ss {
		if s == "" {
			return false
		}
	}
	return true
}

func (m *Elections) deal(ctx *module.Context, b DealBody) error {
	e, err := inCeremony(ctx, b.Election)
	if err != nil {
		return err
	}
	l, err := m.trustee(ctx, e)
	if err != nil {
		return err
	}
	if !allSet(e.HPKEKeys) {
		return wrongPhase(e, ctx.Unix(), "dealings wait until every trustee has posted its key")
	}
	if e.Dealt[l-1] {
		return codes.AlreadyExists.Errorf("trustee %d has dealt already", l)
	}
	raw, err := hex.DecodeString(b.Dealing)
	if err != nil {
		return codes.InvalidArgument.Errorf("dealing is not hex")
	}
	d, err := DecodeDealing(e.params(), l, raw)
	if err != nil {
		return CodeCeremony.Errorf("dealing of trustee %d: %v", l, err)
	}
	if err := ceremony.VerifyDealing(e.params(), d); err != nil {
		return CodeCeremony.Errorf("dealing of trustee %d: %v", l, err)
	}
	ctx.Store.Set(dealingKey(e.ID, l), raw)
	e.Dealt[l-1] = true
	put(ctx, e)
	ctx.Emit("election.dealt", "election", e.ID, "trustee", strconv.Itoa(l))
	return nil
}

func (m *Elections) check(ctx *module.Context, b CheckBody) error {
	e, err := inCeremony(ctx, b.Election)
	if err != nil {
		return err
	}
	l, err := m.trustee(ctx, e)
	if err != nil {
		return err
	}
	if !all(e.Dealt) {
		return wrongPhase(e, ctx.Unix(), "checks wait until every trustee has dealt")
	}
	if e.Checked[l-1] {
		return codes.AlreadyExists.Errorf("trustee %d has posted its check already", l)
	}
	if e.JointKey != "" {
		return wrongPhase(e, ctx.Unix(), "the ceremony was concluded at its deadline without this trustee's check")
	}
	for i, d := range b.Complaints {
		if d < 1 || d > len(e.Trustees) || d == l || (i > 0 && d <= b.Complaints[i-1]) {
			return codes.InvalidArgument.Errorf("complaints must name other trustees, ascending")
		}
		e.Complaints = append(e.Complaints, Complaint{Accuser: l, Dealer: d})
	}
	e.Checked[l-1] = true
	m.maybeJointKey(ctx, e)
	put(ctx, e)
	ctx.Emit("election.checked", "election", e.ID, "trustee", strconv.Itoa(l), "complaints", strconv.Itoa(len(b.Complaints)))
	return nil
}

func (m *Elections) answer(ctx *module.Context, b AnswerBody) error {
	e, err := inCeremony(ctx, b.Election)
	if err != nil {
		return err
	}
	l, err := m.trustee(ctx, e)
	if err != nil {
		return err
	}
	open := false
	for _, c := range e.Complaints {
		open = open || (c.Dealer == l && c.Accuser == b.Accuser)
	}
	for _, a := range e.Answers {
		if a.Dealer == l && a.Accuser == b.Accuser {
			return codes.AlreadyExists.Errorf("trustee %d answered trustee %d already", l, b.Accuser)
		}
	}
	if !open {
		return codes.NotFound.Errorf("no complaint by trustee %d against trustee %d", b.Accuser, l)
	}
	if e.JointKey != "" {
		return wrongPhase(e, ctx.Unix(), fmt.Sprintf("the ceremony was concluded at its deadline (%d) and trustee %d, leaving the complaint unanswered, is disqualified", e.CeremonyEnd, l))
	}
	raw, err := decodeHex(b.Share, "share", group.ScalarSize)
	if err != nil {
		return err
	}
	if _, err := group.DecodeScalar(raw); err != nil {
		return codes.InvalidArgument.Errorf("share: %v", err)
	}
	e.Answers = append(e.Answers, Answer{Dealer: l, Accuser: b.Accuser, Share: b.Share})
	m.maybeJointKey(ctx, e)
	put(ctx, e)
	ctx.Emit("election.answered", "election", e.ID, "trustee", strconv.Itoa(l), "accuser", strconv.Itoa(b.Accuser))
	return nil
}

// schedule is the election's windows as its record states them.
func (e *Election) schedule() record.Schedule {
	return record.Schedule{IssueStart: e.IssueStart, IssueEnd: e.IssueEnd, VoteStart: e.VoteStart, VoteEnd: e.VoteEnd, AllowOverlap: e.AllowOverlap}
}

// ceremonyRecord fills the ceremony part of a record from state.
func (e *Election) ceremonyRecord(kv store.Reader) *record.Record {
	p := e.params()
	r := &record.Record{Manifest: e.manifest(), N: p.N, K: p.K}
	for l := 1; l <= p.N; l++ {
		k, _ := hex.DecodeString(e.HPKEKeys[l-1])
		r.HPKEKeys = append(r.HPKEKeys, k)
		r.Dealings = append(r.Dealings, e.dealing(kv, l))
	}
	for _, c := range e.Complaints {
		r.Complaints = append(r.Complaints, ceremony.Complaint{Accuser: c.Accuser, Dealer: c.Dealer})
	}
	for _, a := range e.Answers {
		raw, _ := hex.DecodeString(a.Share)
		s, _ := group.DecodeScalar(raw)
		r.Answers = append(r.Answers, &ceremony.Answer{Dealer: a.Dealer, Accuser: a.Accuser, Share: s})
	}
	r.Qualified = e.Qualified
	if e.JointKey != "" {
		r.JointKey = mustElement(e.JointKey)
		for _, X := range e.PublicShares {
			r.PublicShares = append(r.PublicShares, mustElement(X))
		}
	}
	return r
}

func mustElement(h string) *ristretto255.Element {
	raw, _ := hex.DecodeString(h)
	el, err := group.DecodeElement(raw)
	if err != nil {
		panic(fmt.Sprintf("election: stored element %q is corrupt", h))
	}
	return el
}

// maybeJointKey computes QUAL, the joint key and the public shares once
// every trustee has posted its check and every complaint has an answer.
func (m *Elections) maybeJointKey(ctx *module.Context, e *Election) {
	if !all(e.Checked) || len(e.Answers) < len(e.Complaints) {
		return
	}
	m.jointKey(ctx, e)
}

// jointKey computes QUAL from the dealings, complaints and answers in
// state (a complaint without an answer disqualifies its dealer), then the
// joint key and the public shares, or cancels the election when fewer than
// k dealers qualify.
func (m *Elections) jointKey(ctx *module.Context, e *Election) {
	r := e.ceremonyRecord(ctx.Store)
	p := e.params()
	qual, _ := ceremony.Qualified(p, r.Dealings, r.Complaints, r.Answers)
	if len(qual) < p.K {
		e.Status, e.Reason = PhaseCancelled, ReasonCeremonyFailed
		ctx.Emit("election.cancelled", "election", e.ID, "reason", ReasonNames[ReasonCeremonyFailed])
		return
	}
	e.Qualified = qual
	r.Qualified = qual
	r.JointKey = ceremony.JointKey(r.Dealings, qual)
	e.JointKey = hex.EncodeToString(r.JointKey.Encode(nil))
	e.PublicShares = nil
	for l := 1; l <= p.N; l++ {
		X := ceremony.PublicShare(r.Dealings, qual, l)
		r.PublicShares = append(r.PublicShares, X)
		e.PublicShares = append(e.PublicShares, hex.EncodeToString(X.Encode(nil)))
	}
	e.CeremonyHash = hex.EncodeToString(r.CeremonyHash())
	if e.CeremonyEnd != 0 {
		e.AcksDue = max(e.CeremonyEnd, ctx.Unix()+(e.CeremonyEnd-e.CreatedAt))
	}
	ctx.Emit("election.joint_key", "election", e.ID, "joint_key", e.JointKey, "ceremony_hash", e.CeremonyHash)
}

func (m *Elections) ack(ctx *module.Context, b AckBody) error {
	e, err := inCeremony(ctx, b.Election)
	if err != nil {
		return err
	}
	l, err := m.trustee(ctx, e)
	if err != nil {
		return err
	}
	if e.CeremonyHash == "" {
		return wrongPhase(e, ctx.Unix(), "acknowledgements wait for the joint key")
	}
	if e.Acks[l-1] != "" {
		return codes.AlreadyExists.Errorf("trustee %d acknowledged already", l)
	}
	raw, err := decodeHex(b.Proof, "proof", group.SchnorrSize)
	if err != nil {
		return err
	}
	rd := group.NewReader(raw)
	pf := group.ReadSchnorr(rd, "proof")
	if rd.Finish() != nil {
		return CodeCeremony.Errorf("acknowledgement of trustee %d is not a canonical proof", l)
	}
	ch, _ := hex.DecodeString(e.CeremonyHash)
	if !ceremony.VerifyAcknowledgement(e.params(), ch, l, mustElement(e.PublicShares[l-1]), pf) {
		return CodeCeremony.Errorf("acknowledgement of trustee %d does not verify against its public share and the ceremony hash", l)
	}
	e.Acks[l-1] = b.Proof
	m.maybeReady(ctx, e)
	put(ctx, e)
	ctx.Emit("election.acknowledged", "election", e.ID, "trustee", strconv.Itoa(l))
	return nil
}

func (m *Elections) issuerKey(ctx *module.Context, b IssuerKeyBody) error {
	e, err := inCeremony(ctx, b.Election)
	if err != nil {
		return err
	}
	i, err := m.issuer(ctx, e)
	if err != nil {
		return err
	}
	if e.IssuerKeys[i] != "" {
		return codes.AlreadyExists.Errorf("issuer %d posted its key already", i)
	}
	der, err := hex.DecodeString(b.Key)
	if err != nil || hex.EncodeToString(der) != b.Key {
		return codes.InvalidArgument.Errorf("key must be lowercase hex of a PKIX DER RSA key")
	}
	if _, err := credential.DecodeKey(der); err != nil {
		return codes.InvalidArgument.Errorf("issuer key: %v", err)
	}
	e.IssuerKeys[i] = b.Key
	m.maybeReady(ctx, e)
	put(ctx, e)
	ctx.Emit("election.issuer_key", "election", e.ID, "issuer", strconv.Itoa(i))
	return nil
}

func (m *Elections) maybeReady(ctx *module.Context, e *Election) {
	if allSet(e.Acks) && allSet(e.IssuerKeys) && e.JointKey != "" {
		e.Status = PhaseReady
		ctx.Emit("election.ready", "election", e.ID)
	}
}

func (e *Election) issuerKeys() []*rsa.PublicKey {
	var out []*rsa.PublicKey
	for _, k := range e.IssuerKeys {
		der, _ := hex.DecodeString(k)
		pk, err := credential.DecodeKey(der)
		if err != nil {
			panic(fmt.Sprintf("election: stored issuer key of %s is corrupt", e.ID))
		}
		out = append(out, pk)
	}
	return out
}

// Context returns the public context ballots of a ready election are
// checked against (cached: it never changes once the ceremony is over).
func (m *Elections) Context(e *Election) (*ballot.Election, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.contexts[e.ID]; ok {
		return c, nil
	}
	c, err := ballot.NewElection(e.manifest(), mustElement(e.JointKey), e.issuerKeys())
	if err != nil {
		return nil, err
	}
	if m.contexts == nil {
		m.contexts, m.byEID = map[string]*ballot.Election{}, map[[32]byte]*ballot.Election{}
	}
	m.contexts[e.ID] = c
	m.byEID[c.Manifest.ElectionID] = c
	return c, nil
}

// eligible reports whether member id was in the eligibility snapshot: active,
// of the election's class, at a chapter of its subtree, in the registry as
// committed at EligibleAt.
func (e *Election) eligible(ctx *module.Context, id string) bool {
	registry, err := ctx.Committed(e.EligibleAt)
	if err != nil {
		return false
	}
	mem, ok := members.Get(registry, id)
	return ok && mem.Status == members.Active && (e.Class == "" || mem.Class == e.Class) &&
		org.Covers(registry, e.Chapter, mem.Chapter)
}

func classPhrase(c members.Class) string {
	if c == "" {
		return ""
	}
	return " of class " + string(c)
}

func (m *Elections) request(ctx *module.Context, b RequestBody) error {
	e, err := load(ctx.Store, b.Election)
	if err != nil {
		return err
	}
	now := ctx.Unix()
	if e.Status != PhaseReady || now < e.IssueStart || now >= e.IssueEnd {
		return wrongPhase(e, now, fmt.Sprintf("credential requests are taken from %d until %d once the ceremony is over", e.IssueStart, e.IssueEnd))
	}
	id := ctx.Caller.MemberID
	if id == "" {
		return CodeNotEligible.Errorf("signer is no member")
	}
	if !ctx.Caller.Active {
		return CodeNotEligible.Errorf("member %s is not active now", id)
	}
	if !e.eligible(ctx, id) {
		return CodeNotEligible.Errorf("member %s is not eligible for election %s: not an active member%s under chapter %s in the registry at block %d, before the election was created",
			id, e.ID, classPhrase(e.Class), e.Chapter, e.EligibleAt)
	}
	if ctx.Store.Get(requestByMember(e.ID, id)) != nil {
		return CodeAlreadyRequested.Errorf("member %s has requested credentials for election %s already", id, e.ID)
	}
	keys := e.issuerKeys()
	if len(b.Blinded) != len(keys) || len(b.Signatures) != len(keys) {
		return CodeRequestInvalid.Errorf("need one blinded message and one signature per issuer (%d)", len(keys))
	}
	var eid [32]byte
	hex.Decode(eid[:], []byte(e.ElectionID))
	for i, pk := range keys {
		bl, err1 := decodeHex(b.Blinded[i], "blinded", credential.Size(pk))
		sg, err2 := decodeHex(b.Signatures[i], "signature", ed25519.SignatureSize)
		if err1 != nil || err2 != nil {
			return CodeRequestInvalid.Errorf("request for issuer %d: blinded must be %d bytes and signature 64, lowercase hex", i, credential.Size(pk))
		}
		req := &credential.Request{ElectionID: eid, Issuer: uint32(i), Member: ctx.Caller.Key, Blinded: bl, Signature: sg}
		if err := req.Check(pk); err != nil {
			return CodeRequestInvalid.Errorf("request for issuer %d: %v", i, err)
		}
	}
	t, _ := GetTally(ctx.Store, e.ID)
	seq := t.Requests
	t.Requests++
	module.Put(ctx.Store, string(RequestKey(e.ID, seq)), CredentialRequest{Seq: seq, Member: id,
		Key: hex.EncodeToString(ctx.Caller.Key), Blinded: b.Blinded, Signatures: b.Signatures})
	ctx.Store.Set(requestByMember(e.ID, id), []byte(strconv.FormatUint(seq, 10)))
	putTally(ctx, e.ID, t)
	ctx.Emit("election.credential_requested", "election", e.ID, "request", strconv.FormatUint(seq, 10))
	return nil
}

// GetRequest reads request seq.
func GetRequest(kv store.Reader, id string, seq uint64) (*CredentialRequest, bool) {
	r, ok := module.Get[CredentialRequest](kv, string(RequestKey(id, seq)))
	if !ok {
		return nil, false
	}
	return &r, true
}

// RequestOf returns the sequence number of a member's request.
func RequestOf(kv store.Reader, id, member string) (uint64, bool) {
	v := kv.Get(requestByMember(id, member))
	if v == nil {
		return 0, false
	}
	n, _ := strconv.ParseUint(string(v), 10, 64)
	return n, true
}

func (m *Elections) issue(ctx *module.Context, b IssueBody) error {
	e, err := load(ctx.Store, b.Election)
	if err != nil {
		return err
	}
	now := ctx.Unix()
	// Answers close with issuance, not with voting: an issuer who held one
	// member's answer back until voting opened would make that member's
	// ballot the first new one-time key after the answer.
	if e.Status != PhaseReady || now >= e.IssueEnd {
		return wrongPhase(e, now, fmt.Sprintf("blind signatures are issued between the ceremony and the end of issuance at %d", e.IssueEnd))
	}
	i, err := m.issuer(ctx, e)
	if err != nil {
		return err
	}
	if len(b.Entries) == 0 || len(b.Entries) > MaxIssueBatch {
		return codes.InvalidArgument.Errorf("1 to %d entries per issue transaction", MaxIssueBatch)
	}
	pk := e.issuerKeys()[i]
	size := credential.Size(pk)
	eBig := big.NewInt(int64(pk.E))
	for _, en := range b.Entries {
		req, ok := GetRequest(ctx.Store, e.ID, en.Request)
		if !ok {
			return codes.NotFound.Errorf("election %s has no credential request %d", e.ID, en.Request)
		}
		key := BlindSigKey(e.ID, en.Request, i)
		if ctx.Store.Get(key) != nil {
			return codes.AlreadyExists.Errorf("issuer %d answered request %d already", i, en.Request)
		}
		sig, err := decodeHex(en.Signature, "signature", size)
		if err != nil {
			return err
		}
		// A blind RSA signature s answers blinded message c iff s^e = c mod N.
		s := new(big.Int).SetBytes(sig)
		c, _ := hex.DecodeString(req.Blinded[i])
		if s.Cmp(pk.N) >= 0 || !bytes.Equal(new(big.Int).Exp(s, eBig, pk.N).FillBytes(make([]byte, size)), c) {
			return CodeBlindSignature.Errorf("issuer %d's blind signature does not answer request %d", i, en.Request)
		}
		ctx.Store.Set(key, sig)
	}
	ctx.Emit("election.credentials_issued", "election", e.ID, "issuer", strconv.Itoa(i), "count", strconv.Itoa(len(b.Entries)))
	return nil
}

// decodeBallotBody is tx.DecodeBody for a BallotBody, without
// reflection: the only canonical JSON of a BallotBody whose ballot is
// base64 is {"ballot":"…"} with the base64 as is (json.Marshal escapes
// none of A-Z a-z 0-9 + / =), so accepting exactly that form accepts
// exactly what DecodeBody accepts, and anything else goes to DecodeBody for
// its error message.
func decodeBallotBody(body []byte) (BallotBody, error) {
	const pre, suf = `{"ballot":"`, `"}`
	if len(body) >= len(pre)+len(suf) && string(body[:len(pre)]) == pre && string(body[len(body)-len(suf):]) == suf {
		mid := body[len(pre) : len(body)-len(suf)]
		ok := true
		for _, c := range mid {
			if !base64Char[c] {
				ok = false
				break
			}
		}
		if ok {
			return BallotBody{Ballot: string(mid)}, nil
		}
	}
	var bb BallotBody
	if err := tx.DecodeBody(body, &bb); err != nil {
		return bb, err
	}
	return bb, nil
}

var base64Char = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") {
		t[c] = true
	}
	return t
}()

// BallotBytes decodes a ballot body's base64, accepting only the
// canonical form: the standard decoder would also skip line breaks and
// (unless strict) ignore the padding bits, each a second encoding of one
// ballot.
func BallotBytes(s string) ([]byte, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || strings.ContainsAny(s, "\r\n") {
		return nil, CodeBallotMalformed.Errorf("ballot is not canonical base64")
	}
	return raw, nil
}

// electionOf finds the election a ballot names (bytes 1..33).
func electionOf(kv store.Reader, raw []byte) (*Election, error) {
	if len(raw) < 33 || raw[0] != ballot.Version {
		return nil, CodeBallotMalformed.Errorf("ballot is %d bytes without a version-%d header", len(raw), ballot.Version)
	}
	var eid [32]byte
	copy(eid[:], raw[1:33])
	id, ok := ByElectionID(kv, eid)
	if !ok {
		return nil, codes.NotFound.Errorf("no election has ID %x", eid[:8])
	}
	return load(kv, id)
}

// readOnly loads an election for a handler that does not modify it,
// reusing the decoded record while its stored bytes are unchanged.
func (m *Elections) readOnly(kv store.Reader, raw []byte) (*Election, error) {
	if len(raw) < 33 || raw[0] != ballot.Version {
		return electionOf(kv, raw)
	}
	var eid [32]byte
	copy(eid[:], raw[1:33])
	id, ok := ByElectionID(kv, eid)
	if !ok {
		return electionOf(kv, raw)
	}
	stored := kv.Get(ElectionKey(id))
	m.mu.Lock()
	c, hit := m.elCache[id]
	m.mu.Unlock()
	if hit && bytes.Equal(c.raw, stored) {
		return c.e, nil
	}
	e, err := load(kv, id)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.elCache == nil {
		m.elCache = map[string]cachedElection{}
	}
	m.elCache[id] = cachedElection{raw: bytes.Clone(stored), e: e}
	m.mu.Unlock()
	return e, nil
}

type cachedElection struct {
	raw []byte
	e   *Election
}

type cachedAggregate struct {
	hex string
	agg [][]ballot.Ciphertext
}

// runningAggregate is the aggregate as of the last ballot executed: the
// block's in-memory one, or the stored one at the block's first ballot.
func (m *Elections) runningAggregate(id string, man *ballot.Manifest, stored string) ([][]ballot.Ciphertext, error) {
	if m.blockAgg == nil {
		m.blockAgg = map[string][][]ballot.Ciphertext{}
	}
	if agg, ok := m.blockAgg[id]; ok {
		return agg, nil
	}
	return m.aggregate(id, man, stored)
}

// aggregate decodes a stored aggregate, reusing the last one this node
// computed when the stored hex is the same (the next ballot of a block
// starts from what the previous one wrote).
func (m *Elections) aggregate(id string, man *ballot.Manifest, h string) ([][]ballot.Ciphertext, error) {
	m.mu.Lock()
	c, hit := m.aggCache[id]
	m.mu.Unlock()
	if hit && c.hex == h {
		out := make([][]ballot.Ciphertext, len(c.agg))
		for i := range c.agg {
			out[i] = append([]ballot.Ciphertext(nil), c.agg[i]...)
		}
		return out, nil
	}
	return decodeAggregate(man, h)
}

func (m *Elections) rememberAggregate(id, h string, agg [][]ballot.Ciphertext) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.aggCache == nil {
		m.aggCache = map[string]cachedAggregate{}
	}
	m.aggCache[id] = cachedAggregate{hex: h, agg: agg}
}

func ballotError(err error) error {
	switch {
	case err == nil:
		return nil
	case errorsIs(err, ballot.ErrCredentialForged), errorsIs(err, ballot.ErrCredentialReused):
		return CodeCredential.Errorf("%v", err)
	case errorsIs(err, ballot.ErrSignature):
		return CodeBallotSignature.Errorf("%v", err)
	case errorsIs(err, ballot.ErrRangeProof), errorsIs(err, ballot.ErrSelectionLimit):
		return CodeBallotProof.Errorf("%v", err)
	default:
		return CodeBallotMalformed.Errorf("%v", err)
	}
}

func (m *Elections) knownBad(h [32]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bad[h]
}

func (m *Elections) wasChecked(h [32]byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.checked[h]
	return ok
}

// trackingCode is ballot.Ballot.TrackingCode computed from the bytes.
func trackingCode(raw []byte) []byte {
	h := sha256.New()
	h.Write([]byte("pnyx/election/tracking/v1"))
	h.Write(raw)
	return h.Sum(nil)
}

// cheap decodes raw and checks its credentials and one-time signature,
// unless this node did so before.
func (m *Elections) cheap(c *ballot.Election, raw []byte, h [32]byte, keep bool) (*ballot.Ballot, error) {
	m.mu.Lock()
	b, cached := m.decoded[h]
	if cached && !keep {
		delete(m.decoded, h)
	}
	m.mu.Unlock()
	if cached {
		return b, nil // decoded and checked before
	}
	b, err := ballot.Decode(c, raw)
	if err != nil {
		return nil, ballotError(err)
	}
	m.mu.Lock()
	_, done := m.checked[h]
	m.mu.Unlock()
	if !done {
		if err := ballot.Check(c, b); err != nil {
			return nil, ballotError(err)
		}
	}
	m.mu.Lock()
	if m.checked == nil || len(m.checked) >= maxChecked {
		m.checked = map[[32]byte]struct{}{}
	}
	m.checked[h] = struct{}{}
	if keep {
		// Keep the decoded ballot for the block that will carry it, so
		// its points are not decoded again (bounded: decoded ballots are
		// large; when full, start over).
		if m.decoded == nil || len(m.decoded) >= maxDecoded {
			m.decoded = map[[32]byte]*ballot.Ballot{}
		}
		m.decoded[h] = b
	}
	m.mu.Unlock()
	return b, nil
}

func (m *Elections) ballot(ctx *module.Context, body []byte) error {
	bb, err := decodeBallotBody(body)
	if err != nil {
		return err
	}
	raw, err := BallotBytes(bb.Ballot)
	if err != nil {
		return err
	}
	e, err := m.readOnly(ctx.Store, raw)
	if err != nil {
		return err
	}
	now := ctx.Unix()
	if e.Phase(now) != PhaseVoting {
		return wrongPhase(e, now, fmt.Sprintf("ballots are cast from %d until %d", e.VoteStart, e.VoteEnd))
	}
	c, err := m.Context(e)
	if err != nil {
		return codes.Internal.Errorf("election context: %v", err)
	}
	h := sha256.Sum256(raw)
	if ctx.Checking {
		if err := m.knownBad(contentKey(raw)); err != nil {
			// A block already refused this ballot's proofs: keep it out of
			// the mempool instead of letting it take block space again.
			return err
		}
	}
	if ctx.Checking && m.wasChecked(h) && len(raw) == c.Size() {
		// Preverify checked credentials and signature (and decoded it):
		// CheckTx needs only the duplicate check, and writes nothing.
		if ctx.Store.Get(TrackingKey(e.ID, hex.EncodeToString(trackingCode(raw)))) != nil {
			return CodeDuplicateBallot.Errorf("this ballot was cast or spoiled already")
		}
		// The one-time key is the 32 bytes after the version and election ID.
		otkHex := hex.EncodeToString(raw[33:65])
		return e.checkRevotes(ctx.Store, otkHex, ctx.Store.Get(otkKey(e.ID, otkHex)))
	}
	var b *ballot.Ballot
	if v := m.verdictFor(h); v != nil {
		if v.err != nil {
			return v.err
		}
		b = v.b
	} else {
		if b, err = m.cheap(c, raw, h, ctx.Checking); err != nil {
			return err
		}
		if !ctx.Checking {
			// Not seen by BeginBlock (a caller that skips it): verify
			// the proofs here, with the same deterministic weights.
			if f := ballot.VerifyProofs(c, []*ballot.Ballot{b}, weights(ctx.Height, [][32]byte{h})()); f != nil {
				return ballotError(f[0].Err)
			}
		}
	}
	tc := b.TrackingCode()
	code := hex.EncodeToString(tc[:])
	if ctx.Store.Get(TrackingKey(e.ID, code)) != nil {
		return CodeDuplicateBallot.Errorf("ballot %s was cast or spoiled already", b.TrackingString())
	}
	otk := b.OneTimeKeyBytes()
	otkHex := hex.EncodeToString(otk[:])
	prev := ctx.Store.Get(otkKey(e.ID, otkHex))
	if err := e.checkRevotes(ctx.Store, otkHex, prev); err != nil {
		return err
	}
	if ctx.Checking {
		return nil // nothing below can refuse the ballot; CheckTx writes nothing
	}
	t, _ := GetTally(ctx.Store, e.ID)
	agg, err := m.runningAggregate(e.ID, c.Manifest, t.Aggregate)
	if err != nil {
		return codes.Internal.Errorf("stored aggregate: %v", err)
	}
	replaces := int64(-1)
	if prev != nil {
		seq, _ := strconv.ParseUint(string(prev), 10, 64)
		old, ok := GetBallot(ctx.Store, e.ID, seq)
		if !ok {
			return codes.Internal.Errorf("ballot %d is missing", seq)
		}
		osel, err := base64.StdEncoding.DecodeString(old.Selections)
		if err != nil {
			return codes.Internal.Errorf("stored ballot %d: %v", seq, err)
		}
		prior, err := decodeCiphertexts(c.Manifest, osel)
		if err != nil {
			return codes.Internal.Errorf("stored ballot %d: %v", seq, err)
		}
		agg = addCiphertexts(agg, prior, true)
		replaces = int64(seq)
	} else {
		t.Counted++
	}
	agg = addCiphertexts(agg, selectionsOf(b), false)
	seq := t.Cast
	t.Cast++
	// The aggregate is encoded and stored once, at the end of the block
	// (EndBlock): ballots and decryption shares never share a block (block
	// time puts a block either in the voting window or after it), and
	// nothing else reads the aggregate.
	m.blockAgg[e.ID] = agg
	module.Put(ctx.Store, string(BallotKey(e.ID, seq)), CastBallot{Seq: seq, Height: ctx.Height, Tracking: code, Replaces: replaces,
		OneTimeKey: otkHex, Selections: base64.StdEncoding.EncodeToString(b.SelectionBytes())})
	ctx.Store.Set(otkKey(e.ID, otkHex), []byte(strconv.FormatUint(seq, 10)))
	ctx.Store.Set(TrackingKey(e.ID, code), []byte("b/"+padN(seq)))
	putTally(ctx, e.ID, t)
	ctx.Emit("election.ballot", "election", e.ID, "tracking", code, "replaces", strconv.FormatInt(replaces, 10))
	return nil
}

// maxRevotes is the election's cap on re-votes per one-time key.
func (e *Election) maxRevotes() int {
	if e.MaxRevotes == 0 {
		return DefaultMaxRevotes
	}
	return e.MaxRevotes
}

// checkRevotes refuses a ballot under a one-time key that has used up its
// re-votes; last is the key's entry in the one-time-key index (the seq of
// its last ballot, nil if none). It counts by following the chain of
// replaced ballots (at most maxRevotes+1 reads, only for keys that voted
// before), so the cap needs no state of its own and elections created
// before it keep their state layout.
func (e *Election) checkRevotes(kv store.Reader, otkHex string, last []byte) error {
	if last == nil {
		return nil
	}
	limit := e.maxRevotes()
	seq, _ := strconv.ParseUint(string(last), 10, 64)
	ballots := 1
	for ballots <= limit {
		b, ok := GetBallot(kv, e.ID, seq)
		if !ok || b.Replaces < 0 {
			return nil
		}
		ballots++
		seq = uint64(b.Replaces)
	}
	return CodeRevoteLimit.Errorf("one-time key %s… has cast a ballot and %d re-votes, the most election %s allows", otkHex[:16], limit, e.ID)
}

// contentKey names a ballot by everything but its one-time signature, so
// a verdict on its proofs holds for every re-signing of the same ballot.
func contentKey(raw []byte) [32]byte {
	if len(raw) < group.SchnorrSize {
		return sha256.Sum256(raw)
	}
	return sha256.Sum256(raw[:len(raw)-group.SchnorrSize])
}

// GetBallot reads cast ballot seq.
func GetBallot(kv store.Reader, id string, seq uint64) (*CastBallot, bool) {
	b, ok := module.Get[CastBallot](kv, string(BallotKey(id, seq)))
	if !ok {
		return nil, false
	}
	return &b, true
}

func (m *Elections) spoil(ctx *module.Context, sb SpoilBody) error {
	raw, err := BallotBytes(sb.Ballot)
	if err != nil {
		return err
	}
	rvRaw, err := base64.StdEncoding.DecodeString(sb.Reveal)
	if err != nil || base64.StdEncoding.EncodeToString(rvRaw) != sb.Reveal {
		return CodeBallotMalformed.Errorf("reveal is not canonical base64")
	}
	e, err := electionOf(ctx.Store, raw)
	if err != nil {
		return err
	}
	now := ctx.Unix()
	if e.Phase(now) != PhaseVoting {
		return wrongPhase(e, now, fmt.Sprintf("spoiled ballots are published from %d until %d", e.VoteStart, e.VoteEnd))
	}
	c, err := m.Context(e)
	if err != nil {
		return codes.Internal.Errorf("election context: %v", err)
	}
	h := sha256.Sum256(raw)
	b, err := m.cheap(c, raw, h, false)
	if err != nil {
		return err
	}
	rd := group.NewReader(rvRaw)
	rv := ballot.ReadReveal(rd, c.Manifest)
	if err := rd.Finish(); err != nil {
		return CodeBallotMalformed.Errorf("reveal: %v", err)
	}
	if err := ballot.VerifySpoiled(c, b, rv); err != nil {
		return CodeBallotProof.Errorf("%v", err)
	}
	tc := b.TrackingCode()
	code := hex.EncodeToString(tc[:])
	if ctx.Store.Get(TrackingKey(e.ID, code)) != nil {
		return CodeDuplicateBallot.Errorf("ballot %s was cast or spoiled already", b.TrackingString())
	}
	t, _ := GetTally(ctx.Store, e.ID)
	seq := t.Spoiled
	t.Spoiled++
	module.Put(ctx.Store, string(SpoiledKey(e.ID, seq)), SpoiledBallot{Seq: seq, Tracking: code, Ballot: sb.Ballot, Reveal: sb.Reveal})
	ctx.Store.Set(TrackingKey(e.ID, code), []byte("s/"+padN(seq)))
	putTally(ctx, e.ID, t)
	ctx.Emit("election.spoiled", "election", e.ID, "tracking", code)
	return nil
}

func zeroAggregate(man *ballot.Manifest) [][]ballot.Ciphertext {
	out := make([][]ballot.Ciphertext, len(man.Contests))
	for i, c := range man.Contests {
		for range c.Options {
			out[i] = append(out[i], ballot.ZeroCiphertext())
		}
	}
	return out
}

// encodeAggregate lays out one ciphertext per option, contests in order:
// alpha ‖ beta each. A cast ballot's selections (Ballot.SelectionBytes)
// have the same layout, so decodeCiphertexts reads both.
func encodeAggregate(agg [][]ballot.Ciphertext) []byte {
	w := &group.Writer{}
	for _, c := range agg {
		for _, ct := range c {
			w.Element(ct.Alpha)
			w.Element(ct.Beta)
		}
	}
	return w.Buf
}

func decodeAggregate(man *ballot.Manifest, h string) ([][]ballot.Ciphertext, error) {
	raw, err := hex.DecodeString(h)
	if err != nil {
		return nil, err
	}
	return decodeCiphertexts(man, raw)
}

// decodeCiphertexts reads encodeAggregate's layout for man.
func decodeCiphertexts(man *ballot.Manifest, raw []byte) ([][]ballot.Ciphertext, error) {
	rd := group.NewReader(raw)
	out := make([][]ballot.Ciphertext, len(man.Contests))
	for i, c := range man.Contests {
		for range c.Options {
			out[i] = append(out[i], ballot.Ciphertext{Alpha: rd.Element("alpha"), Beta: rd.Element("beta")})
		}
	}
	return out, rd.Finish()
}

// selectionsOf returns a ballot's ciphertexts in the aggregate's layout.
func selectionsOf(b *ballot.Ballot) [][]ballot.Ciphertext {
	out := make([][]ballot.Ciphertext, len(b.Contests))
	for i, cb := range b.Contests {
		out[i] = cb.Selections
	}
	return out
}

// addCiphertexts adds (or subtracts) sel to agg option by option.
func addCiphertexts(agg, sel [][]ballot.Ciphertext, subtract bool) [][]ballot.Ciphertext {
	for i, cs := range sel {
		for j, ct := range cs {
			if subtract {
				agg[i][j] = agg[i][j].Sub(ct)
			} else {
				agg[i][j] = agg[i][j].Add(ct)
			}
		}
	}
	return agg
}

// EncodeShare is a decryption share's layout in the record (without the
// trustee index): for each ciphertext D ‖ a ‖ b ‖ v.
func EncodeShare(s *ceremony.DecryptionShare) []byte {
	w := &group.Writer{}
	for t := range s.D {
		w.Element(s.D[t])
		s.Proofs[t].Encode(w)
	}
	return w.Buf
}

// DecodeShare parses trustee l's share over n ciphertexts.
func DecodeShare(l, n int, raw []byte) (*ceremony.DecryptionShare, error) {
	rd := group.NewReader(raw)
	s := &ceremony.DecryptionShare{Trustee: l}
	for range n {
		s.D = append(s.D, rd.Element("D"))
		s.Proofs = append(s.Proofs, group.ReadDLEQ(rd, "proof"))
	}
	return s, rd.Finish()
}

func (m *Elections) decrypt(ctx *module.Context, b DecryptBody) error {
	e, err := load(ctx.Store, b.Election)
	if err != nil {
		return err
	}
	now := ctx.Unix()
	if e.Phase(now) != PhaseTallying {
		return wrongPhase(e, now, fmt.Sprintf("decryption shares are taken after voting ends at %d until the result is published", e.VoteEnd))
	}
	l, err := m.trustee(ctx, e)
	if err != nil {
		return err
	}
	if ctx.Store.Get(DecryptionKey(e.ID, l)) != nil {
		return codes.AlreadyExists.Errorf("trustee %d posted its decryption share already", l)
	}
	man := e.manifest()
	t, _ := GetTally(ctx.Store, e.ID)
	agg, err := decodeAggregate(man, t.Aggregate)
	if err != nil {
		return codes.Internal.Errorf("stored aggregate: %v", err)
	}
	var alphas, betas []*ristretto255.Element
	for _, c := range agg {
		for _, ct := range c {
			alphas, betas = append(alphas, ct.Alpha), append(betas, ct.Beta)
		}
	}
	raw, err := hex.DecodeString(b.Share)
	if err != nil || hex.EncodeToString(raw) != b.Share {
		return codes.InvalidArgument.Errorf("share must be lowercase hex")
	}
	s, err := DecodeShare(l, len(alphas), raw)
	if err != nil {
		return CodeShareInvalid.Errorf("share of trustee %d: %v", l, err)
	}
	if err := ceremony.VerifyShare(e.params(), mustElement(e.PublicShares[l-1]), alphas, s); err != nil {
		return CodeShareInvalid.Errorf("share of trustee %d: %v", l, err)
	}
	ctx.Store.Set(DecryptionKey(e.ID, l), raw)
	t.Shares = append(t.Shares, l)
	sort.Ints(t.Shares)
	ctx.Emit("election.decryption_share", "election", e.ID, "trustee", strconv.Itoa(l))
	if len(t.Shares) >= e.Threshold {
		var shares []*ceremony.DecryptionShare
		for _, j := range t.Shares {
			sj, err := DecodeShare(j, len(alphas), ctx.Store.Get(DecryptionKey(e.ID, j)))
			if err != nil {
				return codes.Internal.Errorf("stored share %d: %v", j, err)
			}
			shares = append(shares, sj)
		}
		Ms, _, err := ceremony.Combine(e.params(), betas, shares)
		if err != nil {
			return codes.Internal.Errorf("combine: %v", err)
		}
		// Every count is at most counted ballots × the option limit, so
		// the baby-step table holds about √(that) points.
		var maxLimit uint64 = 1
		for _, c := range man.Contests {
			maxLimit = max(maxLimit, uint64(c.OptionLimit))
		}
		table := group.NewDlogTable(max(t.Counted*maxLimit, 1))
		t.Results = make([][]uint64, len(man.Contests))
		k := 0
		for i, c := range man.Contests {
			t.Results[i] = make([]uint64, len(c.Options))
			for j := range c.Options {
				v, err := table.Log(Ms[k])
				if err != nil {
					return codes.Internal.Errorf("contest %d option %d: %v", i, j, err)
				}
				t.Results[i][j] = v
				k++
			}
		}
		e.Status, e.PublishedAt = PhasePublished, now
		put(ctx, e)
		ctx.Emit("election.published", "election", e.ID, "counted", strconv.FormatUint(t.Counted, 10))
	}
	putTally(ctx, e.ID, t)
	return nil
}
