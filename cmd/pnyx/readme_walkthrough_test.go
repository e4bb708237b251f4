package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/modules/org"
)

// The README's officials' walkthrough is a list of shell commands a reader
// pastes in order. This test runs exactly those commands, so the README
// cannot drift from the CLI: every ```sh block between the two markers
// below, in order, in one bash with errexit, against a fresh node.
const (
	walkthroughStart = "<!-- walkthrough:start"
	walkthroughEnd   = "<!-- walkthrough:end -->"
	// A command followed by a comment line starting with this prefix is one
	// the README shows failing: it must fail, and its output must contain
	// the comment's text, "…" standing for any text.
	expectedErrorPrefix = "# pnyx: error"
)

// walkthroughLine is one line of the walkthrough's shell blocks and its
// line number in README.md.
type walkthroughLine struct {
	no   int
	text string
}

// readmeWalkthrough extracts the shell blocks between the markers.
func readmeWalkthrough(readme []byte) ([]walkthroughLine, error) {
	var out []walkthroughLine
	in, inBlock, started, ended := false, false, false, false
	for i, line := range strings.Split(string(readme), "\n") {
		no := i + 1
		switch {
		case strings.HasPrefix(line, walkthroughStart):
			in, started = true, true
		case strings.HasPrefix(line, walkthroughEnd):
			if inBlock {
				return nil, fmt.Errorf("README.md line %d: the walkthrough ends inside a shell block", no)
			}
			in, ended = false, true
		case !in:
		case !inBlock && line == "```sh":
			inBlock = true
		case inBlock && line == "```":
			inBlock = false
		case inBlock:
			out = append(out, walkthroughLine{no, line})
		}
	}
	if !started || !ended || len(out) == 0 {
		return nil, fmt.Errorf("README.md has no ```sh blocks between %q and %q", walkthroughStart, walkthroughEnd)
	}
	return out, nil
}

// shellQuote quotes s for bash.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// walkthroughScript turns the walkthrough into a bash script with one
// script line per README line (so a failing line maps back), preceded by a
// fixed header. A failure is reported into the file $__fail as
// "S <script line> <status>" (a command failed) or "R <README line>
// <reason>" (an expected failure did not happen as the README says).
func walkthroughScript(lines []walkthroughLine) (script string, header int, err error) {
	head := []string{
		`set -eEo pipefail`,
		`trap '__rc=$?; echo "S $LINENO $__rc" >>"$__fail"; exit $__rc' ERR`,
		`trap 'echo "$EPOCHREALTIME $LINENO" >>"$__trace"' DEBUG`,
		`__expect() {`,
		`  local line=$1 n=$2; shift 2`,
		`  local frags=("${@:1:n}"); shift "$n"`,
		`  local out`,
		`  if out=$("$@" 2>&1); then printf '%s\n' "$out"; echo "R $line succeeded, but the README shows it failing" >>"$__fail"; exit 1; fi`,
		`  printf '%s\n' "$out"`,
		`  local rest=$out f`,
		`  for f in "${frags[@]}"; do`,
		`    case $rest in *"$f"*) rest=${rest#*"$f"} ;; *) echo "R $line failed without the README's text: $f" >>"$__fail"; exit 1 ;; esac`,
		`  done`,
		`}`,
	}
	var b strings.Builder
	for _, h := range head {
		b.WriteString(h + "\n")
	}
	for i, l := range lines {
		text := l.text
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1].text, expectedErrorPrefix) {
			if strings.HasSuffix(text, `\`) || (i > 0 && strings.HasSuffix(lines[i-1].text, `\`)) || strings.ContainsAny(text, "|><;&") {
				return "", 0, fmt.Errorf("README.md line %d: a command shown failing must be one simple command on one line", l.no)
			}
			want := strings.TrimPrefix(lines[i+1].text, "# ")
			var frags []string
			for _, f := range strings.Split(want, "…") {
				if f = strings.TrimSpace(f); f != "" {
					frags = append(frags, shellQuote(f))
				}
			}
			text = fmt.Sprintf("__expect %d %d %s %s", l.no, len(frags), strings.Join(frags, " "), text)
		}
		b.WriteString(text + "\n")
	}
	return b.String(), len(head), nil
}

// commandAt shows the README command around line idx of lines: the whole
// command when it continues over several lines.
func commandAt(lines []walkthroughLine, idx int) string {
	start, end := idx, idx
	for start > 0 && strings.HasSuffix(lines[start-1].text, `\`) {
		start--
	}
	for end+1 < len(lines) && strings.HasSuffix(lines[end].text, `\`) {
		end++
	}
	var b strings.Builder
	for _, l := range lines[start : end+1] {
		fmt.Fprintf(&b, "  README.md:%d  %s\n", l.no, l.text)
	}
	return b.String()
}

func TestReadmeWalkthroughExtraction(t *testing.T) {
	readme := []byte("intro\n```sh\nnot run\n```\n<!-- walkthrough:start x -->\ntext\n```sh\na \\\n  b\nc\n# pnyx: error 7 (x): m… lacks\n```\n```go\nno\n```\n<!-- walkthrough:end -->\n```sh\nafter\n```\n")
	lines, err := readmeWalkthrough(readme)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%d:%s", l.no, l.text))
	}
	if want := []string{`8:a \`, "9:  b", "10:c", "11:# pnyx: error 7 (x): m… lacks"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("extracted %q, want %q", got, want)
	}
	script, _, err := walkthroughScript(lines)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(script, "\n__expect 10 2 'pnyx: error 7 (x): m' 'lacks' c\n") {
		t.Fatalf("expected failure not wrapped:\n%s", script)
	}
	if got := commandAt(lines, 1); !strings.Contains(got, "README.md:8  a") || !strings.Contains(got, "README.md:9") {
		t.Fatalf("commandAt: %q", got)
	}
	if _, err := readmeWalkthrough([]byte("no markers\n")); err == nil {
		t.Fatal("a README without the walkthrough markers passed")
	}
	if _, _, err := walkthroughScript([]walkthroughLine{{1, "a | b"}, {2, "# pnyx: error 1"}}); err == nil {
		t.Fatal("a pipeline shown failing was accepted")
	}
}

// TestREADMEWalkthrough builds pnyx once, puts it on PATH, starts a fresh
// node on free ports in a temporary home (PNYX_HOME) with PNYX_API set to
// its API, and runs the README walkthrough's commands in order in a
// temporary folder. It fails naming the first README command that fails,
// with the output so far and the background jobs' logs.
func TestREADMEWalkthrough(t *testing.T) {
	t.Parallel() // waits out election windows, mostly idle
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := readmeWalkthrough(readme)
	if err != nil {
		t.Fatal(err)
	}
	script, header, err := walkthroughScript(lines)
	if err != nil {
		t.Fatal(err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("the walkthrough is bash: ", err)
	}

	bin := t.TempDir()
	began := time.Now()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "pnyx"), ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built pnyx in %s", time.Since(began).Round(time.Millisecond))
	home, work := t.TempDir(), t.TempDir()
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "PNYX_HOME="+home, "HOME="+t.TempDir())
	pnyxCmd := func(args ...string) *exec.Cmd {
		c := exec.Command(filepath.Join(bin, "pnyx"), args...)
		c.Env = env
		return c
	}
	if out, err := pnyxCmd("init", "--p2p-addr", "tcp://127.0.0.1:0", "--rpc-addr", "off").CombinedOutput(); err != nil {
		t.Fatalf("pnyx init: %v\n%s", err, out)
	}
	// A quiet chain makes an empty block only every 30 s, and an election's
	// phases follow block time: the walkthrough's practice election would
	// wait up to that long for its close. One second keeps the test short;
	// nothing else about the node differs from `pnyx start`'s.
	cfgPath := filepath.Join(home, "config", "config.toml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^create_empty_blocks_interval = ".*"$`)
	if !re.Match(cfg) {
		t.Fatalf("%s has no create_empty_blocks_interval", cfgPath)
	}
	if err := os.WriteFile(cfgPath, re.ReplaceAll(cfg, []byte(`create_empty_blocks_interval = "1s"`)), 0o644); err != nil {
		t.Fatal(err)
	}

	node := pnyxCmd("start", "--api-addr", "127.0.0.1:0")
	stdout, err := node.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var nodeErr bytes.Buffer
	node.Stderr = &nodeErr
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		node.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { node.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			node.Process.Kill()
		}
	})
	apiURL := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`API listening on (\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				apiURL <- m[1]
			}
		}
		close(apiURL)
	}()
	var api string
	select {
	case u, ok := <-apiURL:
		if !ok {
			t.Fatalf("pnyx start ended before its API listened:\n%s", nodeErr.String())
		}
		api = u
	case <-time.After(time.Minute):
		t.Fatalf("pnyx start: no API within a minute:\n%s", nodeErr.String())
	}

	fail := filepath.Join(t.TempDir(), "fail")
	scriptPath := filepath.Join(t.TempDir(), "walkthrough.sh")
	if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, bash, scriptPath)
	sh.Dir = work
	trace := filepath.Join(t.TempDir(), "trace")
	sh.Env = append(env, "PNYX_API="+api, "__fail="+fail, "__trace="+trace)
	// Its own process group, so the walkthrough's background jobs (the
	// trustees) end with it whatever happens.
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	sh.Cancel = func() error { return syscall.Kill(-sh.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	sh.Stdout, sh.Stderr = &out, &out
	began = time.Now()
	runErr := sh.Run()
	t.Logf("ran the walkthrough's %d README lines in %s", len(lines), time.Since(began).Round(time.Millisecond))
	if sh.Process != nil {
		syscall.Kill(-sh.Process.Pid, syscall.SIGKILL)
	}
	if runErr == nil {
		logSlowest(t, trace, lines, header)
		return
	}

	// Name the first failing README command.
	what := "the walkthrough failed (" + runErr.Error() + ")"
	if ctx.Err() != nil {
		what = "the walkthrough did not finish within 3 minutes"
	}
	where := ""
	if rep, err := os.ReadFile(fail); err == nil && len(rep) > 0 {
		first := strings.SplitN(strings.TrimSpace(string(rep)), "\n", 2)[0]
		var kind string
		var n int
		var rest string
		fmt.Sscanf(first, "%s %d", &kind, &n)
		if f := strings.SplitN(first, " ", 3); len(f) == 3 {
			rest = f[2]
		}
		switch kind {
		case "S":
			if idx := n - header - 1; idx >= 0 && idx < len(lines) {
				where = commandAt(lines, idx)
				what = "this README command failed with exit status " + rest
			}
		case "R":
			for idx, l := range lines {
				if l.no == n {
					where = commandAt(lines, idx)
				}
			}
			what = "this README command " + rest
		}
	}
	logs := ""
	if matches, _ := filepath.Glob(filepath.Join(work, "*.log")); len(matches) > 0 {
		for _, m := range matches {
			b, _ := os.ReadFile(m)
			logs += fmt.Sprintf("--- %s:\n%s", filepath.Base(m), tail(string(b), 15))
		}
	}
	t.Fatalf("%s:\n%s\noutput (last lines):\n%s\n%s", what, where, tail(out.String(), 40), logs)
}

// logSlowest logs the README lines the walkthrough spent most time on,
// from the trace the script's DEBUG trap writes (the time each simple
// command starts, and its script line).
func logSlowest(t *testing.T, trace string, lines []walkthroughLine, header int) {
	raw, err := os.ReadFile(trace)
	if err != nil {
		return
	}
	spent := map[int]float64{}
	var prevAt float64
	prevLine := -1
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var at float64
		var n int
		if _, err := fmt.Sscanf(l, "%f %d", &at, &n); err != nil {
			continue
		}
		if prevLine >= 0 {
			spent[prevLine] += at - prevAt
		}
		prevAt, prevLine = at, n-header-1
	}
	var top []string
	for len(top) < 5 && len(spent) > 0 {
		best := -1
		for i, d := range spent {
			if best < 0 || d > spent[best] || (d == spent[best] && i < best) {
				best = i
			}
		}
		if best >= 0 && best < len(lines) {
			top = append(top, fmt.Sprintf("%5.1fs README.md:%d %s", spent[best], lines[best].no, lines[best].text))
		}
		delete(spent, best)
	}
	t.Logf("slowest README lines:\n%s", strings.Join(top, "\n"))
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestChairSignatureFile: the file `assembly sign --out` writes carries
// the chair and the signature to the secretary's --chair-sig, and a file
// for another meeting, another kind or a record that changed since is
// refused before anything is sent; a signature in hex still needs --chair.
func TestChairSignatureFile(t *testing.T) {
	hash := bytes.Repeat([]byte{7}, 32)
	sig := strings.Repeat("ab", 64)
	dir := t.TempDir()
	write := func(cs chairSignature) string {
		raw, _ := json.Marshal(cs)
		p := filepath.Join(dir, fmt.Sprintf("%d.json", time.Now().UnixNano()))
		os.WriteFile(p, raw, 0o644)
		return p
	}
	good := chairSignature{Kind: "finalize", Meeting: "council.1", Hash: hex.EncodeToString(hash), Chair: "m1", Signature: sig}
	chair, got, err := chairSigFrom("finalize", "council.1", hash, "", write(good))
	if err != nil || chair != "m1" || got != sig {
		t.Fatalf("good file: %q %q %v", chair, got, err)
	}
	for name, c := range map[string]struct {
		cs    chairSignature
		chair string
		want  string
	}{
		"other meeting": {chairSignature{Kind: "finalize", Meeting: "council.2", Hash: good.Hash, Chair: "m1", Signature: sig}, "", "not a finalize signature for council.1"},
		"other kind":    {chairSignature{Kind: "erratum", Meeting: "council.1", Hash: good.Hash, Chair: "m1", Signature: sig}, "", "not a finalize signature"},
		"stale record":  {chairSignature{Kind: "finalize", Meeting: "council.1", Hash: strings.Repeat("00", 32), Chair: "m1", Signature: sig}, "", "sign again"},
		"other chair":   {good, "m2", "not by --chair m2"},
	} {
		if _, _, err := chairSigFrom("finalize", "council.1", hash, c.chair, write(c.cs)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
	if _, _, err := chairSigFrom("finalize", "council.1", hash, "", sig); err == nil || !strings.Contains(err.Error(), "--chair is required") {
		t.Errorf("hex without --chair: %v", err)
	}
	if c, s, err := chairSigFrom("finalize", "council.1", hash, "m9", sig); err != nil || c != "m9" || s != sig {
		t.Errorf("hex with --chair: %q %q %v", c, s, err)
	}
	if _, _, err := chairSigFrom("finalize", "council.1", hash, "", filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file was accepted")
	}
}

// TestREADMERolesTable: the walkthrough's table of roles names every role
// of modules/org, in its order, and no other.
func TestREADMERolesTable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(string(readme), -1) {
		got = append(got, m[1])
	}
	var want []string
	for _, r := range org.Roles {
		want = append(want, string(r))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("README's roles table lists %v; modules/org has %v", got, want)
	}
}

// TestCLIChairSignatureTravelsOnChain: the chair's `assembly sign` puts the
// signature on chain and the secretary's `assembly finalize` takes it from
// there; finalize before the chair signed, or after the record changed
// since, says what to do and sends nothing.
func TestCLIChairSignatureTravelsOnChain(t *testing.T) {
	home, r := startNode(t, "pnyx-cli-chair", launch.Quiet())
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
	for _, p := range []string{"chair", "secretary"} {
		run(launch.AdminKeyName, "keys", "new", p)
		run(launch.AdminKeyName, "member", "approve", strings.TrimSpace(run(launch.AdminKeyName, "keys", "pub", p)), "--chapter", "hq", "--class", "responsible")
		id[p] = strings.TrimSpace(run(launch.AdminKeyName, "keys", "id", p))
	}
	run(launch.AdminKeyName, "role", "grant", id["secretary"], "secretary", "hq")
	run(launch.AdminKeyName, "assembly", "body-create", "council", "--chapter", "hq", "--name", "Council")
	run(launch.AdminKeyName, "assembly", "mandate", "council", id["chair"], "chair")
	run("secretary", "assembly", "schedule", "council", "--title", "First", "--at", "2026-12-01", "--agenda", "Budget")
	run("secretary", "assembly", "open", "council.1")
	run("chair", "assembly", "check-in", "council.1")
	run("secretary", "assembly", "close", "council.1")
	minutes := filepath.Join(t.TempDir(), "minutes.md")
	os.WriteFile(minutes, []byte("first minutes\n"), 0o644)
	run("secretary", "assembly", "minutes", "council.1", minutes)

	if out, err := try("secretary", "assembly", "finalize", "council.1"); err == nil || !strings.Contains(err.Error(), "the chair has not signed council.1 yet") {
		t.Fatalf("finalize before the chair signed: %v\n%s", err, out)
	}
	run("chair", "assembly", "sign", "council.1")
	// The secretary corrects the minutes after the chair signed: the
	// signature no longer covers the record.
	os.WriteFile(minutes, []byte("corrected minutes\n"), 0o644)
	run("secretary", "assembly", "minutes", "council.1", minutes)
	if out, err := try("secretary", "assembly", "finalize", "council.1"); err == nil || !strings.Contains(err.Error(), "the chair signs again") {
		t.Fatalf("finalize over a changed record: %v\n%s", err, out)
	}
	run("chair", "assembly", "sign", "council.1")
	run("secretary", "assembly", "finalize", "council.1")
	if out := run(launch.AdminKeyName, "assembly", "show", "council.1"); !strings.Contains(out, `"state": "finalized"`) || !strings.Contains(out, id["chair"]) {
		t.Fatalf("not finalized with the chair's signature:\n%s", out)
	}
}
