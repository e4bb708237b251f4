package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// TestBenchRegistryRunsTheNodeApart: `pnyx bench registry` runs the node
// as `pnyx start` in a process of its own, reports that process's CPU and
// memory in its summary line, and leaves no node behind. The test binary
// stands in for pnyx (TestMain), for the bench and for the node it starts.
func TestBenchRegistryRunsTheNodeApart(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PNYX_TEST_RUN_MAIN=1", "PNYX_TEST_ARGS=bench registry --members 1000 --in-flight 2")
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
