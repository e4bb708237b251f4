package record

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"

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
	rec, err := Decode(data)
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

// Verify runs every check of the spec on a record from Decode (whose
// slices have the lengths the header declares).
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
		version, len(rec.Cast), len(rec.Spoiled), rec.N, len(rec.IssuerKeys))
	v.add(CheckManifest, rec.Manifest.Validate() == nil, "%d contests, hash %x", len(rec.Manifest.Contests), rec.Manifest.Hash())
	v.schedule()
	if rec.V3() {
		v.timeline()
	}
	v.ceremony()
	v.issuers()
	final := v.ballots()
	if rec.V3() {
		v.answered()
	}
	if rec.V4() {
		v.blindSignatures()
	}
	v.spoiled()
	v.tally(final)
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

func (v *verifier) issuers() {
	rec := v.rec
	ok := len(rec.IssuerKeys) > 0
	for _, k := range rec.IssuerKeys {
		if credential.CheckKey(k) != nil {
			ok = false
		}
	}
	v.add(CheckIssuerKeys, ok, "%d issuers", len(rec.IssuerKeys))
	var firstErr atomic.Value
	var bad atomic.Int64
	total := 0
	for i, log := range rec.IssuanceLogs {
		total += len(log)
		seen := make(map[string]bool, len(log))
		for j, e := range log {
			if seen[string(e.Member)] {
				bad.Add(1)
				firstErr.CompareAndSwap(nil, fmt.Sprintf("issuer %d request %d: member twice", i, j))
			}
			seen[string(e.Member)] = true
		}
		pk := rec.IssuerKeys[i]
		parallel.Batches(len(log), 256, v.opt.Workers, func(lo, hi int) {
			for j, e := range log[lo:hi] {
				req := credential.Request{ElectionID: rec.Manifest.ElectionID, Issuer: uint32(i),
					Member: ed25519.PublicKey(e.Member), Blinded: e.Blinded, Signature: e.Signature}
				if err := req.Check(pk); err != nil {
					bad.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("issuer %d request %d: %v", i, lo+j, err))
				}
			}
		}, func(done int) { v.progress("issuance log", done, len(log)) })
	}
	counts := make([]int, len(rec.IssuanceLogs))
	for i, l := range rec.IssuanceLogs {
		counts[i] = len(l)
	}
	detail := fmt.Sprintf("%d requests (per issuer %v)", total, counts)
	if bad.Load() > 0 {
		detail += fmt.Sprintf("; %d bad, first: %v", bad.Load(), firstErr.Load())
	}
	v.add(CheckIssuanceLog, bad.Load() == 0, "%s", detail)

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
	decErr, credErr, sigErr, proofErr error
}

// ballots runs the per-ballot checks in parallel, in fixed batches of
// ballot.BatchSize in record order (so the outcome does not depend on the
// number of cores), then the stateful ones in order. It returns the counted
// ballots.
func (v *verifier) ballots() []*ballot.Ballot {
	rec := v.rec
	e, err := ballot.NewElection(rec.Manifest, rec.JointKey, rec.IssuerKeys)
	if err != nil {
		for _, n := range []string{CheckBallotEncoding, CheckCredentials, CheckSignatures, CheckProofs,
			CheckUniqueCredentials, CheckIssuanceBound} {
			v.add(n, false, "no election context: %v", err)
		}
		return nil
	}
	v.elec = e
	n := len(rec.Cast)
	st := make([]ballotState, n)
	parallel.Batches(n, ballot.BatchSize, v.opt.Workers, func(lo, hi int) {
		var batch []*ballot.Ballot
		var idx []int
		for i := lo; i < hi; i++ {
			s := &st[i]
			s.b, s.decErr = ballot.Decode(e, rec.Cast[i])
			if s.decErr != nil {
				continue
			}
			s.credErr = ballot.CheckCredentials(e, s.b)
			batch = append(batch, s.b)
			idx = append(idx, i)
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
		for _, b := range batch {
			b.ForgetProofs()
		}
	}, func(done int) { v.progress("ballots", done, n) })
	summ := func(name string, get func(*ballotState) error) bool {
		var bad []string
		for i := range st {
			if err := get(&st[i]); err != nil {
				if len(bad) < 5 {
					bad = append(bad, fmt.Sprintf("ballot %d: %v", i, err))
				} else if len(bad) == 5 {
					bad = append(bad, "...")
				}
			}
		}
		v.add(name, len(bad) == 0, "%d ballots; %s", n, orNone(bad))
		return len(bad) == 0
	}
	summ(CheckBallotEncoding, func(s *ballotState) error { return s.decErr })
	summ(CheckCredentials, func(s *ballotState) error { return s.credErr })
	summ(CheckSignatures, func(s *ballotState) error { return s.sigErr })
	summ(CheckProofs, func(s *ballotState) error { return s.proofErr })

	// Stateful rules, in order: credential reuse and re-voting.
	box := ballot.NewBox(e)
	var reuse []string
	for i := range st {
		s := &st[i]
		if s.b == nil || s.credErr != nil || s.sigErr != nil {
			continue
		}
		if _, err := box.Add(s.b); err != nil {
			reuse = append(reuse, fmt.Sprintf("ballot %d: %v", i, err))
		}
	}
	v.add(CheckUniqueCredentials, len(reuse) == 0, "%d one-time keys, no ballot twice; %s", box.Voters(), orNone(reuse))
	minLog := -1
	for _, l := range rec.IssuanceLogs {
		if minLog < 0 || len(l) < minLog {
			minLog = len(l)
		}
	}
	v.add(CheckIssuanceBound, box.Voters() <= minLog, "%d one-time keys, at most %d credentials issued", box.Voters(), minLog)
	v.rep.Ballots = len(box.Cast)
	v.rep.Counted = box.Voters()
	v.voters = box.Voters()
	return box.Final()
}

func (v *verifier) spoiled() {
	rec, e := v.rec, v.elec
	var bad []string
	cast := make(map[[32]byte]bool, len(rec.Cast))
	for _, raw := range rec.Cast {
		cast[ballot.TrackingCodeOf(raw)] = true
	}
	for i, s := range rec.Spoiled {
		if cast[ballot.TrackingCodeOf(s.Ballot)] {
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

func (v *verifier) tally(final []*ballot.Ballot) {
	rec, p := v.rec, v.p
	m := rec.Manifest
	if v.elec != nil {
		agg := ballot.Aggregate(v.elec, final)
		ok := true
		for i := range agg {
			for j := range agg[i] {
				if agg[i][j].Alpha.Equal(rec.Aggregate[i][j].Alpha) != 1 || agg[i][j].Beta.Equal(rec.Aggregate[i][j].Beta) != 1 {
					ok = false
				}
			}
		}
		v.add(CheckAggregate, ok, "product of %d counted ballots", len(final))
	} else {
		v.add(CheckAggregate, false, "no election context")
	}
	cast := uint64(len(rec.Cast))
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
// opened: the timing of an answer cannot single out a ballot.
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
	at := make(map[uint64]int64, len(tl.Blocks))
	for i, b := range tl.Blocks {
		if i > 0 && (b.Height <= tl.Blocks[i-1].Height || b.Time < tl.Blocks[i-1].Time) {
			fail("block %d (height %d) out of order", i, b.Height)
		}
		if b.Height <= rec.Eligibility.RegistryHeight {
			fail("block %d (height %d) is not after the registry snapshot", i, b.Height)
		}
		at[b.Height] = b.Time
	}
	within := func(what string, h uint64, from, to int64) {
		t, ok := at[h]
		switch {
		case !ok:
			fail("%s: height %d is not in the block table", what, h)
		case t < from || t >= to:
			fail("%s: block %d at %d is outside [%d, %d)", what, h, t, from, to)
		}
	}
	var lastAnswer uint64
	for i, log := range tl.Requests {
		for j, e := range log {
			what := fmt.Sprintf("issuer %d request %d", i, j)
			within(what, e.Requested, s.IssueStart, s.IssueEnd)
			if e.Answered != 0 {
				within(what+" answer", e.Answered, s.IssueStart, s.IssueEnd)
				if e.Answered < e.Requested {
					fail("%s: answered at height %d before it was requested at %d", what, e.Answered, e.Requested)
				}
				lastAnswer = max(lastAnswer, e.Answered)
			}
		}
	}
	for i, h := range tl.Cast {
		within(fmt.Sprintf("cast ballot %d", i), h, s.VoteStart, s.VoteEnd)
		if i > 0 && h < tl.Cast[i-1] {
			fail("cast ballot %d: height %d before the ballot listed before it", i, h)
		}
	}
	for i, h := range tl.Spoiled {
		within(fmt.Sprintf("spoiled ballot %d", i), h, s.VoteStart, s.VoteEnd)
	}
	detail := fmt.Sprintf("%d blocks; every request and answer in the issuance window, every ballot in the voting window", len(tl.Blocks))
	if len(tl.Cast) > 0 && lastAnswer > 0 {
		detail += fmt.Sprintf("; last answer at height %d, first ballot at height %d", lastAnswer, tl.Cast[0])
	}
	if len(bad) > 0 {
		detail = orNone(bad)
	}
	v.add(CheckTimeline, len(bad) == 0, "%s", detail)
}

// answered counts each issuer's answers (version 3): no more one-time keys
// voted than every issuer answered requests. An auditor compares these
// counts with turnout: all issuers colluding can still fill in for members
// who were answered and abstained, and the counts show how many could have.
func (v *verifier) answered() {
	if v.rec.Timeline == nil {
		v.add(CheckAnswered, false, "a version-3 record without a timeline")
		return
	}
	counts := make([]int, len(v.rec.Timeline.Requests))
	least := -1
	for i, log := range v.rec.Timeline.Requests {
		for _, e := range log {
			if e.Answered != 0 {
				counts[i]++
			}
		}
		if least < 0 || counts[i] < least {
			least = counts[i]
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
	if rec.Timeline == nil || len(rec.BlindSignatures) != len(rec.IssuerKeys) {
		v.add(CheckBlind, false, "a version-4 record without its blind signatures")
		return
	}
	var bad []string
	checked := 0
	for i, pk := range rec.IssuerKeys {
		size := credential.Size(pk)
		e := big.NewInt(int64(pk.E))
		for j, sig := range rec.BlindSignatures[i] {
			if sig == nil {
				continue
			}
			checked++
			s := new(big.Int).SetBytes(sig)
			if j >= len(rec.IssuanceLogs[i]) || s.Cmp(pk.N) >= 0 ||
				!bytes.Equal(new(big.Int).Exp(s, e, pk.N).FillBytes(make([]byte, size)), rec.IssuanceLogs[i][j].Blinded) {
				if len(bad) < 5 {
					bad = append(bad, fmt.Sprintf("issuer %d request %d", i, j))
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
