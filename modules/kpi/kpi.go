package kpi

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/pnyx-party/pnyx/codes"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/module"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// Minter mints reward points; the token module implements it. Points come
// into being only by a protocol rule, here a reward band at final.
type Minter interface {
	MintReward(ctx *module.Context, member string, amount uint64, rule string) error
}

// KPI is the module.
type KPI struct {
	Org   *org.Org
	Token Minter
}

// Spec describes the module to the chain. It has no block hooks: nothing
// happens per member at a period's boundaries.
func (k *KPI) Spec() module.Spec {
	return module.Spec{Name: "kpi", Personal: []string{PersonalPrefix}, Routes: []module.Route{
		module.Handle(TypePropose, k.propose),
		module.Handle(TypeAdopt, k.adopt),
		module.Handle(TypeAttest, k.attest),
		module.Handle(TypeConfirm, k.confirm),
		module.Handle(TypeRetract, k.retract),
		module.Handle(TypeClose, k.close),
		module.Handle(TypeFinalize, k.finalize),
		module.Handle(TypeAppeal, k.appeal),
		module.Handle(TypeDecideAppeal, k.decideAppeal),
		module.Handle(TypeClaim, k.claim),
		module.Handle(TypeMintRewards, k.mintRewards),
		module.Handle(TypeErratum, k.erratum),
	}}
}

// Store keys. Everything about a member lives under "kpi/m/", a personal
// prefix the API serves only on a signed read; chapter data under "kpi/ch/".
func proposalKey(id string) string      { return "kpi/prop/" + id }
func versionKey(n int) string           { return fmt.Sprintf("kpi/ver/%06d", n) }
func periodKey(p string) string         { return "kpi/p/" + p }
func rankingKey(p, sc string) string    { return "kpi/rank/" + p + "/" + sc }
func batchKey(id string) string         { return "kpi/b/" + id }
func appealKey(id string) string        { return "kpi/a/" + id }
func usedKey(mtg string, no int) string { return fmt.Sprintf("kpi/used/%s/%04d", mtg, no) }
func claimKey(p, member string) string  { return "kpi/m/claim/" + p + "/" + member }
func histKey(p, sc, ch string, b int) string {
	return fmt.Sprintf("kpi/m/hist/%s/%s/%s/%02d", p, sc, ch, b)
}

// A cohort mark is keyed by the member's join height before the ID, so a
// block's registrations append their marks at the end of the marks rather
// than each at a random place of the tree (issue 17: with KPI rules in
// force every registration writes one); the member record gives the height
// back when the member leaves.
func cohortMarkKey(joinedHeight int64, member string) string {
	return fmt.Sprintf("kpi/m/cohm/%016x/%s", joinedHeight, member)
}
func cohortJoinKey(ch string, mi int) string {
	return fmt.Sprintf("kpi/coh/%s/%06d/j", ch, mi)
}
func cohortDropKey(ch string, mi, k int) string {
	return fmt.Sprintf("kpi/coh/%s/%06d/x/%02d", ch, mi, k)
}

func subjPrefix(kind string) string {
	if kind == SubjectMember {
		return "kpi/m/"
	}
	return "kpi/ch/"
}

// Exported keys, for proofs and readers.
func VersionKey(n int) []byte          { return []byte(versionKey(n)) }
func ProposalKey(id string) []byte     { return []byte(proposalKey(id)) }
func PeriodKey(p string) []byte        { return []byte(periodKey(p)) }
func RankingKey(p, sc string) []byte   { return []byte(rankingKey(p, sc)) }
func BatchKey(id string) []byte        { return []byte(batchKey(id)) }
func AppealKey(id string) []byte       { return []byte(appealKey(id)) }
func ClaimKey(p, member string) []byte { return []byte(claimKey(p, member)) }

// PersonalPrefix is the key prefix of everything about a member.
const PersonalPrefix = "kpi/m/"

func getInt(kv store.Reader, key string) int64 {
	v := kv.Get([]byte(key))
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func addInt(kv store.KV, key string, d int64) int64 {
	n := getInt(kv, key) + d
	if n == 0 {
		kv.Delete([]byte(key))
		return 0
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	kv.Set([]byte(key), b[:])
	return n
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)

func checkID(id, what string) error {
	if !idPattern.MatchString(id) {
		return codes.InvalidArgument.Errorf("%s %q must be 1-48 of [a-z0-9-]", what, id)
	}
	return nil
}

func checkHash(h, what string) error {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size || hex.EncodeToString(b) != h {
		return codes.InvalidArgument.Errorf("%s must be 64 lowercase hex digits (a SHA-256)", what)
	}
	return nil
}

// Hash is the rule set's content hash: hex SHA-256 of "pnyx/kpi-ruleset/v1\x00"
// and its JSON.
func Hash(rs RuleSet) string {
	j, _ := json.Marshal(rs)
	h := sha256.Sum256(append([]byte("pnyx/kpi-ruleset/v1\x00"), j...))
	return hex.EncodeToString(h[:])
}

// Versions lists every adopted version in order.
func Versions(kv store.Reader) []Version {
	var out []Version
	for i := 1; i <= versionCount(kv); i++ {
		if v, ok := GetVersion(kv, i); ok {
			out = append(out, v)
		}
	}
	return out
}

// versionCount is how many versions were adopted. Counting and finding
// versions goes by Get, never by Iterate: a store's iterator walks every
// write of the block so far, and facts are looked up thousands of times per
// block.
func versionCount(kv store.Reader) int { return int(getInt(kv, versionCountKey)) }

const versionCountKey = "kpi/vcount"

func versionStartKey(n int) string { return fmt.Sprintf("kpi/vstart/%06d", n) }

// GetVersion reads one adopted version. Versions never change once written,
// so decoded ones are kept by their bytes: the same bytes decode the same on
// every node, and a version read from a discarded CheckTx state is simply
// another entry.
func GetVersion(kv store.Reader, n int) (Version, bool) {
	raw := kv.Get([]byte(versionKey(n)))
	if raw == nil {
		return Version{}, false
	}
	versionCache.Lock()
	defer versionCache.Unlock()
	if v, ok := versionCache.m[string(raw)]; ok {
		return v, true
	}
	var v Version
	if json.Unmarshal(raw, &v) != nil {
		return Version{}, false
	}
	if len(versionCache.m) >= 64 {
		versionCache.m = map[string]Version{}
	}
	versionCache.m[string(raw)] = v
	return v, true
}

var versionCache = struct {
	sync.Mutex
	m map[string]Version
}{m: map[string]Version{}}

// InForce is the version in force at Unix time t: the latest adopted one
// whose first period starts at or before t. Versions take effect in the
// order adopted, so it is the last one that started.
func InForce(kv store.Reader, t int64) (Version, bool) {
	for n := versionCount(kv); n >= 1; n-- {
		if getInt(kv, versionStartKey(n)) <= t {
			return GetVersion(kv, n)
		}
	}
	return Version{}, false
}

// ForPeriod resolves a period ID to its span and the version that governs
// it (the one in force when it opened).
func ForPeriod(kv store.Reader, id string) (Span, Version, error) {
	s, err := ParsePeriod(id)
	if err != nil {
		return s, Version{}, err
	}
	v, ok := InForce(kv, s.Start)
	if !ok {
		return s, v, CodeNoRules.Errorf("no KPI rule set is in force for period %s", id)
	}
	if v.RuleSet.Period != s.Kind {
		return s, v, CodeNoRules.Errorf("period %s is a %s; rule set version %d counts by %s", id, s.Kind, v.Version, v.RuleSet.Period)
	}
	return s, v, nil
}

// GetPeriod reads a period's stored record (zero before close).
func GetPeriod(kv store.Reader, id string) PeriodRecord {
	r, _ := module.Get[PeriodRecord](kv, periodKey(id))
	return r
}

// GetRanking reads a stored ranking.
func GetRanking(kv store.Reader, p, sc string) (Ranking, bool) {
	return module.Get[Ranking](kv, rankingKey(p, sc))
}

// GetProposal, GetBatch, GetAppeal, GetClaim, GetFact read records.
func GetProposal(kv store.Reader, id string) (Proposal, bool) {
	return module.Get[Proposal](kv, proposalKey(id))
}

// GetBatch reads a batch; its fact references carry the IDs the batch
// gave its facts (<batch>.<n>, in order), which are not stored again.
func GetBatch(kv store.Reader, id string) (Batch, bool) {
	b, ok := module.Get[Batch](kv, batchKey(id))
	for i := range b.Facts {
		b.Facts[i].ID = b.ID + "." + strconv.Itoa(i+1)
	}
	return b, ok
}

func putBatch(kv store.KV, b Batch) { module.Put(kv, batchKey(b.ID), b) }
func GetAppeal(kv store.Reader, id string) (Appeal, bool) {
	return module.Get[Appeal](kv, appealKey(id))
}
func GetClaim(kv store.Reader, p, member string) (Claim, bool) {
	return module.Get[Claim](kv, claimKey(p, member))
}
func erratumKey(kind, subj, p, id string) string {
	return subjPrefix(kind) + "err/" + p + "/" + subj + "/" + id
}
func erratumIDKey(id string) string { return "kpi/errid/" + id }

// Errata lists the errata of a subject's final period, in ID order.
func Errata(kv store.Reader, kind, subj, p string) []Erratum {
	out := []Erratum{}
	kv.Iterate([]byte(subjPrefix(kind)+"err/"+p+"/"+subj+"/"), func(_, v []byte) bool {
		var e Erratum
		if json.Unmarshal(v, &e) == nil {
			out = append(out, e)
		}
		return true
	})
	return out
}

// Scorecard finds a scorecard of a rule set by ID.
func (rs RuleSet) Scorecard(id string) (Scorecard, bool) { return rs.scorecard(id) }

// scorecard finds a scorecard of a rule set.
func (rs RuleSet) scorecard(id string) (Scorecard, bool) {
	for _, sc := range rs.Scorecards {
		if sc.ID == id {
			return sc, true
		}
	}
	return Scorecard{}, false
}

func (sc Scorecard) rule(id string) (Rule, bool) {
	for _, r := range sc.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func oneOf(v, field string, allowed []string) error {
	if contains(allowed, v) {
		return nil
	}
	return codes.InvalidArgument.Errorf("%s %q is not one of %s", field, v, strings.Join(allowed, ", "))
}

// subjectOf checks that a fact's subject exists and is of the fact type's
// kind, and returns the chapter an attestor must cover: the member's
// chapter, or the parent for a chapter and for a member heading their
// chapter.
func subjectOf(kv store.Reader, kind, subj string) (string, error) {
	cover, _, err := subjectHome(kv, kind, subj)
	return cover, err
}

// subjectHome is subjectOf that also returns the chapter the subject
// belongs to (a member's chapter; a chapter itself), read on the way.
func subjectHome(kv store.Reader, kind, subj string) (cover, home string, err error) {
	if kind == SubjectMember {
		m, ok := members.Get(kv, subj)
		if !ok {
			return "", "", codes.NotFound.Errorf("member %q does not exist", subj)
		}
		if kv.Get(org.GrantKey(m.ID, org.Admin, m.Chapter)) != nil {
			return parentOf(kv, m.Chapter), m.Chapter, nil
		}
		return m.Chapter, m.Chapter, nil
	}
	if _, ok := org.GetChapter(kv, subj); !ok {
		return "", "", codes.NotFound.Errorf("chapter %q does not exist", subj)
	}
	return parentOf(kv, subj), subj, nil
}

func parentOf(kv store.Reader, ch string) string {
	c, _ := org.GetChapter(kv, ch)
	if c.Parent == "" {
		return ch
	}
	return c.Parent
}
