package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// An election simulated by the CLI verifies with the CLI; one flipped byte
// in the record makes `pnyx verify election` fail and say which check.
func TestCLIElectionSimulateAndVerify(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "record.bin")
	out, err := pnyx(t, "election", "simulate", "--voters", "6", "--options", "3", "--trustees", "3",
		"--threshold", "2", "--issuers", "1", "--revotes", "2", "--absent", "1", "--spoiled", "1",
		"--seed", strings.Repeat("ab", 32), "--out", rec)
	if err != nil || !strings.Contains(out, "result equals intent: true") {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	out, err = pnyx(t, "verify", "election", rec)
	if err != nil || !strings.Contains(out, "election record VALID: 8 ballots, 6 counted") ||
		strings.Count(out, "PASS ") != 22 {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(rec)
	data[len(data)-30] ^= 1 // inside the last result
	os.WriteFile(rec, data, 0o644)
	out, err = pnyx(t, "verify", "election", rec)
	if err == nil || !strings.Contains(out, "FAIL  tally.results") {
		t.Fatalf("tampered record accepted: %v\n%s", err, out)
	}
}

func TestCLIBenchVerifySummary(t *testing.T) {
	out, err := pnyx(t, "bench", "verify", "--ballots", "12", "--options", "10", "--issuers", "1", "--sample", "12")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^ballots=12 options=10 verify_ms_per_ballot=[0-9.]+ naive_ms_per_ballot=[0-9.]+ encrypt_ms_per_ballot=[0-9.]+ `).MatchString(last) {
		t.Fatalf("summary line: %q", last)
	}
}

// A version-4 record from the CLI carries the timeline and the issuers'
// blind signatures, and the CLI's verifier checks both.
func TestCLISimulateVersion4(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "record.bin")
	if out, err := pnyx(t, "election", "simulate", "--voters", "4", "--options", "3", "--issuers", "2", "--spoiled", "1",
		"--record-version", "4", "--seed", strings.Repeat("cd", 32), "--out", rec); err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	out, err := pnyx(t, "verify", "election", rec)
	if err != nil || !strings.Contains(out, "PASS  issuers.blind_signatures") || !strings.Contains(out, "PASS  election.timeline") || strings.Count(out, "PASS ") != 25 {
		t.Fatalf("verify: %v\n%s", err, out)
	}
}
