package election

// The key ceremony: trustees post HPKE keys, deal, check, complain and
// answer; the chain computes the qualified set, the joint key and the public
// shares, and collects acknowledgements. conclude ends a ceremony stalled
// past its deadline.

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/election/record"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
)

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
	case e.JointKey == "" && (slices.Contains(e.HPKEKeys, "") || slices.Contains(e.Dealt, false)):
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
// ceremonyTrustee is the preamble of a trustee's ceremony step: the
// election, in its ceremony, and the caller's trustee index in it.
func (m *Elections) ceremonyTrustee(ctx *module.Context, id string) (*Election, int, error) {
	e, err := inCeremony(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	l, err := m.trustee(ctx, e)
	if err != nil {
		return nil, 0, err
	}
	return e, l, nil
}

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
	e, l, err := m.ceremonyTrustee(ctx, b.Election)
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

func (e *Election) dealing(kv store.Reader, l int) *ceremony.Dealing {
	raw := kv.Get(dealingKey(e.ID, l))
	if raw == nil {
		return nil
	}
	d, err := ceremony.DecodeDealing(e.params(), l, raw)
	if err != nil {
		panic(fmt.Sprintf("election: stored dealing %d of %s is corrupt: %v", l, e.ID, err))
	}
	return d
}

func (m *Elections) deal(ctx *module.Context, b DealBody) error {
	e, l, err := m.ceremonyTrustee(ctx, b.Election)
	if err != nil {
		return err
	}
	if slices.Contains(e.HPKEKeys, "") {
		return wrongPhase(e, ctx.Unix(), "dealings wait until every trustee has posted its key")
	}
	if e.Dealt[l-1] {
		return codes.AlreadyExists.Errorf("trustee %d has dealt already", l)
	}
	raw, err := hex.DecodeString(b.Dealing)
	if err != nil {
		return codes.InvalidArgument.Errorf("dealing is not hex")
	}
	d, err := ceremony.DecodeDealing(e.params(), l, raw)
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
	e, l, err := m.ceremonyTrustee(ctx, b.Election)
	if err != nil {
		return err
	}
	if slices.Contains(e.Dealt, false) {
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
	e, l, err := m.ceremonyTrustee(ctx, b.Election)
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

// maybeJointKey computes QUAL, the joint key and the public shares once
// every trustee has posted its check and every complaint has an answer.
func (m *Elections) maybeJointKey(ctx *module.Context, e *Election) {
	if slices.Contains(e.Checked, false) || len(e.Answers) < len(e.Complaints) {
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
	e, l, err := m.ceremonyTrustee(ctx, b.Election)
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

func (m *Elections) maybeReady(ctx *module.Context, e *Election) {
	if !slices.Contains(e.Acks, "") && !slices.Contains(e.IssuerKeys, "") && e.JointKey != "" {
		e.Status = PhaseReady
		ctx.Emit("election.ready", "election", e.ID)
	}
}
