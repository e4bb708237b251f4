package launch_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
)

// TestHaltHeightStopsTheChainForAnUpgrade: with HaltHeight 3 the node
// signals Halted once block 3 is committed and commits nothing after it;
// restarted with the same halt height it refuses, naming it; restarted
// without one (the upgraded binary) it executes block 4, which consensus
// may have decided before the halt, and goes on.
func TestHaltHeightStopsTheChainForAnUpgrade(t *testing.T) {
	home := initHome(t)
	r := startHalted(t, home, 3)
	time.Sleep(500 * time.Millisecond) // ten block times of busyChain
	if h := r.Node.LatestHeight(); h != 3 {
		t.Errorf("committed up to %d, want exactly the halt height 3", h)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}

	if _, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", HaltHeight: 3, Node: quietBusy()}); err == nil ||
		!strings.Contains(err.Error(), "halt height 3") {
		t.Fatalf("restart with the same halt height: %v", err)
	}
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	waitHeight(t, r, 5, 30*time.Second)
}

// startHalted starts a node on home with a halt height and waits, at most
// 30 s, until it has halted there.
func startHalted(t *testing.T, home string, height int64) *launch.Running {
	t.Helper()
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", HaltHeight: height, Node: quietBusy()})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.Node.Halted():
	case <-time.After(30 * time.Second):
		r.Stop()
		t.Fatalf("not halted; at height %d", r.Node.LatestHeight())
	}
	return r
}
