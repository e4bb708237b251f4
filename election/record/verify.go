package record

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"runtime"
	"sort"
	"strings"

	ics23 "github.com/cosmos/ics23/go"
	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/internal/parallel"
)

// Check names, in the order Verify runs them (docs/election-record.md).
const (
	CheckFormat            = "record.format"
	CheckManifest          = "manifest"
	CheckSchedule          = "election.schedule"
	CheckDealings          = "ceremony.dealings"
	CheckQualified         = "ceremony.qualified"
	CheckJointKey          = "ceremony.joint_key"
	CheckPublicShares      = "ceremony.public_shares"
	CheckAcknowledgements  = "ceremony.acknowledgements"
	CheckIssuerKeys        = "issuers.keys"
	CheckIssuanceLog       = "issuers.log"
	CheckEligibility       = "issuers.eligibility"
	CheckBallotEncoding    = "ballots.encoding"
	CheckCredentials       = "ballots.credentials"
	CheckSignatures        = "ballots.signatures"
	CheckProofs            = "ballots.proofs"
	CheckUniqueCredentials = "ballots.unique_credentials"
	CheckIssuanceBound     = "ballots.issuance_bound"
	CheckSpoiled           = "spoiled.ballots"
	CheckAggregate         = "tally.aggregate"
	CheckCounts            = "tally.counts"
	CheckDecryption        = "decryption.shares"
	CheckResults           = "tally.results"

	// Version 3 only.
	CheckTimeline = "election.timeline"
	CheckAnswered = "issuers.answered"

	// Version 4 only.
	CheckBlind = "issuers.blind_signatures"

	// Version 5 only.
	CheckRegistry = "issuers.registry"
)

// CheckResult is the outcome of one check.
type CheckResult struct {
	Name   string
	OK     bool
	Detail string // what was checked, or the first failures
}

// Report lists every check in order.
type Report struct {
	Checks []CheckResult
	// Results and counts as verified (valid only if OK).
	Ballots, Counted int
}

// OK reports whether every check passed.
func (r *Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

// Failed returns the names of the failed checks.
func (r *Report) Failed() []string {
	var out []string
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c.Name)
		}
	}
	return out
}

// Options tune Verify. The zero value uses all cores and crypto/rand.
type Options struct {
	Workers  int                                 // 0 = GOMAXPROCS
	Rand     func() io.Reader                    // batch-weight source per batch; nil = crypto/rand
	Progress func(stage string, done, total int) // may be called from several goroutines
	OnCheck  func(CheckResult)                   // called as each check completes
}

type verifier struct {
	rec  *Record
	opt  Options
	rep  *Report
	p    ceremony.Params
	elec *ballot.Election
	// voters is the number of distinct one-time keys among the ballots
	// whose credentials and signature verified.
	voters int
	// agg is the tally of the counted ballots (aggErr if it could not be
	// made); alsoCast marks the spoiled ballots also found cast;
	// answeredCounts is each issuer's number of answers (version 3).
	agg            [][]ballot.Ciphertext
	aggErr         error
	alsoCast       []bool
	answeredCounts []int
}

func (v *verifier) add(name string, ok bool, detail string, args ...any) {
	c := CheckResult{Name: name, OK: ok, Detail: fmt.Sprintf(detail, args...)}
	v.rep.Checks = append(v.rep.Checks, c)
	if v.opt.OnCheck != nil {
		v.opt.OnCheck(c)
	}
}

// VerifyBytes decodes and verifies a record; a decode failure is reported
// as the failed check it names.
func VerifyBytes(data []byte, opt Options) *Report {
	return VerifyReader(sliceAt(data), int64(len(data)), opt)
}

// VerifyReader verifies the record of size bytes in src (a file) as
// VerifyBytes does, reading its long lists a chunk at a time: its memory
// does not grow with the ballots but for about 200 bytes of hashes and
// indices per ballot, and 16 bytes per block of a version-3 timeline.
func VerifyReader(src io.ReaderAt, size int64, opt Options) *Report {
	rec, err := open(src, size)
	if err != nil {
		rep := &Report{}
		name := CheckFormat
		var ce *CheckError
		if errors.As(err, &ce) {
			name = ce.Check
		}
		c := CheckResult{Name: name, OK: false, Detail: err.Error()}
		rep.Checks = append(rep.Checks, c)
		if opt.OnCheck != nil {
			opt.OnCheck(c)
		}
		return rep
	}
	return Verify(rec, opt)
}

// Verify runs every check of the spec on a record from Decode or Open
// (whose lists have the lengths the header declares).
func Verify(rec *Record, opt Options) *Report {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Rand == nil {
		opt.Rand = func() io.Reader { return rand.Reader }
	}
	v := &verifier{rec: rec, opt: opt, rep: &Report{}, p: rec.Params()}
	version := max(rec.Version, 2)
	v.add(CheckFormat, true, "version %d, %d ballots, %d spoiled, %d trustees, %d issuers",
		version, rec.CastLen(), len(rec.Spoiled), rec.N, len(rec.IssuerKeys))
	v.add(CheckManifest, rec.Manifest.Validate() == nil, "%d contests, hash %x", len(rec.Manifest.Contests), rec.Manifest.Hash())
	v.schedule()
	if rec.V3() {
		v.timeline()
	}
	v.ceremony()
	v.issuers()
	if rec.V5() {
		v.registry()
	}
	v.ballots()
	if rec.V3() {
		v.answered()
	}
	if rec.V4() {
		v.blindSignatures()
	}
	v.spoiled()
	v.tally()
	return v.rep
}

func (v *verifier) ceremony() {
	rec, p := v.rec, v.p
	var bad []string
	for _, d := range rec.Dealings {
		if err := ceremony.VerifyDealing(p, d); err != nil {
			bad = append(bad, err.Error())
		}
	}
	qual, disq := ceremony.Qualified(p, rec.Dealings, rec.Complaints, rec.Answers)
	// A dealing that fails is legitimate history if its dealer was
	// disqualified as declared; otherwise the record was altered.
	v.add(CheckDealings, len(bad) == 0 || sameInts(qual, rec.Qualified),
		"%d dealings; %s", len(rec.Dealings), orNone(bad))
	var reasons []string
	for i := 1; i <= p.N; i++ {
		if disq[i] != nil {
			reasons = append(reasons, fmt.Sprintf("dealer %d disqualified: %v", i, disq[i]))
		}
	}
	v.add(CheckQualified, sameInts(qual, rec.Qualified) && len(qual) >= p.K,
		"declared %v, recomputed %v (k=%d); %s", rec.Qualified, qual, p.K, orNone(reasons))
	K := ceremony.JointKey(rec.Dealings, qual)
	v.add(CheckJointKey, K.Equal(rec.JointKey) == 1, "K = Π A_i0 over QUAL")
	var badX []int
	for l := 1; l <= p.N; l++ {
		if ceremony.PublicShare(rec.Dealings, qual, l).Equal(rec.PublicShares[l-1]) != 1 {
			badX = append(badX, l)
		}
	}
	v.add(CheckPublicShares, len(badX) == 0, "%d public shares; mismatching: %v", p.N, badX)
	h := rec.CeremonyHash()
	var badAck []int
	for l := 1; l <= p.N; l++ {
		if !ceremony.VerifyAcknowledgement(p, h, l, rec.PublicShares[l-1], rec.Acks[l-1]) {
			badAck = append(badAck, l)
		}
	}
	v.add(CheckAcknowledgements, len(badAck) == 0, "ceremony hash %x; failing trustees: %v", h, badAck)
}

// schedule checks the windows' order and says, in the report, whether
// issuance closed before voting opened.
func (v *verifier) schedule() {
	s := v.rec.Schedule
	what := "issuance closed before voting opened"
	if s.Overlaps() {
		what = "ISSUANCE STAYED OPEN DURING VOTING (allow_overlap)"
	} else if s.AllowOverlap {
		what = "issuance closed before voting opened, though allow_overlap was set"
	}
	err := s.Check()
	if err != nil {
		what = err.Error()
	}
	v.add(CheckSchedule, err == nil, "%s; %s", s, what)
}

// chunk is how many list items the verifier holds at a time: a multiple of
// ballot.BatchSize, so that the batches of a chunk are the batches of the
// whole list and nothing depends on the number of cores.
var chunk = 32 * ballot.BatchSize

// failures keeps the first five of a check's failures and counts the rest.
type failures struct {
	list []string
	n    int
}

func (f *failures) add(format string, args ...any) {
	f.n++
	if len(f.list) < 5 {
		f.list = append(f.list, fmt.Sprintf(format, args...))
	}
}

func (f *failures) String() string {
	if f.n > len(f.list) {
		return orNone(append(f.list[:len(f.list):len(f.list)], "..."))
	}
	return orNone(f.list)
}

func (v *verifier) issuers() {
	rec := v.rec
	ok := len(rec.IssuerKeys) > 0
	for _, k := range rec.IssuerKeys {
		if credential.CheckKey(k) != nil {
			ok = false
		}
	}
	v.add(CheckIssuerKeys, ok, "%d issuers", len(rec.IssuerKeys))
	first, bad, total := "", 0, 0
	counts := make([]int, rec.numLogs())
	for i := range counts {
		n := rec.LogLen(i)
		counts[i], total = n, total+n
		pk := rec.IssuerKeys[i]
		seen := make(map[[32]byte]struct{}, min(n, chunk))
		var firstDup, firstBad string
		for lo := 0; lo < n; lo += chunk {
			hi := min(n, lo+chunk)
			log, err := rec.requestsAt(i, lo, hi)
			if err != nil {
				bad++
				firstBad = cmp.Or(firstBad, fmt.Sprintf("issuer %d requests from %d: %v", i, lo, err))
				break
			}
			errs := make([]error, len(log))
			parallel.Batches(len(log), 256, v.opt.Workers, func(a, b int) {
				for j := a; j < b; j++ {
					e := log[j]
					req := credential.Request{ElectionID: rec.Manifest.ElectionID, Issuer: uint32(i),
						Member: ed25519.PublicKey(e.Member), Blinded: e.Blinded, Signature: e.Signature}
					errs[j] = req.Check(pk)
				}
			}, func(done int) { v.progress("issuance log", lo+done, n) })
			for j, e := range log {
				k := sha256.Sum256(e.Member)
				if len(e.Member) == 32 {
					k = [32]byte(e.Member)
				}
				if _, dup := seen[k]; dup {
					bad++
					firstDup = cmp.Or(firstDup, fmt.Sprintf("issuer %d request %d: member twice", i, lo+j))
				}
				seen[k] = struct{}{}
				if errs[j] != nil {
					bad++
					firstBad = cmp.Or(firstBad, fmt.Sprintf("issuer %d request %d: %v", i, lo+j, errs[j]))
				}
			}
		}
		first = cmp.Or(first, firstDup, firstBad)
	}
	detail := fmt.Sprintf("%d requests (per issuer %v)", total, counts)
	if bad > 0 {
		detail += fmt.Sprintf("; %d bad, first: %v", bad, first)
	}
	v.add(CheckIssuanceLog, bad == 0, "%s", detail)

	// No issuer may have answered more members than the snapshot holds.
	most := 0
	for _, c := range counts {
		most = max(most, c)
	}
	el := rec.Eligibility
	class := el.Class
	if class == "" {
		class = "any"
	}
	v.add(CheckEligibility, el.Count > 0 && uint64(most) <= el.Count,
		"%d eligible members (active, class %s, chapter %s and below, registry at block %d), at most %d requests per issuer",
		el.Count, class, el.Chapter, el.RegistryHeight, most)
}

func (v *verifier) progress(stage string, done, total int) {
	if v.opt.Progress != nil {
		v.opt.Progress(stage, done, total)
	}
}

type ballotState struct {
	b                                 *ballot.Ballot
	tc                                [32]byte
	creds                             [][32]byte // H(issuer ‖ credential) per issuer
	read                              bool       // the bytes were read
	decErr, credErr, sigErr, proofErr error
}

// box applies ballot.Box's rules in cast order without holding the
// ballots: a ballot seen before is a replay, a credential serves one
// one-time key, and a later ballot under a one-time key replaces the
// earlier one. It keeps about 200 bytes per ballot (hashes and indices),
// not the ballots, and a running tally; replaced ballots are subtracted
// at the end (finish), read again from the record.
type box struct {
	seen     map[[32]byte]struct{} // tracking codes of accepted ballots
	voters   map[[32]byte]int32    // one-time key → voter number
	creds    map[[32]byte]int32    // H(issuer ‖ credential) → voter number
	last     []int                 // per voter, its last ballot's index
	replaced []int                 // indices of replaced ballots
	tally    [][]ballot.Ciphertext
	accepted int
}

func (x *box) add(i int, s *ballotState) error {
	if _, ok := x.seen[s.tc]; ok {
		return ballot.ErrDuplicate
	}
	otk := s.b.OneTimeKeyBytes()
	vid, known := x.voters[otk]
	for j, ck := range s.creds {
		if w, ok := x.creds[ck]; ok && (!known || w != vid) {
			return fmt.Errorf("%w: issuer %d", ballot.ErrCredentialReused, j)
		}
	}
	if !known {
		vid = int32(len(x.last))
		x.voters[otk] = vid
		x.last = append(x.last, -1)
	}
	for _, ck := range s.creds {
		x.creds[ck] = vid
	}
	x.seen[s.tc] = struct{}{}
	if prev := x.last[vid]; prev >= 0 {
		x.replaced = append(x.replaced, prev)
	}
	for c, cb := range s.b.Contests {
		for j, ct := range cb.Selections {
			x.tally[c][j] = x.tally[c][j].Add(ct)
		}
	}
	x.last[vid] = i
	x.accepted++
	return nil
}

// finish subtracts the replaced ballots from the tally, decoding them again
// on every core, and returns the tally of the counted ballots.
func (x *box) finish(v *verifier) ([][]ballot.Ciphertext, error) {
	e := v.elec
	n := len(x.replaced)
	parts := make([][][]ballot.Ciphertext, (n+ballot.BatchSize-1)/ballot.BatchSize)
	errs := make([]error, len(parts))
	parallel.Batches(n, ballot.BatchSize, v.opt.Workers, func(lo, hi int) {
		var bs []*ballot.Ballot
		for _, i := range x.replaced[lo:hi] {
			raw, err := v.rec.ballotsAt(i, i+1)
			var b *ballot.Ballot
			if err == nil {
				b, err = ballot.Decode(e, raw[0])
			}
			if err != nil {
				errs[lo/ballot.BatchSize] = err
				return
			}
			bs = append(bs, b)
		}
		parts[lo/ballot.BatchSize] = ballot.Aggregate(e, bs)
	}, func(done int) { v.progress("replaced ballots", done, n) })
	for k, p := range parts {
		if errs[k] != nil {
			return nil, errs[k]
		}
		for c := range p {
			for j := range p[c] {
				x.tally[c][j] = x.tally[c][j].Sub(p[c][j])
			}
		}
	}
	return x.tally, nil
}

// ballots reads the cast ballots a chunk at a time. Within a chunk the
// per-ballot checks run on every core, in fixed batches of
// ballot.BatchSize in record order (so the outcome does not depend on the
// number of cores); then the stateful rules run on the chunk in order.
func (v *verifier) ballots() {
	rec := v.rec
	e, err := ballot.NewElection(rec.Manifest, rec.JointKey, rec.IssuerKeys)
	if err != nil {
		for _, n := range []string{CheckBallotEncoding, CheckCredentials, CheckSignatures, CheckProofs,
			CheckUniqueCredentials, CheckIssuanceBound} {
			v.add(n, false, "no election context: %v", err)
		}
		return
	}
	v.elec = e
	n := rec.CastLen()
	spoiled := map[[32]byte][]int{}
	for i, s := range rec.Spoiled {
		tc := ballot.TrackingCodeOf(s.Ballot)
		spoiled[tc] = append(spoiled[tc], i)
	}
	v.alsoCast = make([]bool, len(rec.Spoiled))
	// The maps are sized for every ballot at once: growing them would hold
	// the old and the new table together, half as much again at the peak.
	// (A record's ballot count is bounded by its length.)
	size := min(n, 1<<24)
	x := &box{seen: make(map[[32]byte]struct{}, size), voters: make(map[[32]byte]int32, size),
		creds: make(map[[32]byte]int32, size*len(rec.IssuerKeys)), tally: ballot.Aggregate(e, nil)}
	var fDec, fCred, fSig, fProof, fReuse failures
	for lo := 0; lo < n; lo += chunk {
		st := make([]ballotState, min(n, lo+chunk)-lo)
		parallel.Batches(len(st), ballot.BatchSize, v.opt.Workers, func(a, b int) {
			raws, err := rec.ballotsAt(lo+a, lo+b)
			if err != nil {
				for k := a; k < b; k++ {
					st[k].decErr = err
				}
				return
			}
			var batch []*ballot.Ballot
			var idx []int
			for k := a; k < b; k++ {
				s, raw := &st[k], raws[k-a]
				s.read, s.tc = true, ballot.TrackingCodeOf(raw)
				s.b, s.decErr = ballot.Decode(e, raw)
				if s.decErr != nil {
					continue
				}
				s.credErr = ballot.CheckCredentials(e, s.b)
				batch = append(batch, s.b)
				idx = append(idx, k)
			}
			// Signatures ride in the proofs' multi-scalar multiplication.
			for _, f := range ballot.VerifyProofsAndSignatures(e, batch, v.opt.Rand()) {
				s := &st[idx[f.Index]]
				if errors.Is(f.Err, ballot.ErrSignature) {
					s.sigErr = ballot.ErrSignature
				}
				if errors.Is(f.Err, ballot.ErrRangeProof) || errors.Is(f.Err, ballot.ErrSelectionLimit) {
					s.proofErr = f.Err
				}
			}
			for _, k := range idx {
				s := &st[k]
				s.b.ForgetProofs()
				for j, c := range s.b.Credentials {
					h := sha256.New()
					h.Write([]byte{byte(j)})
					h.Write(c)
					s.creds = append(s.creds, [32]byte(h.Sum(nil)))
				}
			}
		}, func(done int) { v.progress("ballots", lo+done, n) })
		for k := range st {
			i, s := lo+k, &st[k]
			if s.decErr != nil {
				fDec.add("ballot %d: %v", i, s.decErr)
			}
			if s.credErr != nil {
				fCred.add("ballot %d: %v", i, s.credErr)
			}
			if s.sigErr != nil {
				fSig.add("ballot %d: %v", i, s.sigErr)
			}
			if s.proofErr != nil {
				fProof.add("ballot %d: %v", i, s.proofErr)
			}
			if s.read {
				for _, j := range spoiled[s.tc] {
					v.alsoCast[j] = true
				}
			}
			if s.b == nil || s.credErr != nil || s.sigErr != nil {
				continue
			}
			if err := x.add(i, s); err != nil {
				fReuse.add("ballot %d: %v", i, err)
			}
		}
	}
	for _, c := range []struct {
		name string
		f    *failures
	}{{CheckBallotEncoding, &fDec}, {CheckCredentials, &fCred}, {CheckSignatures, &fSig}, {CheckProofs, &fProof}} {
		v.add(c.name, c.f.n == 0, "%d ballots; %s", n, c.f)
	}
	voters := len(x.last)
	v.add(CheckUniqueCredentials, fReuse.n == 0, "%d one-time keys, no ballot twice; %s", voters, &fReuse)
	minLog := -1
	for i := range rec.numLogs() {
		if l := rec.LogLen(i); minLog < 0 || l < minLog {
			minLog = l
		}
	}
	v.add(CheckIssuanceBound, voters <= minLog, "%d one-time keys, at most %d credentials issued", voters, minLog)
	v.rep.Ballots = x.accepted
	v.rep.Counted = voters
	v.voters = voters
	v.agg, v.aggErr = x.finish(v)
}

// castTrackingCodes marks the spoiled ballots that were also cast when the
// ballots could not be checked (no election context).
func (v *verifier) castTrackingCodes() {
	rec := v.rec
	v.alsoCast = make([]bool, len(rec.Spoiled))
	for lo := 0; lo < rec.CastLen(); lo += chunk {
		raws, err := rec.ballotsAt(lo, min(rec.CastLen(), lo+chunk))
		if err != nil {
			return
		}
		for _, raw := range raws {
			tc := ballot.TrackingCodeOf(raw)
			for j, s := range rec.Spoiled {
				if ballot.TrackingCodeOf(s.Ballot) == tc {
					v.alsoCast[j] = true
				}
			}
		}
	}
}

func (v *verifier) spoiled() {
	rec, e := v.rec, v.elec
	if v.alsoCast == nil {
		v.castTrackingCodes()
	}
	var bad []string
	for i, s := range rec.Spoiled {
		if v.alsoCast[i] {
			bad = append(bad, fmt.Sprintf("spoiled %d was also cast", i))
		}
		if e == nil {
			bad = append(bad, "no election context")
			break
		}
		b, err := ballot.Decode(e, s.Ballot)
		if err == nil {
			err = ballot.Check(e, b)
		}
		if err == nil {
			err = ballot.VerifySpoiled(e, b, s.Reveal)
		}
		if err != nil {
			bad = append(bad, fmt.Sprintf("spoiled %d: %v", i, err))
		}
	}
	v.add(CheckSpoiled, len(bad) == 0, "%d spoiled ballots; %s", len(rec.Spoiled), orNone(bad))
}

func (v *verifier) tally() {
	rec, p := v.rec, v.p
	m := rec.Manifest
	switch {
	case v.elec == nil:
		v.add(CheckAggregate, false, "no election context")
	case v.aggErr != nil:
		v.add(CheckAggregate, false, "replaced ballots: %v", v.aggErr)
	default:
		agg := v.agg
		ok := true
		for i := range agg {
			for j := range agg[i] {
				if agg[i][j].Alpha.Equal(rec.Aggregate[i][j].Alpha) != 1 || agg[i][j].Beta.Equal(rec.Aggregate[i][j].Beta) != 1 {
					ok = false
				}
			}
		}
		v.add(CheckAggregate, ok, "product of %d counted ballots", v.voters)
	}
	cast := uint64(rec.CastLen())
	counted := uint64(v.rep.Counted)
	v.add(CheckCounts, rec.CastCount == cast && rec.Counted == counted && rec.Replaced == cast-counted,
		"declared cast %d replaced %d counted %d; recomputed %d %d %d; turnout %d of %d eligible",
		rec.CastCount, rec.Replaced, rec.Counted, cast, cast-counted, counted, counted, rec.Eligibility.Count)

	var alphas, betas []*ristretto255.Element
	for i := range rec.Aggregate {
		for _, ct := range rec.Aggregate[i] {
			alphas = append(alphas, ct.Alpha)
			betas = append(betas, ct.Beta)
		}
	}
	var bad []string
	seen := map[int]bool{}
	prev := 0
	for _, s := range rec.Decryptions {
		if s.Trustee < 1 || s.Trustee > p.N || s.Trustee <= prev || seen[s.Trustee] {
			bad = append(bad, fmt.Sprintf("trustee %d out of order or out of range", s.Trustee))
			continue
		}
		prev = s.Trustee
		seen[s.Trustee] = true
		if err := ceremony.VerifyShare(p, rec.PublicShares[s.Trustee-1], alphas, s); err != nil {
			bad = append(bad, err.Error())
		}
	}
	var trustees []int
	for t := range seen {
		trustees = append(trustees, t)
	}
	sort.Ints(trustees)
	v.add(CheckDecryption, len(bad) == 0 && len(rec.Decryptions) >= p.K,
		"shares from trustees %v (k=%d); %s", trustees, p.K, orNone(bad))

	Ms, set, err := ceremony.Combine(p, betas, rec.Decryptions)
	if err != nil {
		v.add(CheckResults, false, "%v", err)
		return
	}
	var wrong []string
	t := 0
	for i, c := range m.Contests {
		for j := range c.Options {
			if group.BaseMult(group.ScalarFromUint64(rec.Results[i][j])).Equal(Ms[t]) != 1 {
				wrong = append(wrong, fmt.Sprintf("contest %d option %d", i, j))
			}
			t++
		}
	}
	v.add(CheckResults, len(wrong) == 0, "combined trustees %v; %s", set, orNone(wrong))
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "no failures"
	}
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}

// timeline checks version 3's account of when things happened against the
// schedule: every request and answer in a block of the issuance window
// (an answer never before its request), every ballot, cast or spoiled, in
// a block of the voting window, cast ballots in block order. Without
// allow_overlap the windows do not meet, so no answer came once voting had
// opened: the timing of an answer cannot single out a ballot. It also
// counts each issuer's answers for answered.
func (v *verifier) timeline() {
	rec, s, tl := v.rec, v.rec.Schedule, v.rec.Timeline
	if tl == nil {
		v.add(CheckTimeline, false, "a version-3 record without a timeline")
		return
	}
	var bad []string
	fail := func(format string, args ...any) {
		if len(bad) < 5 {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	ascending := true
	for i, b := range tl.Blocks {
		if i > 0 && (b.Height <= tl.Blocks[i-1].Height || b.Time < tl.Blocks[i-1].Time) {
			fail("block %d (height %d) out of order", i, b.Height)
			ascending = ascending && b.Height > tl.Blocks[i-1].Height
		}
		if b.Height <= rec.Eligibility.RegistryHeight {
			fail("block %d (height %d) is not after the registry snapshot", i, b.Height)
		}
	}
	// The block table is searched, not indexed, when its heights ascend
	// (every honest record): it is the one table that grows with the
	// election and stays in memory.
	var at map[uint64]int64
	if !ascending {
		at = make(map[uint64]int64, len(tl.Blocks))
		for _, b := range tl.Blocks {
			at[b.Height] = b.Time
		}
	}
	timeOf := func(h uint64) (int64, bool) {
		if at != nil {
			t, ok := at[h]
			return t, ok
		}
		i := sort.Search(len(tl.Blocks), func(i int) bool { return tl.Blocks[i].Height >= h })
		if i < len(tl.Blocks) && tl.Blocks[i].Height == h {
			return tl.Blocks[i].Time, true
		}
		return 0, false
	}
	within := func(what func() string, h uint64, from, to int64) {
		t, ok := timeOf(h)
		switch {
		case !ok:
			fail("%s: height %d is not in the block table", what(), h)
		case t < from || t >= to:
			fail("%s: block %d at %d is outside [%d, %d)", what(), h, t, from, to)
		}
	}
	var lastAnswer uint64
	v.answeredCounts = make([]int, rec.numRequestTimes())
	for i := range v.answeredCounts {
		n := rec.requestTimesLen(i)
		for lo := 0; lo < n; lo += chunk {
			log, err := rec.requestTimesAt(i, lo, min(n, lo+chunk))
			if err != nil {
				fail("issuer %d request times from %d: %v", i, lo, err)
				break
			}
			for k, e := range log {
				j := lo + k
				what := func() string { return fmt.Sprintf("issuer %d request %d", i, j) }
				within(what, e.Requested, s.IssueStart, s.IssueEnd)
				if e.Answered != 0 {
					v.answeredCounts[i]++
					within(func() string { return what() + " answer" }, e.Answered, s.IssueStart, s.IssueEnd)
					if e.Answered < e.Requested {
						fail("%s: answered at height %d before it was requested at %d", what(), e.Answered, e.Requested)
					}
					lastAnswer = max(lastAnswer, e.Answered)
				}
			}
		}
	}
	var first, prev uint64
	n := rec.castHeightsLen()
	for lo := 0; lo < n; lo += chunk {
		hs, err := rec.castHeightsAt(lo, min(n, lo+chunk))
		if err != nil {
			fail("cast ballot heights from %d: %v", lo, err)
			break
		}
		for k, h := range hs {
			i := lo + k
			within(func() string { return fmt.Sprintf("cast ballot %d", i) }, h, s.VoteStart, s.VoteEnd)
			if i > 0 && h < prev {
				fail("cast ballot %d: height %d before the ballot listed before it", i, h)
			}
			if i == 0 {
				first = h
			}
			prev = h
		}
	}
	for i, h := range tl.Spoiled {
		within(func() string { return fmt.Sprintf("spoiled ballot %d", i) }, h, s.VoteStart, s.VoteEnd)
	}
	detail := fmt.Sprintf("%d blocks; every request and answer in the issuance window, every ballot in the voting window", len(tl.Blocks))
	if n > 0 && lastAnswer > 0 {
		detail += fmt.Sprintf("; last answer at height %d, first ballot at height %d", lastAnswer, first)
	}
	if len(bad) > 0 {
		detail = orNone(bad)
	}
	v.add(CheckTimeline, len(bad) == 0, "%s", detail)
}

// answered reports each issuer's answers (version 3): no more one-time keys
// voted than every issuer answered requests. An auditor compares these
// counts with turnout: all issuers colluding can still fill in for members
// who were answered and abstained, and the counts show how many could have.
func (v *verifier) answered() {
	if v.rec.Timeline == nil {
		v.add(CheckAnswered, false, "a version-3 record without a timeline")
		return
	}
	counts := v.answeredCounts
	least := -1
	for _, c := range counts {
		if least < 0 || c < least {
			least = c
		}
	}
	v.add(CheckAnswered, v.voters <= least, "answered per issuer %v; %d one-time keys voted, at most %d could (answered by every issuer); %d answered members did not vote",
		counts, v.voters, least, max(least-v.voters, 0))
}

// blindSignatures checks, in a version-4 record, that every answer the
// timeline counts is there and answers its request: s < N and s^e = the
// member-signed blinded message mod N. An issuer's answered count is then
// backed by its own signatures over requests that members signed.
func (v *verifier) blindSignatures() {
	rec := v.rec
	if rec.Timeline == nil || (rec.lazy == nil && len(rec.BlindSignatures) != len(rec.IssuerKeys)) {
		v.add(CheckBlind, false, "a version-4 record without its blind signatures")
		return
	}
	var bad []string
	checked := 0
	for i, pk := range rec.IssuerKeys {
		size := credential.Size(pk)
		e := big.NewInt(int64(pk.E))
		n, logLen, answered := rec.blindLen(i), rec.LogLen(i), 0
		for lo := 0; lo < n; lo += chunk {
			hi := min(n, lo+chunk)
			var times []RequestTimes
			var err error
			if rec.lazy != nil {
				times, err = rec.requestTimesAt(i, lo, hi)
			}
			var sigs [][]byte
			if err == nil {
				sigs, err = rec.blindAt(i, lo, hi, times, answered)
			}
			var log []IssuanceEntry
			if err == nil {
				log, err = rec.requestsAt(i, min(lo, logLen), min(hi, logLen))
			}
			if err != nil {
				bad = append(bad, fmt.Sprintf("issuer %d from request %d: %v", i, lo, err))
				break
			}
			wrong := make([]bool, len(sigs))
			parallel.Batches(len(sigs), 256, v.opt.Workers, func(a, b int) {
				for k := a; k < b; k++ {
					if sigs[k] == nil {
						continue
					}
					s := new(big.Int).SetBytes(sigs[k])
					wrong[k] = k >= len(log) || s.Cmp(pk.N) >= 0 ||
						!bytes.Equal(new(big.Int).Exp(s, e, pk.N).FillBytes(make([]byte, size)), log[k].Blinded)
				}
			}, nil)
			for k, sig := range sigs {
				if sig == nil {
					continue
				}
				answered++
				checked++
				if wrong[k] && len(bad) < 5 {
					bad = append(bad, fmt.Sprintf("issuer %d request %d", i, lo+k))
				}
			}
		}
	}
	if len(bad) > 0 {
		v.add(CheckBlind, false, "blind signatures that do not answer their request: %s", strings.Join(bad, ", "))
		return
	}
	v.add(CheckBlind, true, "%d blind signatures, each answering its member-signed request", checked)
}

// registry checks version 5's proofs of eligibility: every chapter record
// and every requester's member record is proven by its ICS-23 proof
// against the registry's app hash; each requester's record is the
// member's (mem/m/ID), active, of the election's class if it has one, at a
// chapter whose proven parents lead to the election's chapter (as the
// chain's org.Covers walks them: at most nine steps); no member requested
// twice; the key that signed each request is the key the member record
// held at the snapshot; and every issuer's log lists the same requesters
// in the same order. (A member who changed keys after the snapshot cannot
// be proven this way: the record then fails this check, see
// docs/election-record.md.)
func (v *verifier) registry() {
	rec := v.rec
	reg := rec.Registry
	if reg == nil || len(reg.AppHash) != 32 {
		v.add(CheckRegistry, false, "a version-5 record without its registry proofs")
		return
	}
	var bad failures
	parents := map[string]string{}
	for k, e := range reg.Chapters {
		var ch struct {
			ID     string `json:"id"`
			Parent string `json:"parent"`
		}
		switch {
		case !proven(reg.AppHash, e):
			bad.add("chapter entry %d (%q): proof does not lead to the app hash", k, e.Key)
		case json.Unmarshal(e.Value, &ch) != nil || ch.ID == "" || string(e.Key) != "org/ch/"+ch.ID:
			bad.add("chapter entry %d (%q): not a chapter record", k, e.Key)
		default:
			parents[ch.ID] = ch.Parent
		}
	}
	el := rec.Eligibility
	covers := func(chapter string) bool {
		steps := 0
		for id := chapter; id != ""; steps++ {
			parent, ok := parents[id]
			if !ok || steps > 8 {
				return false
			}
			if id == el.Chapter {
				return true
			}
			id = parent
		}
		return false
	}
	n := rec.LogLen(0)
	for i := 1; i < rec.numLogs(); i++ {
		if rec.LogLen(i) != n {
			bad.add("issuer %d logs %d requests, issuer 0 %d", i, rec.LogLen(i), n)
		}
	}
	ids := make(map[string]struct{}, min(n, chunk))
	it := rec.memberProofs()
	for lo := 0; lo < n && bad.n == 0; lo += chunk {
		hi := min(n, lo+chunk)
		log, err := rec.requestsAt(0, lo, hi)
		if err != nil {
			bad.add("requests from %d: %v", lo, err)
			break
		}
		for i := 1; i < rec.numLogs(); i++ {
			other, err := rec.requestsAt(i, lo, hi)
			if err != nil {
				bad.add("issuer %d requests from %d: %v", i, lo, err)
				break
			}
			for k := range other {
				if !bytes.Equal(other[k].Member, log[k].Member) {
					bad.add("issuer %d request %d: another requester than issuer 0's", i, lo+k)
				}
			}
		}
		es := make([]ProvenEntry, hi-lo)
		for k := range es {
			if es[k], err = it.next(); err != nil {
				bad.add("%v", err)
				break
			}
		}
		if err != nil {
			break
		}
		type member struct {
			ID        string `json:"id"`
			PublicKey string `json:"public_key"`
			Chapter   string `json:"chapter"`
			Class     string `json:"class"`
			Status    string `json:"status"`
		}
		ms := make([]member, len(es))
		errs := make([]string, len(es))
		parallel.Batches(len(es), 256, v.opt.Workers, func(a, b int) {
			for k := a; k < b; k++ {
				m, e := &ms[k], es[k]
				switch {
				case !proven(reg.AppHash, e):
					errs[k] = "proof does not lead to the app hash"
				case json.Unmarshal(e.Value, m) != nil || string(e.Key) != "mem/m/"+m.ID:
					errs[k] = fmt.Sprintf("%q is not a member record", e.Key)
				case m.Status != "active":
					errs[k] = fmt.Sprintf("member %s was %s, not active", m.ID, m.Status)
				case el.Class != "" && m.Class != el.Class:
					errs[k] = fmt.Sprintf("member %s was of class %s", m.ID, m.Class)
				case !covers(m.Chapter):
					errs[k] = fmt.Sprintf("member %s's chapter %s is not proven under %s", m.ID, m.Chapter, el.Chapter)
				case m.PublicKey != hex.EncodeToString(log[k].Member):
					errs[k] = fmt.Sprintf("signed by key %x, but member %s's key at the snapshot was %s", log[k].Member[:min(8, len(log[k].Member))], m.ID, m.PublicKey[:min(16, len(m.PublicKey))])
				}
			}
		}, func(done int) { v.progress("registry proofs", lo+done, n) })
		for k, m := range ms {
			if errs[k] != "" {
				bad.add("request %d: %s", lo+k, errs[k])
				continue
			}
			if _, dup := ids[m.ID]; dup {
				bad.add("request %d: member %s requested twice", lo+k, m.ID)
			}
			ids[m.ID] = struct{}{}
		}
	}
	if bad.n == 0 {
		if err := it.end(); err != nil {
			bad.add("%v", err)
		}
	}
	class := el.Class
	if class == "" {
		class = "any"
	}
	if bad.n > 0 {
		v.add(CheckRegistry, false, "registry at block %d, app hash %x: %s", el.RegistryHeight, reg.AppHash, &bad)
		return
	}
	v.add(CheckRegistry, true, "%d requesters, each a distinct active member (class %s, chapter %s and below) with the key that signed, proven in the registry at block %d under app hash %x (header %d's); %d chapters proven",
		n, class, el.Chapter, el.RegistryHeight, reg.AppHash, el.RegistryHeight+1, len(parents))
}

// proven reports whether e's proof shows its key holding its value under
// root, with IAVL's hashing (ics23.IavlSpec), as pnyx's state is one IAVL
// tree whose root is the app hash.
func proven(root []byte, e ProvenEntry) bool {
	var mp ics23.CommitmentProof
	if len(e.Value) == 0 || mp.Unmarshal(e.Proof) != nil {
		return false
	}
	return ics23.VerifyMembership(ics23.IavlSpec, root, &mp, e.Key, e.Value)
}
