package launch_test

import (
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/store"
)

// TestStateRetentionPrunesOnlyWhenChosen: a node started with
// StateRetention 5 prunes versions older than the last five at the next
// pruning height; one started without keeps every version.
func TestStateRetentionPrunesOnlyWhenChosen(t *testing.T) {
	for _, keep := range []int64{0, 5} {
		home := initHome(t)
		opts := launch.Quiet()
		opts.Config = func(c *node.Config) {
			c.Consensus.TimeoutCommit = 5 * time.Millisecond
			c.Consensus.CreateEmptyBlocksInterval = 0
		}
		r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: opts, StateRetention: keep})
		if err != nil {
			t.Fatal(err)
		}
		waitHeight(t, r, store.PruneEvery+2, 2*time.Minute)
		_, errOld := r.Store.Snapshot(2)
		_, errNew := r.Store.Snapshot(store.PruneEvery - 2)
		r.Stop()
		switch {
		case keep == 0 && errOld != nil:
			t.Fatalf("without a retention, version 2 was pruned: %v", errOld)
		case keep > 0 && errOld == nil:
			t.Fatalf("with a retention of %d, version 2 is still there after height %d", keep, store.PruneEvery)
		case errNew != nil:
			t.Fatalf("retention %d pruned a recent version: %v", keep, errNew)
		}
	}
	if _, err := launch.Start(initHome(t), launch.Options{APIAddr: "127.0.0.1:0", Node: launch.Quiet(), StateRetention: -1}); err == nil {
		t.Fatal("a negative retention started")
	}
}
