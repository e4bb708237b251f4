package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
)

// TestCLIStartListensWhereTold: `pnyx start --p2p-addr --rpc-addr off` on a
// new home writes those addresses and listens for peers on the port given
// with CometBFT's RPC off; --api-max-conns caps the API (the connection
// over the cap is closed at once); `pnyx status` shows the node healthy;
// and a second start on the same home, or a start whose p2p port is
// taken, fails naming its cause.
func TestCLIStartListensWhereTold(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pnyx as a process")
	}
	home := t.TempDir() + "/home"
	ports := nodetest.FreePorts(t, 2)
	api := "127.0.0.1:" + strconv.Itoa(ports[0])
	p2p := "tcp://127.0.0.1:" + strconv.Itoa(ports[1])
	cmd, lines, printed := startProcessPrinted(t, home, api, "--p2p-addr", p2p, "--api-max-conns", "7",
		"--api-read-timeout", "5s", "--api-request-timeout", "4s", "--api-max-body-bytes", "100000", "--stall-after", "1h")
	if want := fmt.Sprintf("pnyx: p2p on %s, CometBFT RPC off, API connections at most 7", p2p); !strings.Contains(printed, want) {
		t.Fatalf("start did not announce %q:\n%s", want, printed)
	}
	c, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if c.P2P.ListenAddress != p2p || c.RPC.ListenAddress != "" {
		t.Fatalf("new home's config: p2p %q rpc %q, want %q and off", c.P2P.ListenAddress, c.RPC.ListenAddress, p2p)
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(p2p, "tcp://"), 2*time.Second); err != nil {
		t.Fatalf("nothing listens for peers on %s: %v", p2p, err)
	} else {
		conn.Close()
	}

	// Seven idle connections fill the cap; the eighth is closed at once.
	var held []net.Conn
	for range 7 {
		conn, err := net.Dial("tcp", api)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, conn)
	}
	time.Sleep(200 * time.Millisecond) // let the server accept them
	extra, err := net.Dial("tcp", api)
	if err != nil {
		t.Fatal(err)
	}
	extra.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("the connection over --api-max-conns 7 stayed open: %v", err)
	}
	extra.Close()
	for _, conn := range held {
		conn.Close()
	}
	time.Sleep(200 * time.Millisecond)

	out, err := pnyx(t, "--api", "http://"+api, "status")
	if err != nil || !regexp.MustCompile(`(?m)^health: healthy; last commit \d+s ago at height \d+$`).MatchString(out) {
		t.Fatalf("status: %v\n%s", err, out)
	}

	// A second start on the home says the home is in use.
	if out, err := pnyx(t, "--home", home, "start", "--api-addr", "127.0.0.1:0", "--p2p-addr", "tcp://127.0.0.1:0", "--rpc-addr", "off", "--log-level", "none"); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second start on a home in use: %v\n%s", err, out)
	}
	// A start whose p2p port is taken names the address.
	if out, err := pnyx(t, "--home", t.TempDir(), "start", "--api-addr", "127.0.0.1:0", "--p2p-addr", p2p, "--rpc-addr", "off", "--log-level", "none"); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(p2p, "tcp://")) {
		t.Fatalf("start on a taken p2p port: %v\n%s", err, out)
	}
	stopProcess(t, cmd, lines, syscall.SIGTERM)
}

// TestCLIInitAndStartRPCAddr: `pnyx init --p2p-addr --rpc-addr` writes
// both addresses, `pnyx start --rpc-addr` serves CometBFT's RPC there, and
// `--stall-after` reaches the node's health.
func TestCLIInitAndStartRPCAddr(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pnyx as a process")
	}
	home := t.TempDir() + "/home"
	ports := nodetest.FreePorts(t, 3)
	api := "127.0.0.1:" + strconv.Itoa(ports[0])
	p2p := "tcp://127.0.0.1:" + strconv.Itoa(ports[1])
	rpc := "tcp://127.0.0.1:" + strconv.Itoa(ports[2])
	if out, err := pnyx(t, "--home", home, "init", "--p2p-addr", p2p, "--rpc-addr", rpc); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	c, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if c.P2P.ListenAddress != p2p || c.RPC.ListenAddress != rpc {
		t.Fatalf("init wrote p2p %q rpc %q, want %q %q", c.P2P.ListenAddress, c.RPC.ListenAddress, p2p, rpc)
	}
	// startProcess passes --p2p-addr :0 and --rpc-addr off first; the
	// flags given after them win.
	cmd, lines, printed := startProcessPrinted(t, home, api, "--p2p-addr", p2p, "--rpc-addr", rpc, "--stall-after", "1s")
	if !strings.Contains(printed, "CometBFT RPC "+rpc) {
		t.Fatalf("start did not announce the RPC on %s:\n%s", rpc, printed)
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(rpc, "tcp://"), 2*time.Second); err != nil {
		t.Fatalf("CometBFT RPC not on %s: %v", rpc, err)
	} else {
		conn.Close()
	}
	// An idle chain makes an empty block every 30 s; with --stall-after 1s
	// the node calls itself halted once a few seconds pass without one.
	time.Sleep(3 * time.Second)
	if out, err := pnyx(t, "--api", "http://"+api, "status"); err != nil || !strings.Contains(out, "health: halted (no block committed for") {
		t.Fatalf("status with --stall-after 1s on an idle chain: %v\n%s", err, out)
	}
	stopProcess(t, cmd, lines, syscall.SIGINT)
}

// TestCLIPeersIDAndAllow: `pnyx peers id` prints the home's node ID, and
// `pnyx peers allow` adds node IDs to HOME/config/allowed_peers, refusing
// anything that is not a node ID.
func TestCLIPeersIDAndAllow(t *testing.T) {
	home := t.TempDir()
	if out, err := pnyx(t, "--home", home, "init", "--p2p-addr", "tcp://127.0.0.1:0", "--rpc-addr", "off"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	want, err := node.HomeNodeID(home)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pnyx(t, "--home", home, "peers", "id")
	if err != nil || strings.TrimSpace(out) != want {
		t.Fatalf("peers id: %v %q, want %s", err, out, want)
	}
	sentry := strings.Repeat("ab", 20)
	if out, err := pnyx(t, "--home", home, "peers", "allow", sentry); err != nil {
		t.Fatalf("peers allow: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(home, "config", node.AllowListFile))
	if err != nil || !strings.Contains(string(raw), sentry) {
		t.Fatalf("allow-list: %v %q", err, raw)
	}
	if out, err := pnyx(t, "--home", home, "peers", "allow", "not-a-node-id"); err == nil || !strings.Contains(err.Error(), "40 hex") {
		t.Fatalf("a bad node ID: %v\n%s", err, out)
	}
	if out, err := pnyx(t, "--home", t.TempDir(), "peers", "allow", sentry); err == nil {
		t.Fatalf("allow in an uninitialized home:\n%s", out)
	}
}

// TestCLITestnetRPCFlag: `pnyx testnet` leaves CometBFT's RPC off in every
// home; with --rpc, node i's RPC is on base+2i+1.
func TestCLITestnetRPCFlag(t *testing.T) {
	for _, rpc := range []bool{false, true} {
		out := t.TempDir()
		args := []string{"testnet", "--validators", "2", "--out", out, "--base-port", "36756"}
		if rpc {
			args = append(args, "--rpc")
		}
		if stdout, err := pnyx(t, args...); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		for i := 0; i < 2; i++ {
			c, err := node.LoadConfig(filepath.Join(out, fmt.Sprintf("node%d", i)))
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			if rpc {
				want = fmt.Sprintf("tcp://127.0.0.1:%d", 36756+2*i+1)
			}
			if c.RPC.ListenAddress != want {
				t.Errorf("--rpc=%v: node%d RPC %q, want %q", rpc, i, c.RPC.ListenAddress, want)
			}
		}
	}
}

// TestCLIStartRefusesNegativeRetention: --state-retention counts versions
// to keep; a negative count is refused before anything starts.
func TestCLIStartRefusesNegativeRetention(t *testing.T) {
	home := t.TempDir()
	out, err := pnyx(t, "--home", home, "start", "--state-retention", "-5", "--api-addr", "127.0.0.1:0", "--p2p-addr", "tcp://127.0.0.1:0", "--rpc-addr", "off")
	if err == nil || !strings.Contains(err.Error(), "--state-retention") {
		t.Fatalf("negative retention: %v\n%s", err, out)
	}
	if node.IsInitialized(home) {
		t.Fatal("a refused start initialized the home")
	}
}
