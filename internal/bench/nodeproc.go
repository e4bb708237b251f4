package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/wire"
)

// benchNode is the node a benchmark drives and measures: started in this
// process (launch.Start, as the tests do), or as `pnyx start` in a process
// of its own, as an operator runs it. In a process of its own the node's
// CPU time and memory are its own, not the clients': the clients of a real
// node run elsewhere.
type benchNode interface {
	// CPU is the node process's user plus system CPU time so far.
	CPU() time.Duration
	// PeakRSSMB is the node process's peak resident memory in MiB.
	PeakRSSMB() int64
	// Where says how the node runs, for the benchmark's report.
	Where() string
	Stop() error
}

// inProcessNode is a node started by launch.Start in this process.
type inProcessNode struct{ r *launch.Running }

func (n inProcessNode) CPU() time.Duration { return processCPU() }
func (n inProcessNode) PeakRSSMB() int64   { return peakRSSMB("/proc/self/status") }
func (n inProcessNode) Where() string      { return "in the benchmark's process, with its clients" }
func (n inProcessNode) Stop() error        { return n.r.Stop() }

// childNode is `pnyx start` run by the benchmark as a process of its own.
type childNode struct {
	cmd    *exec.Cmd
	log    string
	exited chan error
}

// startNodeProcess initialises a single-validator chain in home and runs
// `exe start` on it (exe is the pnyx binary) with its API on a free
// loopback port, its output in HOME/node.log. It returns once the API
// answers with a committed block, with a client of that API and the
// genesis administrator's key. The child inherits the environment
// (PNYX_STORE, GOMAXPROCS, GOGC), so it runs as `pnyx start` would there.
func startNodeProcess(ctx context.Context, exe, home string) (*childNode, *client.Client, ed25519.PrivateKey, error) {
	adminKey, err := initBenchHome(home)
	if err != nil {
		return nil, nil, nil, err
	}
	apiAddr, err := freeAddr()
	if err != nil {
		return nil, nil, nil, err
	}
	apiAddr = strings.TrimPrefix(apiAddr, "tcp://")
	logPath := filepath.Join(home, "node.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, nil, nil, err
	}
	cmd := exec.Command(exe, "start", "--home", home, "--api-addr", apiAddr, "--log-level", "error")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, nil, nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	n := &childNode{cmd: cmd, log: logPath, exited: make(chan error, 1)}
	go func() {
		n.exited <- cmd.Wait()
		logFile.Close()
	}()
	c := client.New("http://" + apiAddr)
	deadline := time.After(time.Minute)
	for {
		var st wire.Status
		if err := c.Get(ctx, "/v1/status", nil, &st); err == nil && st.Height >= 1 {
			return n, c, adminKey, nil
		}
		select {
		case err := <-n.exited:
			n.exited <- err
			return nil, nil, nil, fmt.Errorf("the node process exited (%v): %s", err, n.logTail())
		case <-deadline:
			n.Stop()
			return nil, nil, nil, fmt.Errorf("the node process committed no block within a minute: %s", n.logTail())
		case <-ctx.Done():
			n.Stop()
			return nil, nil, nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (n *childNode) CPU() time.Duration { return procCPU(n.cmd.Process.Pid) }
func (n *childNode) PeakRSSMB() int64 {
	return peakRSSMB(fmt.Sprintf("/proc/%d/status", n.cmd.Process.Pid))
}
func (n *childNode) Where() string {
	return fmt.Sprintf("`pnyx start` in a process of its own (pid %d)", n.cmd.Process.Pid)
}

// Stop asks the node to shut down as an operator's Ctrl-C does and waits
// for it; after a minute it kills it.
func (n *childNode) Stop() error {
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-n.exited:
		n.exited <- err
		if err != nil {
			return fmt.Errorf("node process: %w: %s", err, n.logTail())
		}
		return nil
	case <-time.After(time.Minute):
		n.cmd.Process.Kill()
		return errors.New("the node process did not stop within a minute; killed")
	}
}

// logTail is the end of the node's output, for an error message.
func (n *childNode) logTail() string {
	b, _ := os.ReadFile(n.log)
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// procCPU is process pid's user plus system CPU time, all its threads, from
// /proc/PID/stat (in clock ticks of 10 ms, Linux's USER_HZ); 0 when it
// cannot be read.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 { // utime and stime are fields 14 and 15, 12 and 13 here
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// peakRSSMB is a process's peak resident memory (VmHWM) in MiB, read from
// its /proc status file; 0 when it cannot be read.
func peakRSSMB(status string) int64 {
	f, err := os.Open(status)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb >> 10
		}
	}
	return 0
}
