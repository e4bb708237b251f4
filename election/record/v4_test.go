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

var (
	v4Once sync.Once
	v4     []byte
)

// v4Record is v3Record's election as a version-4 record, with the
// issuers' blind signatures.
func v4Record(t testing.TB) []byte {
	v4Once.Do(func() {
		var s [32]byte
		s[0] = 43
		res, err := simulate.Run(simulate.Config{Voters: 6, Options: 3, Trustees: 4, Threshold: 2,
			Issuers: 2, Revotes: 2, Absent: 1, Spoiled: 2, CheatingDealer: 4, Seed: s,
			IssuerKeys: testkeys.RSA(2), FastCredentials: true, RecordVersion: 4})
		if err != nil {
			panic(err)
		}
		v4 = res.Record.Encode()
	})
	return v4
}

func TestVersion4RecordVerifiesAndRoundTrips(t *testing.T) {
	data := v4Record(t)
	if string(data[:8]) != record.Magic4 {
		t.Fatalf("magic %q", data[:8])
	}
	rep := record.VerifyBytes(data, record.Options{})
	if !rep.OK() {
		t.Fatalf("failed: %v", rep.Failed())
	}
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
	}
	if len(names) != 25 || !slices.Contains(names, record.CheckBlind) || !slices.Contains(names, record.CheckTimeline) {
		t.Fatalf("checks %v", names)
	}
	rec, err := record.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Encode(), data) {
		t.Fatal("decode/encode is not the identity")
	}
	for _, bad := range [][]byte{append(bytes.Clone(data), 0), data[:len(data)-1]} {
		if _, err := record.Decode(bad); err == nil {
			t.Fatal("blind signatures of the wrong length decoded")
		}
	}
}

// TestBlindSignatureMutationsAreRejected alters the answers of version 4 as
// an exporter claiming answers that were never given would, and asserts
// issuers.blind_signatures fails.
func TestBlindSignatureMutationsAreRejected(t *testing.T) {
	data := v4Record(t)
	mutations := []struct {
		name   string
		mutate func(r *record.Record)
	}{
		{"a flipped byte", func(r *record.Record) { r.BlindSignatures[0][1][7] ^= 1 }},
		{"two answers swapped", func(r *record.Record) {
			b := r.BlindSignatures[1]
			b[0], b[2] = b[2], b[0]
		}},
		{"the blinded request as its own answer", func(r *record.Record) {
			r.BlindSignatures[0][3] = bytes.Clone(r.IssuanceLogs[0][3].Blinded)
		}},
		{"another issuer's answer", func(r *record.Record) {
			r.BlindSignatures[0][4] = bytes.Clone(r.BlindSignatures[1][4])
		}},
		{"an answer at or above the modulus", func(r *record.Record) {
			s := r.BlindSignatures[1][5]
			for i := range s {
				s[i] = 0xff
			}
		}},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			rec, err := record.Decode(bytes.Clone(data)) // the record's slices alias the bytes
			if err != nil {
				t.Fatal(err)
			}
			m.mutate(rec)
			rep := record.VerifyBytes(rec.Encode(), record.Options{Workers: 1})
			if failed := rep.Failed(); !slices.Contains(failed, record.CheckBlind) {
				t.Fatalf("failed %v, want %s", failed, record.CheckBlind)
			}
		})
	}
}

var updateV4 = flag.Bool("update-v4", false, "rewrite testdata/election/sample-record-v4.bin and its report")

// TestVersion4Sample: the checked-in version-4 sample (the vectors'
// election, with the issuers' blind signatures) decodes, re-encodes to its
// own bytes and gives the checked-in report, which says VALID.
func TestVersion4Sample(t *testing.T) {
	if *updateV4 {
		var seed [32]byte
		copy(seed[:], "pnyx test vectors v2")
		res, err := simulate.Run(simulate.Config{Voters: 4, Options: 3, Trustees: 3, Threshold: 2, Issuers: 2,
			Revotes: 1, Spoiled: 1, Absent: 1, CheatingDealer: 3, Eligible: 5, Seed: seed,
			IssuerKeys: testkeys.RSA(2), Workers: 1, RecordVersion: 4})
		if err != nil {
			t.Fatal(err)
		}
		raw := res.Record.Encode()
		if err := os.WriteFile(filepath.Join(vectorDir, "sample-record-v4.bin"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		rep := reportText(record.VerifyBytes(raw, record.Options{Workers: 1}))
		if err := os.WriteFile(filepath.Join(vectorDir, "sample-record-v4.verify.txt"), rep, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw := readVector(t, "sample-record-v4.bin")
	rec, err := record.Decode(raw)
	if err != nil || !rec.V4() || !bytes.Equal(rec.Encode(), raw) {
		t.Fatalf("the version-4 sample does not decode and re-encode as version 4: %v", err)
	}
	got := reportText(record.VerifyBytes(raw, record.Options{Workers: 1}))
	if want := readVector(t, "sample-record-v4.verify.txt"); !bytes.Equal(got, want) {
		t.Fatalf("the version-4 report changed:\n--- checked in\n%s\n--- now\n%s", want, got)
	}
	if !strings.Contains(string(got), "election record VALID") || !strings.Contains(string(got), record.CheckBlind) {
		t.Fatalf("the version-4 sample does not verify with its blind signatures:\n%s", got)
	}
}
