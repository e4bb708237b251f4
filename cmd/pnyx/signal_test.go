package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
	"github.com/pnyx-party/pnyx/modules/org"
)

// TestMain lets the test binary act as the pnyx command, so a test can run
// `pnyx start` as a real process and send it signals: pnyxCommand runs it
// so. A command that starts pnyx itself (`bench registry` runs `pnyx start`
// with os.Executable) starts the test binary again, which inherits
// PNYX_TEST_RUN_MAIN and so is pnyx too.
func TestMain(m *testing.M) {
	if os.Getenv("PNYX_TEST_RUN_MAIN") == "1" {
		os.Args[0] = "pnyx"
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// pnyxCommand is `pnyx args...` as a process of its own: this test binary,
// which TestMain turns into the pnyx command.
func pnyxCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "PNYX_TEST_RUN_MAIN=1")
	return cmd
}

// startProcess runs `pnyx start` in its own process and waits for its API.
// The node listens for peers on a free port with CometBFT's RPC off, so it
// never collides with another node on the machine; extra flags follow. If
// the process ends first, the test fails with what it printed.
func startProcess(t *testing.T, home, apiAddr string, extra ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd, lines, _ := startProcessPrinted(t, home, apiAddr, extra...)
	return cmd, lines
}

// startProcessPrinted is startProcess that also returns the lines printed
// up to the API's announcement.
func startProcessPrinted(t *testing.T, home, apiAddr string, extra ...string) (*exec.Cmd, *bufio.Scanner, string) {
	t.Helper()
	args := append([]string{"start", "--home", home, "--api-addr", apiAddr, "--log-level", "none",
		"--p2p-addr", "tcp://127.0.0.1:0", "--rpc-addr", "off"}, extra...)
	cmd := pnyxCommand(args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	var printed []string
	for lines.Scan() {
		printed = append(printed, lines.Text())
		if strings.Contains(lines.Text(), "API listening") {
			return cmd, lines, strings.Join(printed, "\n")
		}
	}
	cmd.Wait()
	t.Fatalf("pnyx start ended before its API listened:\n%s\n%s", strings.Join(printed, "\n"), stderr.String())
	return nil, nil, ""
}

// stopProcess sends sig and expects a clean exit that reports its height.
func stopProcess(t *testing.T, cmd *exec.Cmd, lines *bufio.Scanner, sig syscall.Signal) int64 {
	t.Helper()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var height int64 = -1
	re := regexp.MustCompile(`stopped cleanly at height (\d+)`)
	for lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			height, _ = strconv.ParseInt(m[1], 10, 64)
		}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("pnyx exited with %v after %s", err, sig)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("pnyx did not exit within 30s of %s", sig)
	}
	if height < 0 {
		t.Fatalf("no 'stopped cleanly' line after %s", sig)
	}
	return height
}

// TestStartStopsCleanlyAndResumes: `pnyx start` on a fresh home creates it,
// serves the API, exits cleanly on SIGTERM and on SIGINT, and each restart
// resumes from disk with the state it had.
func TestStartStopsCleanlyAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pnyx as a process")
	}
	home := t.TempDir() + "/home"
	port := nodetest.FreePorts(t, 1)[0]
	addr := "127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cmd, lines := startProcess(t, home, addr)
	admin, err := loadAdmin(home)
	if err != nil {
		t.Fatal(err)
	}
	c := client.New("http://" + addr)
	if _, err := c.Signer(admin).Send(ctx, org.TypeCreateChapter, org.CreateChapterBody{ID: "gwangju", Name: "광주광역시당", Parent: "hq"}); err != nil {
		t.Fatal(err)
	}
	h1 := stopProcess(t, cmd, lines, syscall.SIGTERM)

	cmd, lines = startProcess(t, home, addr)
	var ch org.Chapter
	var rec struct {
		Height int64           `json:"height"`
		Record json.RawMessage `json:"record"`
	}
	if err := c.Get(ctx, "/v1/chapters/gwangju", nil, &rec); err != nil {
		t.Fatalf("after SIGTERM and restart: %v", err)
	}
	json.Unmarshal(rec.Record, &ch)
	if ch.Name != "광주광역시당" || rec.Height < h1 {
		t.Fatalf("after restart: %+v at height %d (stopped at %d)", ch, rec.Height, h1)
	}
	if _, err := c.Signer(admin).Send(ctx, org.TypeCreateChapter, org.CreateChapterBody{ID: "ulsan", Name: "울산광역시당", Parent: "hq"}); err != nil {
		t.Fatalf("nonce or state lost across restart: %v", err)
	}
	stopProcess(t, cmd, lines, syscall.SIGINT)
}

func loadAdmin(home string) (ed25519.PrivateKey, error) { return keys.Load(home, launch.AdminKeyName) }
