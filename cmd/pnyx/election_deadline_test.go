package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/modules/members"
)

// TestDeadlinesFollowTheClock runs on a real node with pnyx's own empty-block
// interval (30 s), no helper transactions: the chain is left idle before
// voting opens, a ballot sent 2 s after the announced opening is accepted,
// and one sent 2 s after the announced close is refused (issue 11, finding
// 4). Before the fix, block time lagged the clock by up to the empty-block
// interval: the first ballot was refused as "issuing" and the late one was
// accepted and counted.
func TestDeadlinesFollowTheClock(t *testing.T) {
	t.Parallel() // waits out election windows, mostly idle
	home, r := startNode(t, "pnyx-deadline", launch.Quiet())
	run := func(key string, args ...string) string {
		t.Helper()
		out, err := pnyx(t, append([]string{"--home", home, "--api", r.APIURL, "--key", key}, args...)...)
		if err != nil {
			t.Fatalf("pnyx %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	id := map[string]string{}
	for _, p := range []string{"comm", "t1", "i1", "v1"} {
		k, err := keys.New(home, p)
		if err != nil {
			t.Fatal(err)
		}
		pub := hex.EncodeToString(k.Public().(ed25519.PublicKey))
		id[p] = members.DeriveID(pub)
		run(launch.AdminKeyName, "member", "approve", pub, "--chapter", "hq", "--class", "general")
	}
	for p, role := range map[string]string{"comm": "election_commissioner", "t1": "trustee", "i1": "credential_issuer"} {
		run(launch.AdminKeyName, "role", "grant", id[p], role, "hq")
	}
	created := time.Now().Truncate(time.Second).Add(time.Second)
	at := func(d time.Duration) string { return created.Add(d).UTC().Format(time.RFC3339) }
	open, close := created.Add(60*time.Second), created.Add(75*time.Second)
	run("comm", "election", "create", "clock-1", "--title", "Clock", "--contest", "Chair=Kim,Lee",
		"--trustees", id["t1"], "--threshold", "1", "--issuers", id["i1"],
		"--issue-start", at(0), "--issue-end", at(60*time.Second), "--vote-start", at(60*time.Second), "--vote-end", at(75*time.Second))
	for step := 0; ; step++ {
		run("t1", "election", "trustee", "clock-1", "--member", id["t1"])
		run("i1", "election", "issuer", "key", "clock-1")
		if out := run("comm", "election", "show", "clock-1"); strings.Contains(out, `"status": "ready"`) {
			break
		}
		if step == 30 {
			t.Fatal("the ceremony did not finish")
		}
		time.Sleep(300 * time.Millisecond)
	}
	run("v1", "election", "request", "clock-1")
	run("i1", "election", "issuer", "issue", "clock-1")
	run("v1", "election", "credentials", "clock-1")
	if time.Until(open) < 10*time.Second {
		t.Fatalf("the setup took until %v before opening: the chain was not left idle", time.Until(open))
	}

	time.Sleep(time.Until(open.Add(2 * time.Second)))
	if out, err := pnyx(t, "--home", home, "--api", r.APIURL, "--key", "v1", "election", "vote", "clock-1", "--choice", "1", "--max-delay", "0"); err != nil || !strings.Contains(out, "ballot cast") {
		t.Fatalf("a ballot 2 s after opening: %v\n%s", err, out)
	}
	time.Sleep(time.Until(close.Add(2 * time.Second)))
	out, err := pnyx(t, "--home", home, "--api", r.APIURL, "--key", "v1", "election", "vote", "clock-1", "--choice", "2", "--max-delay", "0")
	if err == nil || !strings.Contains(err.Error(), "wrong_phase") && !strings.Contains(err.Error(), "phase") {
		t.Fatalf("a ballot 2 s after the close: %v\n%s", err, out)
	}
}

// pnyxIn runs the CLI like pnyx, with stdin as its standard input, and
// fails the test on an error.
func pnyxIn(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := runCLI(strings.NewReader(stdin), args...)
	if err != nil {
		t.Fatalf("pnyx %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}
