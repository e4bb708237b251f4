package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	root "github.com/pnyx-party/pnyx"
	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

// cliRun serialises in-process CLI runs: the global flags (--home, --api,
// --key) land in package variables, and tests that wait out election
// windows run in parallel (t.Parallel) while only their CLI calls take turns.
var cliRun sync.Mutex

// pnyx runs the CLI in-process and returns its output. Each run builds a
// fresh command tree, so no flag value or context carries over from an
// earlier run.
func pnyx(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runCLI(nil, args...)
}

// runCLI is pnyx with stdin (when not nil) as the command's standard input.
func runCLI(stdin io.Reader, args ...string) (string, error) {
	cliRun.Lock()
	defer cliRun.Unlock()
	var out bytes.Buffer
	root := newRootCmd()
	root.SetOut(&out)
	root.SetErr(&out)
	if stdin != nil {
		root.SetIn(stdin)
	}
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

// startNode initialises a chain in a fresh home and starts its node with
// the API on a free port; it returns once the first block is committed, and
// the node stops when the test ends.
func startNode(t *testing.T, chainID string, nodeOpts node.Options) (string, *launch.Running) {
	t.Helper()
	home := t.TempDir()
	if _, err := launch.Init(home, launch.InitOptions{ChainID: chainID, P2PAddr: "tcp://127.0.0.1:0", RPCAddr: "off"}); err != nil {
		t.Fatal(err)
	}
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: nodeOpts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.WaitForBlocks(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return home, r
}

// TestDemoPasses runs the demo command on a fresh node, telling two
// modules' stories: e2e's TestScenariosOnANode runs every file through a
// node with the same runner, so the command itself is what this checks.
func TestDemoPasses(t *testing.T) {
	out, err := pnyx(t, "demo", "--module", "token", "--module", "org")
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	files, err := scenario.Files(root.Scenarios, root.DemoOrder)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, f := range files {
		if strings.HasPrefix(f, "modules/token/") || strings.HasPrefix(f, "modules/org/") {
			want++
		}
	}
	if !regexp.MustCompile(fmt.Sprintf(`(?m)^demo: %d passed, 0 failed$`, want)).MatchString(out) {
		t.Fatalf("no passing summary line for the %d files of token and org:\n%s", want, out)
	}
	if strings.Contains(out, "FAIL") || !strings.Contains(out, "points.txt") || !strings.Contains(out, "missing-role.txt") {
		t.Fatalf("a step failed or a file is missing:\n%s", out)
	}
	if _, err := pnyx(t, "demo", "--module", "nope"); err == nil || !strings.Contains(err.Error(), `no module "nope"`) {
		t.Fatalf("demo --module nope: %v", err)
	}
}

// TestCLIProofRoundTrip: an operator starts a node, a newcomer redeems a
// code with a fresh key, reads a proven balance, and checks the proof
// offline with `pnyx verify proof --genesis`; a tampered proof fails.
func TestCLIProofRoundTrip(t *testing.T) {
	home, r := startNode(t, "pnyx-cli", launch.Quiet())
	api := r.APIURL

	if out, err := pnyx(t, "--home", home, "--api", api, "member", "enroll", "--chapter", "hq", "--count", "1"); err != nil {
		t.Fatalf("enroll: %v\n%s", err, out)
	} else {
		lines := strings.Split(strings.TrimSpace(out), "\n")
		fields := strings.Split(lines[len(lines)-1], ",")
		code, id := fields[0], fields[1]
		if out, err := pnyx(t, "--home", home, "keys", "new", "newcomer"); err != nil {
			t.Fatal(err, out)
		}
		if out, err := pnyx(t, "--home", home, "--api", api, "--key", "newcomer", "member", "redeem", code); err != nil || !strings.Contains(out, id) {
			t.Fatalf("redeem: %v\n%s", err, out)
		}
		// The credential and the points are read off the member record.
		if out, err := pnyx(t, "--home", home, "--api", api, "--key", "newcomer", "token", "credential", id); err != nil ||
			!strings.Contains(out, `"status": "active"`) || !strings.Contains(out, `"member": "`+id+`"`) || !strings.Contains(out, `"issued_height"`) {
			t.Fatalf("credential: %v\n%s", err, out)
		}
		if out, err := pnyx(t, "--home", home, "--api", api, "--key", "newcomer", "token", "balance", id); err != nil || !strings.Contains(out, `"points": 100`) {
			t.Fatalf("balance: %v\n%s", err, out)
		}
		pf := filepath.Join(t.TempDir(), "balance.json")
		if out, err := pnyx(t, "--home", home, "--api", api, "--key", "newcomer", "token", "balance", id, "--prove", pf); err != nil || !strings.Contains(out, `"points":100`) {
			t.Fatalf("balance: %v\n%s", err, out)
		}
		genesis := filepath.Join(home, "config", "genesis.json")
		out, err := pnyx(t, "verify", "proof", pf, "--genesis", genesis)
		if err != nil || !strings.HasPrefix(out, "OK") {
			t.Fatalf("verify: %v\n%s", err, out)
		}
		raw, _ := os.ReadFile(pf)
		p, err := proof.Unmarshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		p.Entries[0].Value = bytes.Replace(p.Entries[0].Value, []byte(`"points":100`), []byte(`"points":900`), 1)
		tampered, _ := proof.Marshal(p)
		os.WriteFile(pf, tampered, 0o644)
		if out, err := pnyx(t, "verify", "proof", pf, "--genesis", genesis); err == nil {
			t.Fatalf("a tampered proof verified:\n%s", out)
		}
	}
}

// TestTestnetWritesHomes: `pnyx testnet` writes N homes sharing one genesis
// with N validators, each holding the HQ admin key and its own validator key.
func TestTestnetWritesHomes(t *testing.T) {
	out := t.TempDir()
	stdout, err := pnyx(t, "testnet", "--validators", "4", "--out", out, "--base-port", "36656")
	if err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	var genesis []byte
	admins := map[string]bool{}
	for i := 0; i < 4; i++ {
		home := filepath.Join(out, fmt.Sprintf("node%d", i))
		g, err := os.ReadFile(filepath.Join(home, "config", "genesis.json"))
		if err != nil {
			t.Fatal(err)
		}
		if genesis != nil && !bytes.Equal(g, genesis) {
			t.Fatalf("node%d has another genesis", i)
		}
		genesis = g
		k, err := keys.Load(home, launch.AdminKeyName)
		if err != nil {
			t.Fatal(err)
		}
		admins[hex.EncodeToString(k.Public().(ed25519.PublicKey))] = true
		if !strings.Contains(stdout, "pnyx start --home "+home) {
			t.Errorf("no start line for %s:\n%s", home, stdout)
		}
	}
	if len(admins) != 1 {
		t.Fatalf("homes hold %d different admin keys", len(admins))
	}
	var doc struct {
		Validators []json.RawMessage `json:"validators"`
	}
	if err := json.Unmarshal(genesis, &doc); err != nil || len(doc.Validators) != 4 {
		t.Fatalf("genesis validators: %d (%v)", len(doc.Validators), err)
	}
}

// TestBenchAssemblySummary: the benchmark runs end to end on a small
// convention and ends with its key=value summary line.
func TestBenchAssemblySummary(t *testing.T) {
	out, err := pnyx(t, "bench", "assembly", "--attendees", "40", "--batch", "10")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !regexp.MustCompile(`^attendees=40 checkins_per_s=\d+ finalize_ms=\d+$`).MatchString(lines[len(lines)-1]) {
		t.Fatalf("last line %q", lines[len(lines)-1])
	}
}

// waitForDeadline waits until the node's latest block is timed at or past
// one of an election's deadlines. The chain judges windows by block time,
// which trails the wall clock by a block or two, more on a loaded machine:
// a fixed sleep two seconds past the deadline by the test's own clock had
// its ballot judged a second before voting opened (CI of stop 23).
func waitForDeadline(t *testing.T, api, id string, deadline func(*election.Election) int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := client.New(api)
	e, ok := election.Get(c.ElectionState(ctx), id)
	if !ok {
		t.Fatalf("election %s not found", id)
	}
	want := deadline(e)
	for {
		var st wire.Status
		if err := c.Get(ctx, "/v1/status", nil, &st); err != nil {
			t.Fatalf("waiting for block time %d: %v", want, err)
		}
		if st.BlockTime.Unix() >= want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("block time stayed at %d, before %d", st.BlockTime.Unix(), want)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
