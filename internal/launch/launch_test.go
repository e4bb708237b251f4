package launch_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// busyChain makes a block every 50 ms even without txs, so a test can tell
// a running chain from a halted one by its height alone.
func busyChain(c *node.Config) {
	c.Consensus.TimeoutCommit = 50 * time.Millisecond
	c.Consensus.CreateEmptyBlocksInterval = 0
}

// initHome writes a single-validator home whose peer port is a free
// loopback port and whose CometBFT RPC is off.
func initHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	port := nodetest.FreePorts(t, 1)[0]
	if _, err := launch.Init(home, launch.InitOptions{ChainID: "pnyx-launch", P2PAddr: fmt.Sprintf("tcp://127.0.0.1:%d", port), RPCAddr: node.RPCOff}); err != nil {
		t.Fatal(err)
	}
	return home
}

func quietBusy() node.Options {
	o := launch.Quiet()
	o.Config = busyChain
	return o
}

// waitHeight waits until r has committed height blocks or fails the test.
func waitHeight(t *testing.T, r *launch.Running, height int64, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := r.WaitForBlocks(ctx, height); err != nil {
		t.Fatalf("height %d not reached within %v (at %d)", height, within, r.Node.LatestHeight())
	}
}

// Environment of the slow-client helper process.
const (
	slowAddrEnv  = "PNYX_SLOW_CLIENT_ADDR"
	slowCountEnv = "PNYX_SLOW_CLIENT_COUNT"
	slowSecsEnv  = "PNYX_SLOW_CLIENT_SECONDS"
)

// TestHelperSlowClients is not a test: TestSlowConnectionsCannotStarveConsensus
// runs the test binary again with this test selected to play the attacker
// in a process of its own, so that the attacker's sockets do not count
// against the node's descriptor limit. It opens many connections, sends
// the headers of a large upload on each, trickles one body byte per second
// on every connection, and exits after the given number of seconds.
func TestHelperSlowClients(t *testing.T) {
	addr := os.Getenv(slowAddrEnv)
	if addr == "" {
		t.Skip("helper process for TestSlowConnectionsCannotStarveConsensus")
	}
	count, _ := strconv.Atoi(os.Getenv(slowCountEnv))
	secs, _ := strconv.Atoi(os.Getenv(slowSecsEnv))
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	var conns []net.Conn
	for i := 0; i < count && time.Now().Before(deadline); i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			continue
		}
		conns = append(conns, c)
		_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = fmt.Fprintf(c, "POST /v1/txs HTTP/1.1\r\nHost: pnyx\r\nContent-Type: application/json\r\nContent-Length: 90000\r\n\r\n{")
	}
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		for _, c := range conns {
			_ = c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
			_, _ = c.Write([]byte(" "))
		}
	}
	for _, c := range conns {
		_ = c.Close()
	}
}

// TestSlowConnectionsCannotStarveConsensus reproduces finding 1 of issue 12:
// slow uploads used up the process's file descriptors, the validator could
// not save its signing state and consensus halted. With a descriptor limit
// of 512, an attacker process holds 1,500 slow uploads open against the API
// for 8 seconds; the chain must keep committing throughout, and once the
// attacker is gone a normal request is served.
func TestSlowConnectionsCannotStarveConsensus(t *testing.T) {
	if testing.Short() {
		t.Skip("floods the API for 8 s")
	}
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Skip("no RLIMIT_NOFILE:", err)
	}
	low := orig
	low.Cur = 512
	if orig.Max < low.Cur {
		t.Skipf("hard descriptor limit %d is below 512", orig.Max)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip("cannot lower RLIMIT_NOFILE:", err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })

	home := initHome(t)
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	waitHeight(t, r, 3, 20*time.Second)

	const floodSecs = 8
	attacker := exec.Command(os.Args[0], "-test.run=^TestHelperSlowClients$", "-test.count=1")
	attacker.Env = append(os.Environ(), slowAddrEnv+"="+r.APIURL[len("http://"):], slowCountEnv+"=1500", slowSecsEnv+"="+strconv.Itoa(floodSecs))
	if err := attacker.Start(); err != nil {
		t.Fatal(err)
	}
	attackerDone := make(chan error, 1)
	go func() { attackerDone <- attacker.Wait() }()
	t.Cleanup(func() { _ = attacker.Process.Kill(); <-attackerDone })

	// Let the flood build up, then demand progress while it lasts.
	time.Sleep(3 * time.Second)
	h := r.Node.LatestHeight()
	waitHeight(t, r, h+10, (floodSecs-3)*time.Second)

	select {
	case <-attackerDone:
		attackerDone <- nil
	case <-time.After(2 * floodSecs * time.Second):
		t.Fatal("attacker process did not stop by itself")
	}
	if r.APIRefused() == 0 {
		t.Errorf("1,500 connections against a cap of %d, none refused", r.APIMaxConns)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(r.APIURL + "/v1/status")
	if err != nil {
		t.Fatalf("status after the flood: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status after the flood: %s", resp.Status)
	}
	waitHeight(t, r, r.Node.LatestHeight()+3, 10*time.Second)
}

// abciQuery asks CometBFT's RPC for a store key and returns the answer's
// code and value.
func abciQuery(t *testing.T, rpc string, key []byte) (uint32, []byte) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/abci_query?path=%%22/key%%22&data=0x%x", rpc, key))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result struct {
			Response struct {
				Code  uint32 `json:"code"`
				Value []byte `json:"value"`
			} `json:"response"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Result.Response.Code, out.Result.Response.Value
}

// TestCometRPCOffByDefaultAndRefusesPersonalRecords reproduces finding 3 of
// issue 12: CometBFT's RPC was on by default and its abci_query returned any
// member's record and balance unsigned. A new home has the RPC off; an
// operator who turns it on gets public records through abci_query, and a
// refusal for personal ones.
func TestCometRPCOffByDefaultAndRefusesPersonalRecords(t *testing.T) {
	home := t.TempDir()
	ports := nodetest.FreePorts(t, 2)
	admin, err := launch.Init(home, launch.InitOptions{ChainID: "pnyx-rpc", P2PAddr: fmt.Sprintf("tcp://127.0.0.1:%d", ports[0])})
	if err != nil {
		t.Fatal(err)
	}
	c, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if c.RPC.ListenAddress != "" {
		t.Errorf("a new home's CometBFT RPC listens on %q; want off", c.RPC.ListenAddress)
	}

	rpcAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	opts := quietBusy()
	opts.Config = func(c *node.Config) { busyChain(c); c.RPC.ListenAddress = "tcp://" + rpcAddr }
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: opts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	waitHeight(t, r, 2, 20*time.Second)
	snap, err := r.Store.Snapshot(r.Store.Version())
	if err != nil {
		t.Fatal(err)
	}
	id, ok := members.ByKey(snap, admin.Public().(ed25519.PublicKey))
	if !ok {
		t.Fatal("the genesis administrator is no member")
	}
	rpc := "http://" + rpcAddr
	if code, val := abciQuery(t, rpc, org.ChapterKey(org.Root(snap))); code != 0 || len(val) == 0 {
		t.Errorf("public chapter record: code %d, %d bytes", code, len(val))
	}
	// The member record holds the credential's standing and the points.
	member, _ := members.Get(snap, id)
	for name, key := range map[string][]byte{"member": members.MemberKey(id), "chapter index entry": members.ChapterIndexKey(member)} {
		if code, val := abciQuery(t, rpc, key); code == 0 || len(val) != 0 {
			t.Errorf("abci_query of a %s record: code %d, value %q", name, code, val)
		}
	}
}

// TestSecondStartSaysHomeInUse covers finding 11 of issue 12: a second
// start on the same home must say the home is in use, not fail somewhere
// inside a database; after the first stops, the home starts again.
func TestSecondStartSaysHomeInUse(t *testing.T) {
	home := initHome(t)
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy()})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second start on a running home: %v", err)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	r, err = launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy()})
	if err != nil {
		t.Fatalf("start after stop: %v", err)
	}
	_ = r.Stop()
}

// TestListenAddressesAndStartFailures covers finding 11 of issue 12: every
// listen address is an option (no editing config.toml), and a start that
// fails says why — here, a peer port someone else holds — and leaves the
// home usable.
func TestListenAddressesAndStartFailures(t *testing.T) {
	home := initHome(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, err = launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", P2PAddr: "tcp://" + taken.Addr().String(), Node: quietBusy()})
	if err == nil || !strings.Contains(err.Error(), taken.Addr().String()) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("start on a taken peer port: %v", err)
	}

	ports := nodetest.FreePorts(t, 2)
	p2p, rpc := fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[1])
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", P2PAddr: "tcp://" + p2p, RPCAddr: "tcp://" + rpc, Node: quietBusy()})
	if err != nil {
		t.Fatalf("start after a failed start: %v", err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	for _, addr := range []string{p2p, rpc} {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Errorf("nothing listens on %s: %v", addr, err)
			continue
		}
		c.Close()
	}
	if r.Node.P2PAddress() != r.Node.NodeID()+"@"+p2p {
		t.Errorf("P2PAddress %s", r.Node.P2PAddress())
	}
}
