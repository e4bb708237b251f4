package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/members"
)

// TestCLIElection runs an election with the CLI only, each participant
// with their own key and their secrets under HOME/election: the
// commissioner creates it; two trustees run their whole part with
// `trustee --wait` (reading only proven state) while the third steps
// through the ceremony by hand; issuers publish keys and answer requests;
// three voters request and fetch credentials and vote, choosing options by number
// from 1 or by name (one re-votes, one challenges an encryption and checks its opening); a tracking code is
// proven; the two waiting trustees decrypt once voting ends; the results
// print by option name; and the exported record verifies.
func TestCLIElection(t *testing.T) {
	t.Parallel() // waits out election windows, mostly idle
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
	run("comm", "election", "create", "cli-1", "--class", "responsible", "--title", "Chapter congress",
		"--contest", "Chair=Kim,Lee,Park", "--contest", "Council=Choi,Jung,Kang,Yoon@2",
		"--trustees", id["t1"]+","+id["t2"]+","+id["t3"], "--threshold", "2", "--issuers", id["i1"]+","+id["i2"],
		"--issue-start", "+0s", "--issue-end", "+18s", "--vote-start", "+15s", "--vote-end", "+24s", "--allow-overlap")
	// Trustees 2 and 3 run their whole part with --wait, each in its own
	// process; trustee 1 takes its steps by hand until the ceremony is done.
	waiting := map[string]*trusteeProcess{}
	for _, tr := range []string{"t2", "t3"} {
		waiting[tr] = startTrustee(t, "--home", home, "--api", r.APIURL, "--key", tr, "election", "trustee", "cli-1", "--wait", "--poll", "300ms", "--member", id[tr])
	}
	for step := 0; ; step++ {
		if out := run("t1", "election", "trustee", "cli-1"); strings.Contains(out, "acknowledgements and the issuers' keys") {
			break
		}
		if step == 100 {
			t.Fatal("the ceremony did not reach the acknowledgements")
		}
		time.Sleep(300 * time.Millisecond)
	}
	run("i1", "election", "issuer", "key", "cli-1")
	run("i2", "election", "issuer", "key", "cli-1")
	// The waiting trustees acknowledge on their next look.
	for step := 0; ; step++ {
		out := run("comm", "election", "show", "cli-1")
		if strings.Contains(out, `"status": "ready"`) {
			break
		}
		if step == 50 {
			t.Fatalf("not ready after the ceremony:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, v := range []string{"v1", "v2", "v3"} {
		run(v, "election", "request", "cli-1")
	}
	if out, err := pnyx(t, "--home", home, "--api", r.APIURL, "--key", "comm", "election", "request", "cli-1"); err == nil || !strings.Contains(err.Error(), "not eligible") {
		t.Fatalf("an ineligible request: %v\n%s", err, out)
	}
	run("i1", "election", "issuer", "issue", "cli-1")
	run("i2", "election", "issuer", "issue", "cli-1")
	for _, v := range []string{"v1", "v2", "v3"} {
		run(v, "election", "credentials", "cli-1")
	}

	waitForDeadline(t, r.APIURL, "cli-1", func(e *election.Election) int64 { return e.VoteStart })
	code := regexp.MustCompile(`tracking code \S+ \(full: ([0-9a-f]{64})\)`)
	// Options by number from 1, or by their text.
	out := run("v1", "election", "vote", "cli-1", "--choice", "1", "--choice", "1,2", "--max-delay", "0")
	first := code.FindStringSubmatch(out)
	if first == nil {
		t.Fatalf("no tracking code:\n%s", out)
	}
	run("v2", "election", "vote", "cli-1", "--choice", "Lee", "--choice", "Jung,yoon", "--max-delay", "0")
	run("v3", "election", "vote", "cli-1", "--choice", "2", "--choice", "4", "--max-delay", "0")
	run("v3", "election", "vote", "cli-1", "--choice", "Park", "--choice", "3,4", "--max-delay", "0") // re-vote: the last counts
	// A Benaloh challenge: encrypted first, code shown, then challenged;
	// nothing is sent and the opening checks on its own.
	chal := pnyxIn(t, "challenge\n", "--home", home, "--api", r.APIURL, "--key", "v1", "election", "vote", "cli-1", "--choice", "3", "--choice", "3")
	opening := regexp.MustCompile(`pnyx verify opening (\S+)`).FindStringSubmatch(chal)
	shown := regexp.MustCompile(`encryption code (\S+) `).FindStringSubmatch(chal)
	if opening == nil || shown == nil || strings.Contains(chal, "ballot cast") {
		t.Fatalf("challenge:\n%s", chal)
	}
	if got, err := pnyx(t, "verify", "opening", opening[1]); err != nil || !strings.Contains(got, "encryption code: "+shown[1]) || !strings.Contains(got, "Chair: 3. Park") {
		t.Fatalf("verify opening: %v\n%s", err, got)
	}
	// Against the election record, proven: the opening's ballot paper and
	// joint key are the election's. A device that encrypted under a key of
	// its own makes an opening that checks on its own and fails here.
	recProof := filepath.Join(t.TempDir(), "cli-1.json")
	run("v2", "election", "show", "cli-1", "--prove", recProof)
	genesis := filepath.Join(home, "config", "genesis.json")
	if got, err := pnyx(t, "verify", "opening", opening[1], "--election", recProof, "--genesis", genesis); err != nil || !strings.Contains(got, "ballot paper and joint key match") || !strings.Contains(got, "validators match") {
		t.Fatalf("verify opening --election: %v\n%s", err, got)
	}
	cheat := cheatingOpening(t, opening[1])
	if got, err := pnyx(t, "verify", "opening", cheat); err != nil {
		t.Fatalf("the cheating device's opening does not check on its own: %v\n%s", err, got)
	}
	if got, err := pnyx(t, "verify", "opening", cheat, "--election", recProof, "--genesis", genesis); err == nil || !strings.Contains(err.Error(), "not election cli-1's") || !strings.HasPrefix(got, "FAIL") {
		t.Fatalf("verify opening --election of an opening under another key: %v\n%s", err, got)
	}
	// One --choice for two contests, three options where two may be
	// chosen, option 0 or an unknown name never leave the machine.
	for _, bad := range [][]string{{"--choice", "1"}, {"--choice", "1", "--choice", "1,2,3"}, {"--choice", "0", "--choice", "1"}, {"--choice", "Moon", "--choice", "1"}} {
		if out, err := pnyx(t, append([]string{"--home", home, "--api", r.APIURL, "--key", "v2", "election", "vote", "cli-1"}, bad...)...); err == nil {
			t.Fatalf("vote %v accepted:\n%s", bad, out)
		}
	}
	pf := filepath.Join(t.TempDir(), "ballot.proof")
	if out := run("v1", "election", "track", "cli-1", first[1], "--prove", pf, "--genesis", filepath.Join(home, "config", "genesis.json")); !strings.Contains(out, "cast ballot") || !strings.Contains(out, "inclusion proven at height") || !strings.Contains(out, "validators match") {
		t.Fatalf("track:\n%s", out)
	}
	// The short code the voter was shown finds the same ballot.
	short := regexp.MustCompile(`tracking code ([0-9a-f]{4}(?:-[0-9a-f]{4}){4}) `).FindStringSubmatch(out)
	if short == nil || !strings.HasPrefix(first[1], strings.ReplaceAll(short[1], "-", "")) {
		t.Fatalf("no short code matching the full one:\n%s", out)
	}
	// The cast ballot is the encryption whose code was shown before the
	// cast-or-challenge question.
	enc := regexp.MustCompile(`encryption code (\S+) `).FindStringSubmatch(out)
	if got := run("v1", "election", "track", "cli-1", short[1]); !strings.Contains(got, "cast ballot") || !strings.Contains(got, "replaced by a later ballot: false") ||
		enc == nil || !strings.Contains(got, "encryption code "+enc[1]+" ") {
		t.Fatalf("track by short code:\n%s", got)
	}
	if got, err := pnyx(t, "--home", home, "--api", r.APIURL, "--key", "v2", "election", "track", "cli-1", short[1]); err == nil {
		t.Fatalf("v2 resolved v1's short code:\n%s", got)
	}
	if out, err := pnyx(t, "verify", "proof", pf, "--genesis", filepath.Join(home, "config", "genesis.json")); err != nil || !strings.HasPrefix(out, "OK") {
		t.Fatalf("verify proof: %v\n%s", err, out)
	}

	waitForDeadline(t, r.APIURL, "cli-1", func(e *election.Election) int64 { return e.VoteEnd })
	// Trustees 2 and 3 see voting end and post their shares; trustee 1
	// stays away.
	for tr, p := range waiting {
		out := p.wait(t, time.Minute)
		if !strings.Contains(out, "decryption share posted; the trustee's part is done") ||
			!regexp.MustCompile(`waiting for the end of voting at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d KST`).MatchString(out) {
			t.Fatalf("trustee %s --wait:\n%s", tr, out)
		}
	}
	out = run("comm", "election", "show", "cli-1", "--tally")
	if !strings.Contains(strings.Join(strings.Fields(out), ""), `"results":[[1,1,1],[1,2,1,2]]`) {
		t.Fatalf("results:\n%s", out)
	}
	for _, want := range []string{`(?m)^\s+1\. Kim\s+1$`, `(?m)^\s+2\. Jung\s+2$`, `(?m)^\s+4\. Yoon\s+2$`, `(?m)^phase at block time \S+ \S+ KST: published$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Fatalf("show --tally lacks %s:\n%s", want, out)
		}
	}
	rec := filepath.Join(t.TempDir(), "cli-1.pnyxrec")
	run("comm", "election", "record", "cli-1", "--out", rec, "--verify")
	// Version 5 from the node: every requester proven in the registry at
	// the election's eligibility height, checked by issuers.registry.
	if out := run("comm", "election", "record", "cli-1", "--out", rec+".v5", "--registry", "--verify"); !regexp.MustCompile(`issuers\.registry\s+pass`).MatchString(out) {
		t.Fatalf("the version-5 record from the node:\n%s", out)
	}
	// Issuance ran three seconds into voting, and the record says so.
	if out, err := pnyx(t, "verify", "election", rec); err != nil || !strings.Contains(out, "STAYED OPEN DURING VOTING") {
		t.Fatalf("verify election: %v\n%s", err, out)
	}
}

// trusteeProcess is `pnyx election trustee --wait` in its own process: the
// CLI's flags are package variables, so concurrent runs need processes.
type trusteeProcess struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan error
}

func startTrustee(t *testing.T, args ...string) *trusteeProcess {
	t.Helper()
	cmd := pnyxCommand(args...)
	p := &trusteeProcess{cmd: cmd, out: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	return p
}

// wait returns the process's output once it exits, failing the test if it
// fails or runs longer than d.
func (p *trusteeProcess) wait(t *testing.T, d time.Duration) string {
	t.Helper()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("%v: %v\n%s", p.cmd.Env[len(p.cmd.Env)-1], err, p.out)
		}
		return p.out.String()
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%v still running after %s:\n%s", p.cmd.Env[len(p.cmd.Env)-1], d, p.out)
		return ""
	}
}

// TestCLIElectionConcludesAtItsDeadline: `election create --ceremony-end
// --max-revotes` sets the deadline and the re-vote cap; a trustee who
// dealt but never checked stalls the ceremony until `election conclude`,
// refused before the deadline, computes the joint key past it; the
// trustee then acknowledges and the election becomes ready.
func TestCLIElectionConcludesAtItsDeadline(t *testing.T) {
	t.Parallel() // waits out election windows, mostly idle
	opts := launch.Quiet()
	opts.Config = func(c *node.Config) { c.Consensus.TimeoutCommit = 50 * time.Millisecond }
	home, r := startNode(t, "pnyx-cli-conclude", opts)
	try := func(key string, args ...string) (string, error) {
		t.Helper()
		return pnyx(t, append([]string{"--home", home, "--api", r.APIURL, "--key", key}, args...)...)
	}
	run := func(key string, args ...string) string {
		t.Helper()
		out, err := try(key, args...)
		if err != nil {
			t.Fatalf("pnyx %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	id := map[string]string{}
	for _, p := range []string{"comm", "t1", "t2", "t3", "i1"} {
		k, err := keys.New(home, p)
		if err != nil {
			t.Fatal(err)
		}
		pub := hex.EncodeToString(k.Public().(ed25519.PublicKey))
		id[p] = members.DeriveID(pub)
		run(launch.AdminKeyName, "member", "approve", pub, "--chapter", "hq", "--class", "general")
	}
	for p, role := range map[string]string{"comm": "election_commissioner", "t1": "trustee", "t2": "trustee", "t3": "trustee", "i1": "credential_issuer"} {
		run(launch.AdminKeyName, "role", "grant", id[p], role, "hq")
	}
	out := run("comm", "election", "create", "late-1", "--options", "Kim,Lee", "--max-revotes", "3", "--ceremony-end", "+8s",
		"--trustees", id["t1"]+","+id["t2"]+","+id["t3"], "--threshold", "2", "--issuers", id["i1"],
		"--issue-start", "+0s", "--issue-end", "+60s", "--vote-start", "+60s", "--vote-end", "+90s")
	if !regexp.MustCompile(`(?m)^key ceremony due\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d KST$`).MatchString(out) {
		t.Fatalf("create did not show the deadline in KST:\n%s", out)
	}
	if out := run("comm", "election", "show", "late-1"); !strings.Contains(out, `"max_revotes": 3`) || !strings.Contains(out, `"ceremony_end"`) {
		t.Fatalf("max_revotes or ceremony_end not in the election:\n%s", out)
	}
	// Every trustee posts its key; trustee 3 deals and then stays away.
	for _, tr := range []string{"t1", "t2", "t3"} {
		run(tr, "election", "trustee", "late-1")
	}
	run("t3", "election", "trustee", "late-1")
	for _, tr := range []string{"t1", "t2", "t1"} {
		run(tr, "election", "trustee", "late-1")
	}
	if out := run("t1", "election", "trustee", "late-1"); !strings.Contains(out, "waiting for the other trustees' checks and answers") {
		t.Fatalf("trustee 1 is not waiting for trustee 3's check:\n%s", out)
	}
	if out, err := try("comm", "election", "conclude", "late-1"); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("conclude before the deadline: %v\n%s", err, out)
	}
	waitForDeadline(t, r.APIURL, "late-1", func(e *election.Election) int64 { return e.CeremonyEnd })
	if out := run("comm", "election", "conclude", "late-1"); !strings.Contains(out, "joint key from trustees [1 2 3]") {
		t.Fatalf("conclude:\n%s", out)
	}
	for _, tr := range []string{"t1", "t2", "t3"} {
		run(tr, "election", "trustee", "late-1")
	}
	run("i1", "election", "issuer", "key", "late-1")
	if out := run("comm", "election", "show", "late-1"); !strings.Contains(out, `"status": "ready"`) || !strings.Contains(out, "voting ") {
		t.Fatalf("not ready after the concluded ceremony:\n%s", out)
	}
}

// cheatingOpening writes the opening a cheating device would make for the
// choices of the opening in file: the same ballot paper, encrypted under a
// joint key of its own (the generator's, whose secret is 1).
func cheatingOpening(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ballot.VerifyOpening(raw)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ballot.NewElection(o.Manifest, group.Generator(), []*rsa.PublicKey{&issuer.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	k, err := ballot.NewOneTimeKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, rv, err := ballot.Encrypt(rand.Reader, e, k, [][]byte{make([]byte, credential.Size(&issuer.PublicKey))}, o.Reveal.Choices)
	if err != nil {
		t.Fatal(err)
	}
	cheat, err := ballot.NewOpening(rand.Reader, e, b, rv)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cheat.bin")
	if err := os.WriteFile(out, cheat.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
