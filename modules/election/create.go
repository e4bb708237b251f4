package election

// Creating and cancelling an election: the commissioner fixes the manifest,
// the schedule, the trustees, the issuers and the eligibility snapshot.

import (
	"encoding/hex"
	"strconv"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

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
	if b.RecordVersion != 0 && (b.RecordVersion < 2 || b.RecordVersion > 4) {
		return codes.InvalidArgument.Errorf("record_version must be 2, 3 or 4 (0 for 2), got %d", b.RecordVersion)
	}
	if b.CeremonyEnd != 0 && (b.CeremonyEnd <= ctx.Unix() || b.CeremonyEnd >= b.IssueEnd) {
		return codes.InvalidArgument.Errorf("ceremony_end must be after now (%d) and before issue_end (%d), or 0 for none; got %d", ctx.Unix(), b.IssueEnd, b.CeremonyEnd)
	}
	if b.RequestEnd != 0 && (b.RequestEnd <= b.IssueStart || b.RequestEnd > b.IssueEnd) {
		return codes.InvalidArgument.Errorf("request_end must be after issue_start (%d) and no later than issue_end (%d), or 0 for issue_end; got %d", b.IssueStart, b.IssueEnd, b.RequestEnd)
	}
	sched := record.Schedule{IssueStart: b.IssueStart, IssueEnd: b.IssueEnd, VoteStart: b.VoteStart, VoteEnd: b.VoteEnd, AllowOverlap: b.AllowOverlap}
	if err := sched.Check(); err != nil || b.VoteEnd <= ctx.Unix() {
		return codes.InvalidArgument.Errorf("%v, and voting must end in the future", record.ErrSchedule)
	}
	// The eligibility snapshot is the member registry as committed before
	// this block: provable against the next header, and kept in every
	// member's record as its history (credential requests read it there),
	// so nothing is copied. Its size comes from the per-chapter active
	// counts as they stood before this block, one read per chapter of the
	// subtree whatever the number of members. Chapters created in this
	// block count none: their counts began in it.
	registryAt := ctx.Height - 1
	if registryAt < 1 {
		return codes.WrongState.Errorf("elections are created from block 2 on, over a committed member registry")
	}
	var eligible uint64
	for _, ch := range org.Subtree(ctx.Store, b.Chapter) {
		eligible += members.ActiveCountBefore(ctx.Store, ch.ID, b.Class, ctx.Height)
	}
	if eligible == 0 {
		return CodeNotEligible.Errorf("no active member%s is registered under chapter %s as of block %d", classPhrase(b.Class), b.Chapter, registryAt)
	}
	n := len(b.Trustees)
	e := &Election{ID: b.ID, ElectionID: hex.EncodeToString(man.ElectionID[:]), Chapter: b.Chapter, Class: b.Class,
		Commissioner: ctx.Caller.MemberID, Manifest: hex.EncodeToString(man.Encode()), Trustees: b.Trustees,
		Threshold: b.Threshold, Issuers: b.Issuers, IssueStart: b.IssueStart, IssueEnd: b.IssueEnd,
		VoteStart: b.VoteStart, VoteEnd: b.VoteEnd, AllowOverlap: b.AllowOverlap, MaxRevotes: b.MaxRevotes, CeremonyEnd: b.CeremonyEnd, RecordVersion: b.RecordVersion, RequestEnd: b.RequestEnd, Status: PhaseCeremony,
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
