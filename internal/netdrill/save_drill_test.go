package netdrill

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/store"
)

// TestKillInsideASave kills a validator while it saves a block's state
// beside the next block (internal/store's save.go), for certain rather than
// by chance as the kill9 drill does: v1 is restarted with a save that never
// ends (StopInSaveEnv) and killed with SIGKILL once it is inside it. Its
// home then holds the state of the block before, one block behind
// CometBFT's own record. Started again, it must replay that block, reach
// the others, and agree with them on every app hash; no acknowledged tx
// may be lost and the network must take new txs.
func TestKillInsideASave(t *testing.T) {
	skipUnlessDrills(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	c, err := NewCluster(ctx, t.TempDir(), Options{Validators: 4, Workers: 4, NodeArgv: TestNodeArgv})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	load := c.StartLoad(ctx)
	loadStart := time.Now()
	defer load.Stop()
	if !load.WaitAcked(ctx, 1, settleTimeout) {
		t.Fatal("no tx committed before the drill")
	}

	v := c.Index("v1")
	if err := c.Kill(v, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	mark := filepath.Join(t.TempDir(), "saving")
	at := c.MaxHeight(ctx, others(c, v)) + 3
	if err := c.StartWith(v, fmt.Sprintf("%s=%s|%d", StopInSaveEnv, mark, at)); err != nil {
		t.Fatal(err)
	}
	version := waitForMark(ctx, t, mark)
	if err := c.Kill(v, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}

	// The home, as the kill left it: CometBFT executed the block, the
	// store holds the one before.
	base, hashes, err := node.StoredAppHashes(c.Homes[v])
	if err != nil {
		t.Fatal(err)
	}
	executed := base + int64(len(hashes)) - 1
	st, err := store.Open(launch.StateDir(c.Homes[v]))
	if err != nil {
		t.Fatal(err)
	}
	saved := st.Version()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed inside the save of %d: the store holds %d, CometBFT executed %d", version, saved, executed)
	if saved != version-1 || executed < version {
		t.Fatalf("store at %d and CometBFT at %d after a kill inside the save of %d: want the store at %d, CometBFT at %d or later",
			saved, executed, version, version-1, version)
	}

	t0 := time.Now()
	if err := c.Start(v); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitHeight(ctx, []int{v}, c.MaxHeight(ctx, others(c, v))); err != nil {
		t.Fatalf("v1 did not catch up after the kill: %v", err)
	}
	recovered := time.Since(t0)
	before := load.Acked()
	load.WaitAcked(ctx, before+1, settleTimeout)
	afterRepair := load.Acked() - before
	acked := load.Stop()
	loadTime := time.Since(loadStart)
	r, err := c.Check(ctx, acked)
	if err != nil {
		t.Fatal(err)
	}
	r.Drill, r.Recover, r.AfterRepair = "kill_in_save", recovered, afterRepair
	r.TxPerSec = float64(len(acked)) / loadTime.Seconds()
	t.Log(r)
	if !r.OK() {
		t.Errorf("%s: want acknowledged>0 after_repair>0 lost=0 divergent_heights=0", r)
	}
}

// waitForMark waits for the file a node stopped inside a save writes and
// returns the version it names.
func waitForMark(ctx context.Context, t *testing.T, file string) int64 {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if b, err := os.ReadFile(file); err == nil {
			v, err := strconv.ParseInt(string(b), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", file, b)
			}
			return v
		}
		sleep(ctx, 20*time.Millisecond)
	}
	t.Fatal("the node did not reach the save it was to stop in")
	return 0
}
