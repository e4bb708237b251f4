package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBenchRegistryRunsTheNodeApart: `pnyx bench registry` runs the node
// as `pnyx start` in a process of its own, reports that process's CPU and
// memory in its summary line, and leaves no node behind. The test binary
// stands in for pnyx (TestMain), for the bench and for the node it starts.
func TestBenchRegistryRunsTheNodeApart(t *testing.T) {
	cmd := pnyxCommand("bench", "registry", "--members", "1000", "--in-flight", "2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bench registry: %v\n%s", err, out)
	}
	where := regexp.MustCompile("the node ran `pnyx start` in a process of its own \\(pid (\\d+)\\)").FindSubmatch(out)
	if where == nil {
		t.Fatalf("the node did not run apart:\n%s", out)
	}
	pid, _ := strconv.Atoi(string(where[1]))
	if pid == cmd.Process.Pid {
		t.Fatalf("the node's pid %d is the bench's own", pid)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		if status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); !regexp.MustCompile(`(?m)^State:\s+Z`).Match(status) {
			t.Errorf("the node process %d still runs after the bench ended", pid)
		}
	}
	sum := regexp.MustCompile(`(?m)^members=1000 members_per_s=\d+ cpu_ms_per_member_first=(\d+\.\d+) cpu_ms_per_member_last=(\d+\.\d+) rss_mb=(\d+) disk_mb=\d+ other_tx_p95_ms=\d+ read_p95_ms=\d+\.\d+\n?$`).FindSubmatch(out)
	if sum == nil {
		t.Fatalf("no summary as the last line:\n%s", out)
	}
	for i, name := range []string{"cpu_ms_per_member_first", "cpu_ms_per_member_last", "rss_mb"} {
		if v, _ := strconv.ParseFloat(string(sum[i+1]), 64); v <= 0 {
			t.Errorf("%s=%s: the node process's figure was not read", name, sum[i+1])
		}
	}
}

// TestBenchRegistryNodeDiesWithTheBench: a bench killed mid-import takes
// its node process with it (Linux ties the child's life to its parent's),
// so no node keeps running on the temporary home.
func TestBenchRegistryNodeDiesWithTheBench(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux ties a child's life to its parent's")
	}
	cmd := pnyxCommand("bench", "registry", "--members", "10000000")
	progress, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Kill it once members are being registered: the node is up and busy.
	importing := make(chan bool, 1)
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := progress.Read(b)
			if strings.Contains(string(b[:n]), "registry: ") {
				importing <- true
				io.Copy(io.Discard, progress)
				return
			}
			if err != nil {
				importing <- false
				return
			}
		}
	}()
	select {
	case ok := <-importing:
		if !ok {
			t.Fatal("the bench ended before registering members")
		}
	case <-time.After(time.Minute):
		t.Fatal("the bench registered no members within a minute")
	}
	var node int
	children, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", cmd.Process.Pid))
	for _, c := range children {
		if b, _ := os.ReadFile(c); len(strings.Fields(string(b))) > 0 {
			node, _ = strconv.Atoi(strings.Fields(string(b))[0])
		}
	}
	if node == 0 {
		t.Fatal("the importing bench has no child process")
	}
	cmd.Process.Kill()
	cmd.Wait()
	for i := 0; ; i++ {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", node))
		if err != nil || regexp.MustCompile(`(?m)^State:\s+Z`).Match(status) {
			return // gone, or dead and not yet reaped
		}
		if i == 300 {
			t.Fatalf("the node process %d still runs 30 s after its bench was killed", node)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
