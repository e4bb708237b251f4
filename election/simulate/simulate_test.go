package simulate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/election/internal/testkeys"
	"github.com/pnyx-party/pnyx/election/record"
)

func seed(b byte) [32]byte { var s [32]byte; s[0] = b; return s }

func verify(t *testing.T, res *Result) *record.Report {
	t.Helper()
	rep := record.VerifyBytes(res.Record.Encode(), record.Options{})
	return rep
}

// Every n ≤ 5, k ≤ n, with the n-k lowest trustees absent at decryption.
func TestRoundTripEveryThreshold(t *testing.T) {
	for n := 1; n <= 5; n++ {
		for k := 1; k <= n; k++ {
			t.Run(fmt.Sprintf("n%d-k%d", n, k), func(t *testing.T) {
				res, err := Run(Config{Voters: 4, Options: 3, Trustees: n, Threshold: k, Issuers: 1,
					Revotes: 1, Absent: n - k, Spoiled: 1, Seed: seed(byte(10*n + k)),
					IssuerKeys: testkeys.RSA(1), FastCredentials: true})
				if err != nil {
					t.Fatal(err)
				}
				if !res.Match() {
					t.Fatalf("tally %v intent %v", res.Tally, res.Intent)
				}
				if rep := verify(t, res); !rep.OK() {
					t.Fatalf("verifier rejects: %v", rep.Failed())
				}
			})
		}
	}
}

func TestBlindIssuanceAndRevotes(t *testing.T) {
	res, err := Run(Config{Voters: 5, Options: 4, Trustees: 3, Threshold: 2, Issuers: 2,
		Revotes: 3, Absent: 1, Spoiled: 2, Seed: seed(1), IssuerKeys: testkeys.RSA(2)})
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Record
	if rec.CastCount != 8 || rec.Counted != 5 || rec.Replaced != 3 {
		t.Fatalf("counts %d/%d/%d", rec.CastCount, rec.Counted, rec.Replaced)
	}
	// Re-voters moved their vote one option up; only the last ballot counts.
	var total uint64
	for _, c := range res.Tally {
		total += c
	}
	if total != 5 || !res.Match() {
		t.Fatalf("tally %v intent %v", res.Tally, res.Intent)
	}
	if rep := verify(t, res); !rep.OK() {
		t.Fatalf("verifier rejects: %v", rep.Failed())
	}
}

func TestCheatingTrusteesDetected(t *testing.T) {
	res, err := Run(Config{Voters: 4, Options: 3, Trustees: 4, Threshold: 2, Issuers: 1,
		CheatingDealer: 2, CheatingDecryptor: 3, Seed: seed(2), IssuerKeys: testkeys.RSA(1), FastCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	ev := strings.Join(res.Events, "\n")
	if !strings.Contains(ev, "dealer 2 disqualified") || !strings.Contains(ev, "trustee 3 rejected") {
		t.Fatalf("events: %s", ev)
	}
	if fmt.Sprint(res.Record.Qualified) != "[1 3 4]" || !res.Match() {
		t.Fatalf("qual %v match %v", res.Record.Qualified, res.Match())
	}
	if rep := verify(t, res); !rep.OK() {
		t.Fatalf("verifier rejects an election that survived cheaters: %v", rep.Failed())
	}
}

func TestCheatingIssuerDetected(t *testing.T) {
	// An issuer that returns a bad blind signature is caught by the voter.
	res, err := Run(Config{Voters: 2, Options: 2, Trustees: 1, Threshold: 1, Issuers: 2,
		CheatingIssuer: 2, Seed: seed(3), IssuerKeys: testkeys.RSA(2)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(res.Events, "\n"), "issuer 1 returning an invalid blind signature") {
		t.Fatalf("events: %v", res.Events)
	}
	// Issuers that mint credentials off the log are caught by the record's
	// issuance bound.
	res, err = Run(Config{Voters: 3, Options: 2, Trustees: 1, Threshold: 1, Issuers: 1,
		ExtraCredentials: 2, Seed: seed(4), IssuerKeys: testkeys.RSA(1), FastCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	rep := verify(t, res)
	if fmt.Sprint(rep.Failed()) != "["+record.CheckIssuanceBound+"]" {
		t.Fatalf("failed checks %v", rep.Failed())
	}
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Voters: 3, Options: 2, Trustees: 2, Threshold: 2, Issuers: 1, Seed: seed(5),
		IssuerKeys: testkeys.RSA(1), FastCredentials: true}
	a, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 1
	b, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// RSA-PSS salts come from the voter streams too, so records are identical.
	if string(a.Record.Encode()) != string(b.Record.Encode()) {
		t.Fatal("same seed, different record")
	}
}
