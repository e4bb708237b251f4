// Package simulate runs a whole pnyx election in memory — key ceremony,
// credential issuance, encrypted ballots, re-votes, spoiled ballots,
// threshold tally with absent trustees — writes the election record and
// checks the decrypted result against the plaintext intent.
//
// It is the reference for how the election packages fit together, and it
// makes the records the verifier tests and benchmarks run on:
//
//	res, err := simulate.Run(simulate.Config{Voters: 100, Options: 10,
//		Trustees: 5, Threshold: 3, Issuers: 2, Revotes: 10, Absent: 2, Seed: seed})
//	data := res.Record.Encode()
//
// Every random choice comes from Seed, voter by voter, so a run is
// reproducible whatever the number of cores.
package simulate

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"runtime"
	"sync/atomic"

	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/internal/parallel"
)

// Config describes a simulated election: one choose-one contest.
type Config struct {
	Voters, Options     int
	Trustees, Threshold int
	Issuers             int
	Revotes             int // voters who cast a second ballot later; the second counts
	Absent              int // trustees absent at decryption (the lowest indices)
	Spoiled             int // Benaloh challenges (spoiled, revealed, never counted)
	Seed                [32]byte
	// Eligible is the size of the eligibility snapshot; 0 means a third
	// more than Voters (not every member votes).
	Eligible uint64
	// AllowOverlap keeps issuance open for the first three of voting's
	// seven days, and the record says so.
	AllowOverlap bool
	// RecordVersion is 2 (the default), 3, 4 or 5: a version-3 record adds
	// the timeline of a made-up chain, one block per request, answer and
	// ballot, spread over the windows; version 4 adds the issuers' blind
	// signatures; version 5 proves every requester in a made-up member
	// registry (registry.go).
	RecordVersion int

	// IssuerKeys, if set, are used instead of generating RSA-2048 keys
	// from crypto/rand (then, and only then, two runs with the same Seed
	// give different records). Tests and benchmarks reuse keys.
	IssuerKeys []*rsa.PrivateKey
	// FastCredentials signs credentials directly instead of through the
	// blind protocol. The requests are still made, signed and logged; only
	// the issuer's blind signing (6-10 ms each) is replaced by an ordinary
	// RSA-PSS signature over the same message. For large benchmarks.
	FastCredentials bool

	// Misbehaviour, for tests and demonstrations.
	CheatingDealer    int // trustee that seals a bad share and answers the complaint with it (disqualified)
	CheatingDecryptor int // trustee that publishes a wrong decryption share (excluded)
	CheatingIssuer    int // issuer index+1 that returns a bad blind signature to the first voter
	ExtraCredentials  int // credentials all issuers mint off the log, each used for a ballot

	Workers  int
	Progress func(stage string, done, total int)
}

// Result is a finished simulation.
type Result struct {
	Record *record.Record
	Intent []uint64 // plaintext count per option (last ballot of each voter)
	Tally  []uint64 // decrypted count per option
	// Events worth telling: disqualified dealers, excluded decryption
	// shares, detected issuer misbehaviour.
	Events []string
	// Tracking codes of the cast ballots, in cast order.
	Tracking []string
	// Ineligible are, for a version-5 record, proven registry records of
	// members who could not request credentials (suspended, or of another
	// chapter), for tests to put in a requester's place.
	Ineligible []record.ProvenEntry
}

// Match reports whether the decrypted tally equals the intent.
func (r *Result) Match() bool {
	if len(r.Intent) != len(r.Tally) {
		return false
	}
	for i := range r.Intent {
		if r.Intent[i] != r.Tally[i] {
			return false
		}
	}
	return true
}

// ErrConfig: the configuration cannot describe a valid election.
var ErrConfig = errors.New("simulate: invalid configuration")

// stream returns a deterministic reader for (seed, purpose, index).
func stream(seed [32]byte, purpose string, i int) io.Reader {
	h := sha256.New()
	h.Write(seed[:])
	h.Write([]byte(purpose))
	binary.Write(h, binary.BigEndian, uint64(i))
	var s [32]byte
	h.Sum(s[:0])
	return &chacha{mrand.NewChaCha8(s)}
}

type chacha struct{ c *mrand.ChaCha8 }

func (c *chacha) Read(p []byte) (int, error) { return c.c.Read(p) }

func (c *Config) check() error {
	switch {
	case c.Voters < 0 || c.Options < 1 || c.Options > ballot.MaxOptions:
		return fmt.Errorf("%w: voters %d options %d", ErrConfig, c.Voters, c.Options)
	case c.Issuers < 1 || c.Issuers > record.MaxIssuers:
		return fmt.Errorf("%w: %d issuers", ErrConfig, c.Issuers)
	case c.Revotes < 0 || c.Revotes > c.Voters:
		return fmt.Errorf("%w: %d revotes for %d voters", ErrConfig, c.Revotes, c.Voters)
	case c.Absent < 0 || c.Trustees-c.Absent < c.Threshold:
		return fmt.Errorf("%w: %d of %d trustees absent, threshold %d", ErrConfig, c.Absent, c.Trustees, c.Threshold)
	case c.RecordVersion != 0 && (c.RecordVersion < 2 || c.RecordVersion > 5):
		return fmt.Errorf("%w: record version %d", ErrConfig, c.RecordVersion)
	case c.IssuerKeys != nil && len(c.IssuerKeys) < c.Issuers:
		return fmt.Errorf("%w: %d issuer keys for %d issuers", ErrConfig, len(c.IssuerKeys), c.Issuers)
	}
	return (ceremony.Params{N: c.Trustees, K: c.Threshold}).Check()
}

func (c *Config) progress(stage string, done, total int) {
	if c.Progress != nil {
		c.Progress(stage, done, total)
	}
}

// Run simulates the election.
func Run(cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	res := &Result{}
	rnd := stream(cfg.Seed, "election", 0)

	// Manifest.
	m := &ballot.Manifest{Title: "Simulated party election", Contests: []ballot.Contest{{
		Title: "Chair", SelectionLimit: 1, OptionLimit: 1,
	}}}
	io.ReadFull(rnd, m.ElectionID[:])
	for i := range cfg.Options {
		m.Contests[0].Options = append(m.Contests[0].Options, fmt.Sprintf("Candidate %d", i+1))
	}
	rec := &record.Record{Manifest: m, N: cfg.Trustees, K: cfg.Threshold, Schedule: schedule(cfg.AllowOverlap)}
	// A simulation has no member registry: the snapshot names a made-up
	// one, and its count is what the verifier bounds requests by.
	rec.Eligibility = record.Eligibility{Count: cfg.Eligible, RegistryHeight: 1, Chapter: "simulated"}
	if rec.Eligibility.Count == 0 {
		rec.Eligibility.Count = max(1, uint64(cfg.Voters)+uint64(cfg.Voters)/3)
	}

	// Key ceremony.
	trustees, err := runCeremony(&cfg, rnd, rec, res)
	if err != nil {
		return nil, err
	}

	// Issuers.
	var issuers []*credential.Issuer
	for i := range cfg.Issuers {
		var sk *rsa.PrivateKey
		if cfg.IssuerKeys != nil {
			sk = cfg.IssuerKeys[i]
		} else {
			cfg.progress("issuer keys", i, cfg.Issuers)
			if sk, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				return nil, err
			}
		}
		is, err := credential.NewIssuer(sk)
		if err != nil {
			return nil, err
		}
		issuers = append(issuers, is)
		rec.IssuerKeys = append(rec.IssuerKeys, is.PublicKey())
	}
	e, err := ballot.NewElection(m, rec.JointKey, rec.IssuerKeys)
	if err != nil {
		return nil, err
	}

	// Voters: credentials and ballots, in parallel, each from its own stream.
	type voter struct {
		key     *ballot.OneTimeKey
		creds   [][]byte
		reqs    []*credential.Request
		blinds  [][]byte // the issuers' answers to reqs (record version 4)
		choice  int
		first   *ballot.Ballot
		second  *ballot.Ballot
		choice2 int
		err     error
		event   string
	}
	nv := cfg.Voters + cfg.ExtraCredentials
	voters := make([]voter, nv)
	var done atomic.Int64
	parallel.For(nv, cfg.Workers, func(i int) {
		v := &voters[i]
		r := stream(cfg.Seed, "voter", i)
		v.err = func() error {
			var err error
			if v.key, err = ballot.NewOneTimeKey(r); err != nil {
				return err
			}
			_, member, err := ed25519.GenerateKey(r)
			if err != nil {
				return err
			}
			extra := i >= cfg.Voters
			for j, is := range issuers {
				req, pending, err := credential.NewRequest(r, is.PublicKey(), uint32(j), m.ElectionID, v.key.Bytes[:], member)
				if err != nil {
					return err
				}
				if !extra {
					v.reqs = append(v.reqs, req)
				}
				var cred []byte
				if cfg.FastCredentials || extra {
					cred, err = is.SignDirect(r, m.ElectionID, v.key.Bytes[:])
					if err == nil && !extra && cfg.RecordVersion >= 4 {
						var bs []byte
						if bs, err = is.Sign(req); err == nil {
							v.blinds = append(v.blinds, bs)
						}
					}
				} else {
					var bs []byte
					if bs, err = is.Sign(req); err == nil {
						if cfg.CheatingIssuer == j+1 && i == 0 {
							bs[len(bs)-1] ^= 1
						}
						cred, err = pending.Finalize(bs)
						if errors.Is(err, credential.ErrIssuerMisbehaved) {
							v.event = fmt.Sprintf("voter %d detected issuer %d returning an invalid blind signature; issuer re-signs", i, j)
							bs, _ = is.Sign(req)
							cred, err = pending.Finalize(bs)
						}
						if !extra {
							v.blinds = append(v.blinds, bs)
						}
					}
				}
				if err != nil {
					return err
				}
				v.creds = append(v.creds, cred)
			}
			v.choice = pick(r, cfg.Options)
			if v.first, err = cast(r, e, v.key, v.creds, cfg.Options, v.choice); err != nil {
				return err
			}
			if i < cfg.Revotes {
				v.choice2 = (v.choice + 1) % cfg.Options
				if v.second, err = cast(r, e, v.key, v.creds, cfg.Options, v.choice2); err != nil {
					return err
				}
			}
			// Check the voter's own ballots now and keep only what the box
			// and the record need, so that memory stays a few KB per voter.
			own := []*ballot.Ballot{v.first}
			if v.second != nil {
				own = append(own, v.second)
			}
			if fails := ballot.VerifyProofs(e, own, rand.Reader); fails != nil {
				return fmt.Errorf("simulate: own ballot fails: %v", fails[0].Err)
			}
			for _, b := range own {
				if err := ballot.Check(e, b); err != nil {
					return err
				}
				b.ForgetProofs()
			}
			return nil
		}()
		cfg.progress("voters", int(done.Add(1)), nv)
	})

	// Issuance logs, in voter order.
	rec.IssuanceLogs = make([][]record.IssuanceEntry, cfg.Issuers)
	if cfg.RecordVersion >= 4 {
		rec.BlindSignatures = make([][][]byte, cfg.Issuers)
	}
	logs := make([]*credential.Log, cfg.Issuers)
	for j := range logs {
		logs[j] = &credential.Log{Issuer: uint32(j)}
	}
	for i := range voters {
		v := &voters[i]
		if v.err != nil {
			return nil, fmt.Errorf("voter %d: %w", i, v.err)
		}
		if v.event != "" {
			res.Events = append(res.Events, v.event)
		}
		for j, req := range v.reqs {
			if err := logs[j].Add(issuers[j].PublicKey(), req); err != nil {
				return nil, err
			}
			rec.IssuanceLogs[j] = append(rec.IssuanceLogs[j], record.IssuanceEntry{Member: req.Member, Blinded: req.Blinded, Signature: req.Signature})
			if cfg.RecordVersion >= 4 {
				rec.BlindSignatures[j] = append(rec.BlindSignatures[j], v.blinds[j])
			}
		}
	}

	// Ballot box: first ballots in voter order, then re-votes.
	box := ballot.NewBox(e)
	res.Intent = make([]uint64, cfg.Options)
	var order []*ballot.Ballot
	for i := range voters {
		order = append(order, voters[i].first)
	}
	for i := range voters {
		if voters[i].second != nil {
			order = append(order, voters[i].second)
		}
	}
	for i := range voters {
		c := voters[i].choice
		if voters[i].second != nil {
			c = voters[i].choice2
		}
		res.Intent[c]++
	}
	for _, b := range order {
		if _, err := box.Add(b); err != nil {
			return nil, err
		}
		rec.Cast = append(rec.Cast, b.Bytes())
		res.Tracking = append(res.Tracking, b.TrackingString())
	}

	// Spoiled ballots: a voter's device encrypts, the voter challenges it.
	for s := range cfg.Spoiled {
		if cfg.Voters == 0 {
			break
		}
		v := &voters[s%cfg.Voters]
		r := stream(cfg.Seed, "spoil", s)
		choices := [][]uint32{make([]uint32, cfg.Options)}
		choices[0][s%cfg.Options] = 1
		b, rv, err := ballot.Encrypt(r, e, v.key, v.creds, choices)
		if err != nil {
			return nil, err
		}
		if err := box.Spoil(b); err != nil {
			return nil, err
		}
		if err := ballot.VerifySpoiled(e, b, rv); err != nil {
			return nil, err
		}
		rec.Spoiled = append(rec.Spoiled, record.Spoiled{Ballot: b.Bytes(), Reveal: rv})
	}

	// Tally.
	final := box.Final()
	agg := ballot.Aggregate(e, final)
	rec.Aggregate = agg
	var alphas, betas []*ristretto255.Element
	for _, ct := range agg[0] {
		alphas = append(alphas, ct.Alpha)
		betas = append(betas, ct.Beta)
	}
	for _, t := range trustees[cfg.Absent:] {
		s, err := t.Decrypt(rnd, alphas)
		if err != nil {
			return nil, err
		}
		if t.Index == cfg.CheatingDecryptor {
			s.D[0] = group.Add(s.D[0], group.Generator())
		}
		if err := ceremony.VerifyShare(rec.Params(), rec.PublicShares[t.Index-1], alphas, s); err != nil {
			res.Events = append(res.Events, fmt.Sprintf("decryption share of trustee %d rejected: %v", t.Index, err))
			continue
		}
		rec.Decryptions = append(rec.Decryptions, s)
	}
	Ms, _, err := ceremony.Combine(rec.Params(), betas, rec.Decryptions)
	if err != nil {
		return nil, err
	}
	table := group.NewDlogTable(uint64(max(box.Voters(), 1)))
	res.Tally = make([]uint64, cfg.Options)
	for i, M := range Ms {
		if res.Tally[i], err = table.Log(M); err != nil {
			return nil, fmt.Errorf("option %d: %w", i, err)
		}
	}
	rec.Results = [][]uint64{res.Tally}
	rec.CastCount = uint64(len(box.Cast))
	rec.Counted = uint64(box.Voters())
	rec.Replaced = rec.CastCount - rec.Counted
	if cfg.RecordVersion >= 3 {
		rec.Version, rec.Timeline = cfg.RecordVersion, timeline(rec)
	}
	if cfg.RecordVersion >= 5 {
		if rec.Registry, res.Ineligible, err = registry(rec, cfg.Seed); err != nil {
			return nil, err
		}
	}
	res.Record = rec
	if cfg.ExtraCredentials == 0 {
		// Extra ballots are counted, so intent and tally differ by design then.
		if !res.Match() {
			return res, fmt.Errorf("simulate: tally %v differs from intent %v", res.Tally, res.Intent)
		}
	}
	return res, nil
}

// pick draws a choice in [0, n) (modulo bias ≤ n/2^64, irrelevant here).
func pick(r io.Reader, n int) int {
	var b [8]byte
	io.ReadFull(r, b[:])
	return int(binary.BigEndian.Uint64(b[:]) % uint64(n))
}

func cast(r io.Reader, e *ballot.Election, key *ballot.OneTimeKey, creds [][]byte, options, choice int) (*ballot.Ballot, error) {
	ch := [][]uint32{make([]uint32, options)}
	ch[0][choice] = 1
	b, _, err := ballot.Encrypt(r, e, key, creds, ch)
	return b, err
}

func runCeremony(cfg *Config, rnd io.Reader, rec *record.Record, res *Result) ([]*ceremony.Trustee, error) {
	p := rec.Params()
	var ts []*ceremony.Trustee
	for i := 1; i <= p.N; i++ {
		t, err := ceremony.NewTrustee(rnd, p, i)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
		rec.HPKEKeys = append(rec.HPKEKeys, t.HPKEKey)
	}
	for _, t := range ts {
		d, err := t.Deal(rnd, rec.HPKEKeys)
		if err != nil {
			return nil, err
		}
		rec.Dealings = append(rec.Dealings, d)
	}
	victim := 0
	if c := cfg.CheatingDealer; c >= 1 && c <= p.N && p.N > 1 {
		// Re-deal the victim's share with a wrong value.
		victim = c%p.N + 1
		d := rec.Dealings[c-1]
		if err := ceremony.CorruptShare(rnd, p, d, victim, rec.HPKEKeys[victim-1]); err != nil {
			return nil, err
		}
	}
	for _, t := range ts {
		for _, d := range rec.Dealings {
			if err := t.Receive(d); err != nil {
				if !errors.Is(err, ceremony.ErrBadShare) {
					return nil, err
				}
				c := ceremony.Complaint{Accuser: t.Index, Dealer: d.Dealer}
				rec.Complaints = append(rec.Complaints, c)
				a := ts[d.Dealer-1].Answer(c)
				if d.Dealer == cfg.CheatingDealer {
					a.Share = group.ScalarFromUint64(42) // sticks to the lie
				}
				rec.Answers = append(rec.Answers, a)
			}
		}
	}
	qual, disq := ceremony.Qualified(p, rec.Dealings, rec.Complaints, rec.Answers)
	for i := 1; i <= p.N; i++ {
		if disq[i] != nil {
			res.Events = append(res.Events, fmt.Sprintf("dealer %d disqualified: %v", i, disq[i]))
		}
	}
	if len(qual) < p.K {
		return nil, fmt.Errorf("simulate: only %d qualified dealers for threshold %d", len(qual), p.K)
	}
	rec.Qualified = qual
	for _, t := range ts {
		if err := t.Finish(qual); err != nil {
			return nil, err
		}
	}
	rec.JointKey = ceremony.JointKey(rec.Dealings, qual)
	for l := 1; l <= p.N; l++ {
		rec.PublicShares = append(rec.PublicShares, ceremony.PublicShare(rec.Dealings, qual, l))
	}
	h := rec.CeremonyHash()
	for _, t := range ts {
		a, err := t.Acknowledge(rnd, h)
		if err != nil {
			return nil, err
		}
		rec.Acks = append(rec.Acks, a)
	}
	return ts, nil
}

// schedule is a week of issuance then a week of voting from 1 March 2026,
// 09:00 UTC; with overlap, issuance runs three days into voting.
func schedule(overlap bool) record.Schedule {
	const day = 24 * 60 * 60
	start := int64(1772355600) // 2026-03-01T09:00:00Z
	s := record.Schedule{IssueStart: start, IssueEnd: start + 7*day, VoteStart: start + 7*day, VoteEnd: start + 14*day}
	if overlap {
		s.IssueEnd, s.AllowOverlap = start+10*day, true
	}
	return s
}

// timeline makes up the blocks of a version-3 record: each voter's request
// in a block of its own and its answers in the next, spread evenly over the
// issuance window, then one block per cast ballot and per spoiled ballot,
// spread over the voting window.
func timeline(rec *record.Record) *record.Timeline {
	tl := &record.Timeline{}
	s := rec.Schedule
	h := rec.Eligibility.RegistryHeight + 10
	add := func(t int64) uint64 {
		h++
		tl.Blocks = append(tl.Blocks, record.Block{Height: h, Time: t})
		return h
	}
	requests := len(rec.IssuanceLogs[0])
	span := s.IssueEnd - s.IssueStart - 1
	for j := range requests {
		t := s.IssueStart + span*int64(j)/int64(requests)
		req := add(t)
		ans := add(t)
		for i := range rec.IssuanceLogs {
			if len(tl.Requests) <= i {
				tl.Requests = append(tl.Requests, nil)
			}
			tl.Requests[i] = append(tl.Requests[i], record.RequestTimes{Requested: req, Answered: ans})
		}
	}
	for len(tl.Requests) < len(rec.IssuanceLogs) {
		tl.Requests = append(tl.Requests, []record.RequestTimes{})
	}
	ballots := len(rec.Cast) + len(rec.Spoiled)
	span = s.VoteEnd - s.VoteStart - 1
	for k := range ballots {
		b := add(s.VoteStart + span*int64(k)/int64(ballots))
		if k < len(rec.Cast) {
			tl.Cast = append(tl.Cast, b)
		} else {
			tl.Spoiled = append(tl.Spoiled, b)
		}
	}
	return tl
}
