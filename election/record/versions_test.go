package record_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pnyx-party/pnyx/election/internal/testkeys"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/election/simulate"
)

// Versions 3, 4 and 5 each append fields to the version before; the
// tests below run once per version over baseRecord's election (new
// randomness) exported at that version.

var (
	versionedMu sync.Mutex
	versioned   = map[int]*simulate.Result{}
)

// versionedRecord is the election of baseRecord as a record of version v.
func versionedRecord(t testing.TB, v int) *simulate.Result {
	versionedMu.Lock()
	defer versionedMu.Unlock()
	if res, ok := versioned[v]; ok {
		return res
	}
	var s [32]byte
	s[0] = 43
	res, err := simulate.Run(simulate.Config{Voters: 6, Options: 3, Trustees: 4, Threshold: 2,
		Issuers: 2, Revotes: 2, Absent: 1, Spoiled: 2, CheatingDealer: 4, Seed: s,
		IssuerKeys: testkeys.RSA(2), FastCredentials: true, RecordVersion: v})
	if err != nil {
		t.Fatal(err)
	}
	versioned[v] = res
	return res
}

// TestVersionedRecordsVerifyAndRoundTrip: a record of each version
// verifies with its version's checks, decodes and re-encodes to its own
// bytes, and one byte more or less is a format error.
func TestVersionedRecordsVerifyAndRoundTrip(t *testing.T) {
	for _, c := range []struct {
		version int
		magic   string
		checks  int
		new     []string
	}{
		{3, record.Magic3, 24, []string{record.CheckTimeline, record.CheckAnswered}},
		{4, record.Magic4, 25, []string{record.CheckBlind}},
		{5, record.Magic5, 26, []string{record.CheckRegistry}},
	} {
		data := versionedRecord(t, c.version).Record.Encode()
		if string(data[:8]) != c.magic {
			t.Fatalf("version %d: magic %q", c.version, data[:8])
		}
		rep := record.VerifyBytes(data, record.Options{})
		if !rep.OK() {
			t.Fatalf("version %d failed: %v", c.version, rep.Failed())
		}
		var names []string
		for _, ch := range rep.Checks {
			names = append(names, ch.Name)
		}
		for _, n := range c.new {
			if !slices.Contains(names, n) {
				t.Fatalf("version %d: no %s among %v", c.version, n, names)
			}
		}
		if len(names) != c.checks {
			t.Fatalf("version %d: %d checks %v, want %d", c.version, len(names), names, c.checks)
		}
		rec, err := record.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.Encode(), data) {
			t.Fatalf("version %d: decode/encode is not the identity", c.version)
		}
		for _, bad := range [][]byte{append(bytes.Clone(data), 0), data[:len(data)-1]} {
			if _, err := record.Decode(bad); err == nil {
				t.Fatalf("version %d: a record of the wrong length decoded", c.version)
			}
			if rep := record.VerifyBytes(bad, record.Options{}); rep.OK() {
				t.Fatalf("version %d: a record of the wrong length verified", c.version)
			}
		}
		if c.version == 3 {
			// A version-2 reader's view: the same record without its timeline
			// is a valid version-2 record with the version-2 checks only.
			rec.Version, rec.Timeline = 2, nil
			if rep := record.Verify(rec, record.Options{}); !rep.OK() || len(rep.Checks) != 22 {
				t.Fatalf("as version 2: %v, %d checks", rep.Failed(), len(rep.Checks))
			}
		}
	}
}

// TestNewFieldMutationsAreRejected changes each field that versions 3, 4
// and 5 added the way a dishonest exporter (or a chain that let an issuer
// answer late, or a non-member request) would, and asserts the check that
// must catch it fails.
func TestNewFieldMutationsAreRejected(t *testing.T) {
	// newBlock appends a block at time at and returns its height.
	newBlock := func(r *record.Record, at int64) uint64 {
		last := r.Timeline.Blocks[len(r.Timeline.Blocks)-1]
		h := last.Height + 1
		r.Timeline.Blocks = append(r.Timeline.Blocks, record.Block{Height: h, Time: max(at, last.Time)})
		return h
	}
	ineligible := versionedRecord(t, 5).Ineligible
	mutations := []struct {
		version int
		name    string
		check   string
		mutate  func(r *record.Record)
	}{
		// Version 3: the timeline.
		{3, "an answer after voting opened (finding 2's attack)", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Requests[0][3].Answered = newBlock(r, r.Schedule.VoteStart+5)
		}},
		{3, "an answer before its request", record.CheckTimeline, func(r *record.Record) {
			e := &r.Timeline.Requests[1][2]
			e.Answered = r.Timeline.Requests[1][0].Requested
		}},
		{3, "a request before issuance opened", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Blocks[0].Time = r.Schedule.IssueStart - 1
		}},
		{3, "a ballot after voting closed", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Cast[len(r.Timeline.Cast)-1] = newBlock(r, r.Schedule.VoteEnd)
		}},
		{3, "a ballot during issuance", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Cast[0] = r.Timeline.Requests[0][0].Answered
		}},
		{3, "a spoiled ballot outside voting", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Spoiled[0] = r.Timeline.Requests[0][1].Requested
		}},
		{3, "cast ballots out of block order", record.CheckTimeline, func(r *record.Record) {
			c := r.Timeline.Cast
			c[0], c[1] = c[1], c[0]
		}},
		{3, "a height missing from the block table", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Cast[2] = 1 << 40
		}},
		{3, "blocks out of order", record.CheckTimeline, func(r *record.Record) {
			b := r.Timeline.Blocks
			b[0].Height, b[1].Height = b[1].Height, b[0].Height
		}},
		{3, "a block at the registry snapshot", record.CheckTimeline, func(r *record.Record) {
			r.Timeline.Blocks[0].Height = r.Eligibility.RegistryHeight
		}},
		{3, "block time going backwards", record.CheckTimeline, func(r *record.Record) {
			b := r.Timeline.Blocks
			b[5].Time = b[4].Time - 1
		}},
		{3, "fewer answers than voters", record.CheckAnswered, func(r *record.Record) {
			for j := range r.Timeline.Requests[1] {
				r.Timeline.Requests[1][j].Answered = 0
			}
		}},
		// Version 4: the issuers' answers.
		{4, "a flipped byte in an answer", record.CheckBlind, func(r *record.Record) { r.BlindSignatures[0][1][7] ^= 1 }},
		{4, "two answers swapped", record.CheckBlind, func(r *record.Record) {
			b := r.BlindSignatures[1]
			b[0], b[2] = b[2], b[0]
		}},
		{4, "the blinded request as its own answer", record.CheckBlind, func(r *record.Record) {
			r.BlindSignatures[0][3] = bytes.Clone(r.IssuanceLogs[0][3].Blinded)
		}},
		{4, "another issuer's answer", record.CheckBlind, func(r *record.Record) {
			r.BlindSignatures[0][4] = bytes.Clone(r.BlindSignatures[1][4])
		}},
		{4, "an answer at or above the modulus", record.CheckBlind, func(r *record.Record) {
			s := r.BlindSignatures[1][5]
			for i := range s {
				s[i] = 0xff
			}
		}},
		// Version 5: the registry proofs (finding 9).
		{5, "two requesters' proofs swapped", record.CheckRegistry, func(r *record.Record) {
			m := r.Registry.Members
			m[0], m[1] = m[1], m[0]
		}},
		{5, "a suspended member's proof for a requester", record.CheckRegistry, func(r *record.Record) {
			r.Registry.Members[2] = ineligible[0]
		}},
		{5, "a member of another chapter for a requester", record.CheckRegistry, func(r *record.Record) {
			r.Registry.Members[3] = ineligible[1]
		}},
		{5, "one member proven for two requests", record.CheckRegistry, func(r *record.Record) {
			r.Registry.Members[4] = r.Registry.Members[5]
		}},
		{5, "a member record edited (status) without its proof", record.CheckRegistry, func(r *record.Record) {
			e := &r.Registry.Members[1]
			e.Value = bytes.Replace(e.Value, []byte(`"active"`), []byte(`"activ_"`), 1)
		}},
		{5, "a flipped byte in a proof", record.CheckRegistry, func(r *record.Record) {
			p := r.Registry.Members[0].Proof
			p[len(p)-3] ^= 1
		}},
		{5, "another app hash", record.CheckRegistry, func(r *record.Record) { r.Registry.AppHash[0] ^= 1 }},
		{5, "a chapter record left out", record.CheckRegistry, func(r *record.Record) {
			r.Registry.Chapters = r.Registry.Chapters[:1] // the sub-chapter's members are no longer under it
		}},
		{5, "a chapter record edited", record.CheckRegistry, func(r *record.Record) {
			e := &r.Registry.Chapters[1]
			e.Value = bytes.Replace(e.Value, []byte(`"parent":"`), []byte(`"parent":"x`), 1)
		}},
		{5, "the second issuer's log in another order", record.CheckRegistry, func(r *record.Record) {
			l := r.IssuanceLogs[1]
			l[0], l[1] = l[1], l[0]
		}},
		{5, "a class the members do not have", record.CheckRegistry, func(r *record.Record) {
			r.Eligibility.Class = "responsible"
		}},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			rec, err := record.Decode(bytes.Clone(versionedRecord(t, m.version).Record.Encode())) // the record's slices alias the bytes
			if err != nil {
				t.Fatal(err)
			}
			m.mutate(rec)
			rep := record.VerifyBytes(rec.Encode(), record.Options{Workers: 1})
			if failed := rep.Failed(); !slices.Contains(failed, m.check) {
				t.Fatalf("failed %v, want %s", failed, m.check)
			}
		})
	}
}

var updateSamples = flag.Bool("update-samples", false, "rewrite testdata/election/sample-record-v4.bin and -v5.bin and their reports")

// TestVersionedSamples: each checked-in sample of a later version (the
// vectors' election with that version's fields) decodes, re-encodes to
// its own bytes and gives the checked-in report, which says VALID.
func TestVersionedSamples(t *testing.T) {
	for _, c := range []struct {
		version int
		check   string
	}{{4, record.CheckBlind}, {5, record.CheckRegistry}} {
		name := "sample-record-v" + string(rune('0'+c.version))
		if *updateSamples {
			var seed [32]byte
			copy(seed[:], "pnyx test vectors v2")
			res, err := simulate.Run(simulate.Config{Voters: 4, Options: 3, Trustees: 3, Threshold: 2, Issuers: 2,
				Revotes: 1, Spoiled: 1, Absent: 1, CheatingDealer: 3, Eligible: 5, Seed: seed,
				IssuerKeys: testkeys.RSA(2), Workers: 1, RecordVersion: c.version})
			if err != nil {
				t.Fatal(err)
			}
			raw := res.Record.Encode()
			if err := os.WriteFile(filepath.Join(vectorDir, name+".bin"), raw, 0o644); err != nil {
				t.Fatal(err)
			}
			rep := reportText(record.VerifyBytes(raw, record.Options{Workers: 1}))
			if err := os.WriteFile(filepath.Join(vectorDir, name+".verify.txt"), rep, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		raw := readVector(t, name+".bin")
		rec, err := record.Decode(raw)
		if err != nil || rec.Version != c.version || !bytes.Equal(rec.Encode(), raw) {
			t.Fatalf("the version-%d sample does not decode and re-encode as version %d: %v", c.version, c.version, err)
		}
		got := reportText(record.VerifyBytes(raw, record.Options{Workers: 1}))
		if want := readVector(t, name+".verify.txt"); !bytes.Equal(got, want) {
			t.Fatalf("the version-%d report changed:\n--- checked in\n%s\n--- now\n%s", c.version, want, got)
		}
		if !strings.Contains(string(got), "election record VALID") || !strings.Contains(string(got), c.check) {
			t.Fatalf("the version-%d sample does not verify with its new check:\n%s", c.version, got)
		}
	}
}
