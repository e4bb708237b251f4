package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/modules/members"
)

// TestCLIElection runs an election with the CLI only, each participant
// with their own key and their secrets under HOME/election: the
// commissioner creates it, trustees step through the ceremony, issuers
// publish keys and answer requests, three voters request credentials and
// vote (one re-votes, one spoils a ballot), a tracking code is proven, two
// trustees decrypt, and the exported record verifies.
func TestCLIElection(t *testing.T) {
	opts := launch.Quiet()
	opts.Config = func(c *node.Config) { c.Consensus.TimeoutCommit = 50 * time.Millisecond }
	home, r := startNode(t, "pnyx-cli-el", opts)
	run := func(key string, args ...string) string {
		t.Helper()
		out, err := pnyx(t, append([]string{"--home", home, "--api", r.APIURL, "--key", key}, args...)...)
		if err != nil {
			t.Fatalf("pnyx %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	id := map[string]string{}
	for _, p := range []string{"comm", "t1", "t2", "t3", "i1", "i2", "v1", "v2", "v3"} {
		k, err := keys.New(home, p)
		if err != nil {
			t.Fatal(err)
		}
		pub := hex.EncodeToString(k.Public().(ed25519.PublicKey))
		id[p] = members.DeriveID(pub)
		class := "general"
		if p[0] == 'v' {
			class = "responsible"
		}
		run(launch.AdminKeyName, "member", "approve", pub, "--chapter", "hq", "--class", class)
	}
	for p, role := range map[string]string{"comm": "election_commissioner", "t1": "trustee", "t2": "trustee", "t3": "trustee", "i1": "credential_issuer", "i2": "credential_issuer"} {
		run(launch.AdminKeyName, "role", "grant", id[p], role, "hq")
	}
	created := time.Now()
	run("comm", "election", "create", "cli-1", "--class", "responsible", "--title", "Chapter congress",
		"--contest", "Chair=Kim,Lee,Park", "--contest", "Council=Choi,Jung,Kang,Yoon@2",
		"--trustees", id["t1"]+","+id["t2"]+","+id["t3"], "--threshold", "2", "--issuers", id["i1"]+","+id["i2"],
		"--issue-start", "+0s", "--issue-end", "+18s", "--vote-start", "+15s", "--vote-end", "+24s", "--allow-overlap")
	for round := 0; round < 3; round++ {
		for _, tr := range []string{"t1", "t2", "t3"} {
			run(tr, "election", "trustee", "cli-1")
		}
	}
	run("i1", "election", "issuer", "key", "cli-1")
	run("i2", "election", "issuer", "key", "cli-1")
	if out := run("comm", "election", "show", "cli-1"); !strings.Contains(out, `"status": "ready"`) {
		t.Fatalf("not ready after the ceremony:\n%s", out)
	}
	for _, v := range []string{"v1", "v2", "v3"} {
		run(v, "election", "request", "cli-1")
	}
	if out, err := pnyx(t, "--home", home, "--api", r.APIURL, "--key", "comm", "election", "request", "cli-1"); err == nil || !strings.Contains(err.Error(), "not eligible") {
		t.Fatalf("an ineligible request: %v\n%s", err, out)
	}
	run("i1", "election", "issuer", "issue", "cli-1")
	run("i2", "election", "issuer", "issue", "cli-1")

	time.Sleep(time.Until(created.Add(16 * time.Second)))
	// CheckTx judges windows by the last block's time, and a quiet chain
	// makes empty blocks rarely. A block's time is when the block before it
	// was committed, so two transactions in a row bring it to now.
	run("comm", "token", "burn", "1")
	run("comm", "token", "burn", "1")
	code := regexp.MustCompile(`full: ([0-9a-f]{64})`)
	out := run("v1", "election", "vote", "cli-1", "--choice", "0", "--choice", "0,1", "--spoil=false")
	first := code.FindStringSubmatch(out)
	if first == nil {
		t.Fatalf("no tracking code:\n%s", out)
	}
	run("v2", "election", "vote", "cli-1", "--choice", "1", "--choice", "1,3", "--spoil=false")
	run("v3", "election", "vote", "cli-1", "--choice", "1", "--choice", "3", "--spoil=false")
	run("v3", "election", "vote", "cli-1", "--choice", "2", "--choice", "2,3", "--spoil=false") // re-vote: the last counts
	run("v1", "election", "vote", "cli-1", "--choice", "2", "--choice", "2", "--spoil")         // Benaloh challenge, not counted
	// One --choice for two contests, or three options where two may be chosen, never leave the machine.
	for _, bad := range [][]string{{"--choice", "1"}, {"--choice", "1", "--choice", "0,1,2"}} {
		if out, err := pnyx(t, append([]string{"--home", home, "--api", r.APIURL, "--key", "v2", "election", "vote", "cli-1"}, bad...)...); err == nil {
			t.Fatalf("vote %v accepted:\n%s", bad, out)
		}
	}
	pf := filepath.Join(t.TempDir(), "ballot.proof")
	if out := run("v1", "election", "track", "cli-1", first[1], "--prove", pf); !strings.Contains(out, "cast ballot") {
		t.Fatalf("track:\n%s", out)
	}
	if out, err := pnyx(t, "verify", "proof", pf, "--genesis", filepath.Join(home, "config", "genesis.json")); err != nil || !strings.HasPrefix(out, "OK") {
		t.Fatalf("verify proof: %v\n%s", err, out)
	}

	time.Sleep(time.Until(created.Add(25 * time.Second)))
	run("comm", "token", "burn", "1")
	run("comm", "token", "burn", "1")
	run("t2", "election", "trustee", "cli-1")
	run("t3", "election", "trustee", "cli-1") // trustee 1 stays away
	if out := run("comm", "election", "show", "cli-1", "--tally"); !strings.Contains(strings.Join(strings.Fields(out), ""), `"results":[[1,1,1],[1,2,1,2]]`) {
		t.Fatalf("results:\n%s", out)
	}
	rec := filepath.Join(t.TempDir(), "cli-1.pnyxrec")
	run("comm", "election", "record", "cli-1", "--out", rec, "--verify")
	// Issuance ran three seconds into voting, and the record says so.
	if out, err := pnyx(t, "verify", "election", rec); err != nil || !strings.Contains(out, "STAYED OPEN DURING VOTING") {
		t.Fatalf("verify election: %v\n%s", err, out)
	}
}
