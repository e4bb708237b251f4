package election

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"sync"

	"github.com/gtank/ristretto255"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/group"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/org"
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
	// decoded and decodedOld keep ballots Preverify or CheckTx decoded,
	// for BeginBlock (see keepDecoded).
	decoded, decodedOld map[[32]byte]*ballot.Ballot
	// totals counts BeginBlock's work, for metrics and benchmarks.
	totals BlockStats
	// ahead queues preverified ballots whose proofs are verified before
	// their block, off the block's path (see verifyAhead); aheadRunning
	// is set while a goroutine works through it. proofsOK remembers, by
	// SHA-256 of the ballot, ballots whose proofs verified.
	ahead        []aheadItem
	aheadRunning bool
	proofsOK     map[[32]byte]struct{}
	// deadlines caches what Clock reads from state (every deadline of
	// every live election), valid until a block carries a tx other than a
	// ballot; nil means read it again.
	deadlines []int64
}

type verdict struct {
	b   *ballot.Ballot
	err error
}

const (
	maxChecked = 500_000
	maxDecoded = 4096
	// maxAhead bounds the ballots waiting for verification ahead of
	// their block; beyond it the block verifies them, as without it.
	maxAhead = maxDecoded
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
		Clock:      m.Clock,
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

// PinnedVersions lists the state versions live elections are still proven
// against: the registry snapshot (EligibleAt) of every election not yet
// published or cancelled, against which the record of version 5 proves
// each requester's membership (the API's /record?registry=1). No block
// reads them: a credential request reads the member's standing then from
// the record's own history. A node that prunes state (store.SetRetention)
// keeps them so that it can still serve those proofs.
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

// v3 reports whether e exports record version 3 or 4, and so keeps the
// height and time of every request, answer and ballot in state.
func (e *Election) v3() bool { return e.RecordVersion >= 3 }

// takesSpoil reports whether e accepts election/spoil, the on-chain Benaloh
// challenge. Its reveal is under the voter's own one-time key and
// credentials, and voters challenge their real choice, so publishing it
// shows how that key was likely to vote (issue 11, finding 6); the
// reference clients check a challenge on the voter's device instead
// (ballot.NewOpening, pnyx verify opening). Elections created with record
// version 4 or later refuse it (CodeSpoilRefused). Versions 2 and 3 keep
// accepting it: elections of those versions were created, and spoiled in,
// before the refusal, and their recorded blocks must replay alike.
func (e *Election) takesSpoil() bool { return e.RecordVersion < 4 }

// when returns the block's height and time for a version-3 election's
// state entries, and zeros (omitted, as before version 3) otherwise.
func (e *Election) when(ctx *module.Context) (height, time int64) {
	if !e.v3() {
		return 0, 0
	}
	return ctx.Height, ctx.Unix()
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

func mustElement(h string) *ristretto255.Element {
	raw, _ := hex.DecodeString(h)
	el, err := group.DecodeElement(raw)
	if err != nil {
		panic(fmt.Sprintf("election: stored element %q is corrupt", h))
	}
	return el
}
