package launch_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/store"
)

// A node whose state is in the memiavl engine ($PNYX_STORE engine=memiavl)
// runs, switches snapshots, stops, and starts again where it stopped:
// CometBFT's handshake finds the app at the height and hash it committed,
// and the chain goes on. A retention, which that engine has no use for,
// is refused at start with a clear error.
func TestANodeOnMemiavlRestartsWhereItStopped(t *testing.T) {
	t.Setenv(store.OptionsEnv, "engine=memiavl,snapshots=4")
	home := initHome(t)
	opts := launch.Quiet()
	opts.Config = func(c *node.Config) {
		c.Consensus.TimeoutCommit = 5 * time.Millisecond
		c.Consensus.CreateEmptyBlocksInterval = 0
	}
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: opts})
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, r, 15, time.Minute)
	r.Stop()
	stoppedAt, hash := r.Store.Version(), r.Store.LastCommitHash()

	r, err = launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: opts})
	if err != nil {
		t.Fatalf("restart on memiavl: %v", err)
	}
	if v := r.Store.Version(); v < stoppedAt {
		t.Fatalf("restarted at version %d, stopped at %d", v, stoppedAt)
	}
	if snap, err := r.Store.Snapshot(stoppedAt); err == nil && !bytes.Equal(snap.Hash(), hash) {
		t.Fatalf("version %d hashes to %x after the restart, %x before", stoppedAt, snap.Hash(), hash)
	}
	waitHeight(t, r, stoppedAt+5, time.Minute)
	r.Stop()

	_, err = launch.Start(initHome(t), launch.Options{APIAddr: "127.0.0.1:0", Node: opts, StateRetention: 10})
	if err == nil || !strings.Contains(err.Error(), "memiavl") {
		t.Fatalf("a retention on the memiavl engine: %v", err)
	}
}
