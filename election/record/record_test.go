package record_test

import (
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/election/internal/testkeys"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/election/simulate"
)

var (
	baseOnce sync.Once
	base     []byte
)

// baseRecord is a small election with every kind of field present:
// complaints and answers (a cheating dealer), re-votes, spoiled ballots,
// two issuers, an absent trustee.
func baseRecord(t testing.TB) []byte {
	baseOnce.Do(func() {
		var s [32]byte
		s[0] = 42
		res, err := simulate.Run(simulate.Config{Voters: 6, Options: 3, Trustees: 4, Threshold: 2,
			Issuers: 2, Revotes: 2, Absent: 1, Spoiled: 2, CheatingDealer: 4, Seed: s,
			IssuerKeys: testkeys.RSA(2), FastCredentials: true})
		if err != nil {
			panic(err)
		}
		base = res.Record.Encode()
	})
	return base
}

func TestBaseRecordVerifies(t *testing.T) {
	data := baseRecord(t)
	rep := record.VerifyBytes(data, record.Options{})
	if !rep.OK() {
		t.Fatalf("failed: %v", rep.Failed())
	}
	if len(rep.Checks) != 22 {
		t.Fatalf("%d checks, want 22", len(rep.Checks))
	}
	rec, err := record.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if string(rec.Encode()) != string(data) {
		t.Fatal("decode/encode is not the identity")
	}
	// One core or two: the same verdict.
	if rep1 := record.VerifyBytes(data, record.Options{Workers: 1}); !rep1.OK() {
		t.Fatal(rep1.Failed())
	}
}

// Offsets inside a ballot of the base record (one contest, 3 options,
// two 2048-bit issuers): see docs/election-record.md, "Ballots".
const (
	offOTK    = 1 + 32
	offCred   = offOTK + 32
	offCt     = offCred + 2*256
	offProofs = offCt + 3*64
	// range proof (R=1): A0 B0 A1 B1 | c0 | v0 v1
	offProofA  = offProofs
	offProofB1 = offProofs + 3*32
	offProofC  = offProofs + 4*32
	offProofV  = offProofs + 5*32
)

func bumpPoint(b []byte) {
	e, err := group.DecodeElement(b[:32])
	if err != nil {
		panic(err)
	}
	copy(b, group.Add(e, group.Generator()).Bytes())
}

func bumpScalar(b []byte) {
	s, err := group.DecodeScalar(b[:32])
	if err != nil {
		panic(err)
	}
	copy(b, ristretto255.NewScalar().Add(s, group.ScalarFromUint64(1)).Bytes())
}

func bump(e *ristretto255.Element) *ristretto255.Element { return group.Add(e, group.Generator()) }

func bumpS(s *ristretto255.Scalar) *ristretto255.Scalar {
	return ristretto255.NewScalar().Add(s, group.ScalarFromUint64(1))
}

// ballotBytes returns a private copy of cast ballot i.
func ballotBytes(r *record.Record, i int) []byte {
	r.Cast[i] = append([]byte(nil), r.Cast[i]...)
	return r.Cast[i]
}

// Change each kind of field in turn; the verifier must reject every
// mutation and name the check that catches it.
func TestEveryMutationIsRejected(t *testing.T) {
	data := baseRecord(t)
	other := testkeys.RSA(3)[2]
	mutations := []struct {
		name   string
		check  string
		mutate func(r *record.Record)
	}{
		{"ballot alpha", record.CheckProofs, func(r *record.Record) { bumpPoint(ballotBytes(r, 1)[offCt:]) }},
		{"ballot beta", record.CheckProofs, func(r *record.Record) { bumpPoint(ballotBytes(r, 1)[offCt+32+64:]) }},
		{"proof commitment A", record.CheckProofs, func(r *record.Record) { bumpPoint(ballotBytes(r, 2)[offProofA:]) }},
		{"proof commitment B", record.CheckProofs, func(r *record.Record) { bumpPoint(ballotBytes(r, 2)[offProofB1:]) }},
		{"proof challenge", record.CheckProofs, func(r *record.Record) { bumpScalar(ballotBytes(r, 3)[offProofC:]) }},
		{"proof response", record.CheckProofs, func(r *record.Record) { bumpScalar(ballotBytes(r, 3)[offProofV:]) }},
		{"limit proof response", record.CheckProofs, func(r *record.Record) {
			b := ballotBytes(r, 0)
			bumpScalar(b[len(b)-64-32:])
		}},
		{"credential", record.CheckCredentials, func(r *record.Record) { ballotBytes(r, 4)[offCred+300] ^= 1 }},
		{"one-time key", record.CheckCredentials, func(r *record.Record) { bumpPoint(ballotBytes(r, 4)[offOTK:]) }},
		{"one-time signature R", record.CheckSignatures, func(r *record.Record) {
			b := ballotBytes(r, 5)
			bumpPoint(b[len(b)-64:])
		}},
		{"one-time signature s", record.CheckSignatures, func(r *record.Record) {
			b := ballotBytes(r, 5)
			bumpScalar(b[len(b)-32:])
		}},
		{"ballot for another election", record.CheckBallotEncoding, func(r *record.Record) { ballotBytes(r, 0)[1] ^= 1 }},
		{"non-canonical point in ballot", record.CheckBallotEncoding, func(r *record.Record) {
			b := ballotBytes(r, 0)
			for i := range 32 {
				b[offCt+i] = 0xff
			}
		}},
		{"ballot version", record.CheckBallotEncoding, func(r *record.Record) { ballotBytes(r, 0)[0] = 2 }},
		{"counted ballot removed", record.CheckAggregate, func(r *record.Record) { r.Cast = slices.Delete(r.Cast, 2, 3) }},
		{"replaced ballot removed", record.CheckCounts, func(r *record.Record) { r.Cast = r.Cast[1:] }},
		{"re-vote order swapped", record.CheckAggregate, func(r *record.Record) {
			// voter 0's first ballot is Cast[0], its re-vote comes after all first ballots
			r.Cast[0], r.Cast[6] = r.Cast[6], r.Cast[0]
		}},
		{"ballot duplicated", record.CheckUniqueCredentials, func(r *record.Record) { r.Cast = append(r.Cast, r.Cast[2]) }},
		{"replaced ballot replayed after the re-vote", record.CheckUniqueCredentials, func(r *record.Record) {
			r.Cast = append(r.Cast, r.Cast[0])
		}},
		{"ceremony commitment", record.CheckDealings, func(r *record.Record) {
			r.Dealings[0].Commitments[1] = bump(r.Dealings[0].Commitments[1])
		}},
		{"ceremony proof of knowledge", record.CheckDealings, func(r *record.Record) {
			r.Dealings[1].Proofs[0].S = bumpS(r.Dealings[1].Proofs[0].S)
		}},
		{"sealed share", record.CheckAcknowledgements, func(r *record.Record) {
			s := append([]byte(nil), r.Dealings[2].Shares[1]...)
			s[40] ^= 1
			r.Dealings[2].Shares[1] = s
		}},
		{"trustee HPKE key", record.CheckAcknowledgements, func(r *record.Record) {
			k := append([]byte(nil), r.HPKEKeys[0]...)
			k[3] ^= 1
			r.HPKEKeys[0] = k
		}},
		{"complaint dropped", record.CheckQualified, func(r *record.Record) { r.Complaints = nil }},
		// The disqualified dealer's answer is bound by the ceremony hash the
		// trustees acknowledged, even though changing it keeps QUAL.
		{"answer accuser", record.CheckAcknowledgements, func(r *record.Record) {
			r.Answers[0].Accuser = r.Answers[0].Accuser%r.N + 1
		}},
		{"answer share", record.CheckAcknowledgements, func(r *record.Record) { r.Answers[0].Share = bumpS(r.Answers[0].Share) }},
		{"declared qualified set", record.CheckQualified, func(r *record.Record) { r.Qualified = []int{1, 2, 3, 4} }},
		{"joint key", record.CheckJointKey, func(r *record.Record) { r.JointKey = bump(r.JointKey) }},
		{"public share", record.CheckPublicShares, func(r *record.Record) { r.PublicShares[1] = bump(r.PublicShares[1]) }},
		{"acknowledgement", record.CheckAcknowledgements, func(r *record.Record) { r.Acks[2].S = bumpS(r.Acks[2].S) }},
		{"issuer key", record.CheckCredentials, func(r *record.Record) { r.IssuerKeys[1] = &other.PublicKey }},
		{"issuance request signature", record.CheckIssuanceLog, func(r *record.Record) {
			e := &r.IssuanceLogs[0][3]
			e.Signature = append([]byte(nil), e.Signature...)
			e.Signature[0] ^= 1
		}},
		{"issuance count", record.CheckIssuanceBound, func(r *record.Record) { r.IssuanceLogs[1] = r.IssuanceLogs[1][1:] }},
		{"issuance member twice", record.CheckIssuanceLog, func(r *record.Record) {
			r.IssuanceLogs[0] = append(r.IssuanceLogs[0], r.IssuanceLogs[0][0])
		}},
		{"spoiled ballot cast", record.CheckSpoiled, func(r *record.Record) {
			r.Spoiled[0].Ballot = r.Cast[3]
		}},
		{"spoiled reveal randomness", record.CheckSpoiled, func(r *record.Record) {
			r.Spoiled[0].Reveal.R[0][1] = bumpS(r.Spoiled[0].Reveal.R[0][1])
		}},
		{"spoiled reveal choice", record.CheckSpoiled, func(r *record.Record) {
			c := r.Spoiled[1].Reveal.Choices[0]
			c[0], c[1] = c[1], c[0]
		}},
		{"aggregate alpha", record.CheckAggregate, func(r *record.Record) { r.Aggregate[0][0].Alpha = bump(r.Aggregate[0][0].Alpha) }},
		{"aggregate beta", record.CheckAggregate, func(r *record.Record) { r.Aggregate[0][2].Beta = bump(r.Aggregate[0][2].Beta) }},
		{"decryption share", record.CheckDecryption, func(r *record.Record) { r.Decryptions[0].D[1] = bump(r.Decryptions[0].D[1]) }},
		{"decryption proof commitment", record.CheckDecryption, func(r *record.Record) {
			r.Decryptions[1].Proofs[0].A = bump(r.Decryptions[1].Proofs[0].A)
		}},
		{"decryption proof response", record.CheckDecryption, func(r *record.Record) {
			r.Decryptions[1].Proofs[2].V = bumpS(r.Decryptions[1].Proofs[2].V)
		}},
		{"too few decryption shares", record.CheckDecryption, func(r *record.Record) { r.Decryptions = r.Decryptions[:1] }},
		{"result", record.CheckResults, func(r *record.Record) { r.Results[0][1]++ }},
		{"results swapped", record.CheckResults, func(r *record.Record) {
			r.Results[0][0], r.Results[0][1], r.Results[0][2] = r.Results[0][1], r.Results[0][2], r.Results[0][0]+1
		}},
		{"cast count", record.CheckCounts, func(r *record.Record) { r.CastCount++ }},
		{"replaced count", record.CheckCounts, func(r *record.Record) { r.Replaced-- }},
		{"counted count", record.CheckCounts, func(r *record.Record) { r.Counted++ }},
		{"manifest option text", record.CheckProofs, func(r *record.Record) { r.Manifest.Contests[0].Options[1] += "!" }},
		{"manifest title", record.CheckProofs, func(r *record.Record) { r.Manifest.Title = "Another election" }},
		{"manifest selection limit", record.CheckManifest, func(r *record.Record) { r.Manifest.Contests[0].SelectionLimit = 9 }},
		{"manifest option limit", record.CheckFormat, func(r *record.Record) { r.Manifest.Contests[0].OptionLimit = 2 }},
		{"issuance said to close before voting while it overlapped", record.CheckSchedule, func(r *record.Record) {
			r.Schedule.IssueEnd = r.Schedule.VoteStart + 1
		}},
		{"voting window reversed", record.CheckSchedule, func(r *record.Record) {
			r.Schedule.VoteStart, r.Schedule.VoteEnd = r.Schedule.VoteEnd, r.Schedule.VoteStart
		}},
		{"issuance opened after voting, even with overlap allowed", record.CheckSchedule, func(r *record.Record) {
			r.Schedule.AllowOverlap = true
			r.Schedule.IssueStart, r.Schedule.IssueEnd = r.Schedule.VoteStart+1, r.Schedule.VoteStart+2
		}},
		{"fewer eligible than requests", record.CheckEligibility, func(r *record.Record) {
			r.Eligibility.Count = uint64(len(r.IssuanceLogs[0]) - 1)
		}},
		{"nobody eligible", record.CheckEligibility, func(r *record.Record) { r.Eligibility.Count = 0 }},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			rec, err := record.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			m.mutate(rec)
			rep := record.VerifyBytes(rec.Encode(), record.Options{})
			if rep.OK() {
				t.Fatal("mutation accepted")
			}
			if !slices.Contains(rep.Failed(), m.check) {
				t.Fatalf("failed checks %v, want %s among them", rep.Failed(), m.check)
			}
		})
	}
}

func TestFormatErrors(t *testing.T) {
	data := baseRecord(t)
	rec, err := record.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	// The schedule follows the magic and the manifest: four u64 times, then
	// the allow_overlap byte.
	offSchedule := 8 + 4 + len(rec.Manifest.Encode())
	with := func(off int, b ...byte) []byte {
		d := append([]byte(nil), data...)
		copy(d[off:], b)
		return d
	}
	for name, d := range map[string][]byte{
		"empty":             nil,
		"version 1":         append([]byte("PNYXREC1"), data[8:]...),
		"unknown version":   append([]byte("PNYXREC3"), data[8:]...),
		"truncated":         data[:len(data)-1],
		"trailing":          append(append([]byte(nil), data...), 0),
		"time beyond int64": with(offSchedule, 0x80),
		"allow_overlap 2":   with(offSchedule+32, 2),
		"chapter cut short": data[:offSchedule+32+1+16+4+len(rec.Eligibility.Chapter)-1],
		"chapter not UTF-8": with(offSchedule+32+1+16+4, 0xff),
	} {
		rep := record.VerifyBytes(d, record.Options{})
		if rep.OK() || rep.Failed()[0] != record.CheckFormat {
			t.Errorf("%s: %v", name, rep.Failed())
		}
	}
}

// An election that let issuance run into voting verifies, and its record
// says so in the schedule check; one that closed issuance first says that.
func TestRecordSaysWhetherIssuanceOverlappedVoting(t *testing.T) {
	var s [32]byte
	s[0] = 7
	cfg := simulate.Config{Voters: 3, Options: 2, Trustees: 3, Threshold: 2, Issuers: 1, Seed: s,
		IssuerKeys: testkeys.RSA(1), FastCredentials: true}
	for _, overlap := range []bool{false, true} {
		cfg.AllowOverlap = overlap
		res, err := simulate.Run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		data := res.Record.Encode()
		rec, err := record.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Schedule != res.Record.Schedule || rec.Schedule.AllowOverlap != overlap || rec.Schedule.Overlaps() != overlap {
			t.Fatalf("overlap %v: decoded schedule %+v, encoded %+v", overlap, rec.Schedule, res.Record.Schedule)
		}
		rep := record.VerifyBytes(data, record.Options{})
		if !rep.OK() {
			t.Fatalf("overlap %v: failed %v", overlap, rep.Failed())
		}
		idx := slices.IndexFunc(rep.Checks, func(c record.CheckResult) bool { return c.Name == record.CheckSchedule })
		if idx < 0 {
			t.Fatal("no schedule check")
		}
		said := strings.Contains(rep.Checks[idx].Detail, "STAYED OPEN DURING VOTING")
		if said != overlap {
			t.Fatalf("overlap %v: schedule check says %q", overlap, rep.Checks[idx].Detail)
		}
	}
}

// A streamed record is the encoded one, its announced length is exact, and
// a list that fails stops the stream with that error.
func TestStreamWritesTheRecord(t *testing.T) {
	data := baseRecord(t)
	rec, err := record.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	st, err := rec.Stream(rec.Lists())
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	n, err := st.WriteTo(&buf)
	if err != nil || n != int64(len(data)) || st.Len() != n || buf.String() != string(data) {
		t.Fatalf("streamed %d bytes (Len %d, err %v), encoded %d; equal %v", n, st.Len(), err, len(data), buf.String() == string(data))
	}
	lists := rec.Lists()
	lists.Ballot = func(i uint64) ([]byte, error) {
		if i == 3 {
			return nil, errBlockGone
		}
		return rec.Cast[i], nil
	}
	st, _ = rec.Stream(lists)
	if n, err := st.WriteTo(io.Discard); err != errBlockGone || n >= int64(len(data)) {
		t.Fatalf("failing list: wrote %d bytes, err %v", n, err)
	}
	lists = rec.Lists()
	lists.LogLen = lists.LogLen[:1]
	if _, err := rec.Stream(lists); err == nil {
		t.Fatal("one issuance log for two issuers accepted")
	}
}

var errBlockGone = errors.New("block gone")
