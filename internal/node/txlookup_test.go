package node_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
)

// TestCommittedTxFoundAfterRestart reproduces finding 8 of issue 12: after
// a restart GET /v1/txs/{hash} forgot every transaction. A committed tx is
// found, with its height, index and code, after the node restarts; and
// again after the lookup's database is deleted, since it is derived from
// the stored blocks.
func TestCommittedTxFoundAfterRestart(t *testing.T) {
	home := initSingle(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := startCounter(t, home)
	var hashes [][]byte
	for i := range 5 {
		tx := []byte(fmt.Sprintf("restart-tx-%d", i))
		if _, err := n.BroadcastTxSync(ctx, tx); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, node.TxHash(tx))
	}
	want := make([]node.TxOutcome, len(hashes))
	for i, h := range hashes {
		var err error
		if want[i], err = n.WaitTx(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	afterRestarts(t, home, func(n *node.Node, deletedLookup bool) {
		for i, h := range hashes {
			got, ok := findTx(n, h)
			if !ok {
				t.Fatalf("deleted lookup %v: tx %d (%x) not found after restart", deletedLookup, i, h)
			}
			if !bytes.Equal(got.Hash, h) || got.Height != want[i].Height || got.Index != want[i].Index || got.Code != want[i].Code {
				t.Fatalf("tx %d after restart: %+v, want %+v", i, got, want[i])
			}
			wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
			if o, err := n.WaitTx(wctx, h); err != nil || o.Height != want[i].Height {
				t.Fatalf("WaitTx of a tx committed before the restart: %+v %v", o, err)
			}
			wcancel()
		}
	})
}

// TestLookupFindsTheCopyOfAFailedTxThatCounted: a tx that failed in its
// block left its nonce unused, so a client sending the same body again
// sends the same bytes, and they can commit again and succeed. After a
// restart (the recent-tx cache empty) the lookup answers that later
// copy, the one that changed state, not the first failure; and so does a
// lookup rebuilt from the stored blocks.
func TestLookupFindsTheCopyOfAFailedTxThatCounted(t *testing.T) {
	home := initSingle(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	commit := func(n *node.Node, tx []byte, after int64) node.TxOutcome {
		t.Helper()
		if _, err := n.BroadcastTxSync(ctx, tx); err != nil {
			t.Fatal(err)
		}
		o, err := n.WaitTxAfter(ctx, node.TxHash(tx), after)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	n := startCounter(t, home)
	again := []byte(nodetest.FailBelowPrefix + "1:again")
	first := commit(n, again, 0)
	if first.Code != nodetest.CodeFailInTx {
		t.Fatalf("the first copy: code %d, want %d", first.Code, nodetest.CodeFailInTx)
	}
	commit(n, []byte("counts one"), first.Height)
	second := commit(n, again, first.Height)
	if second.Code != nodetest.CodeOK || second.Height <= first.Height {
		t.Fatalf("the second copy: %+v", second)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	afterRestarts(t, home, func(n *node.Node, deletedLookup bool) {
		if got, ok := findTx(n, node.TxHash(again)); !ok || got.Height != second.Height || got.Code != nodetest.CodeOK {
			t.Errorf("deleted lookup %v: found %+v (%v), want the copy at height %d that counted", deletedLookup, got, ok, second.Height)
		}
	})
}

// afterRestarts starts a counter node on home twice, the second time with
// its tx lookup deleted (the start rebuilds it from the stored blocks), and
// calls check on each before stopping it.
func afterRestarts(t *testing.T, home string, check func(n *node.Node, deletedLookup bool)) {
	t.Helper()
	for _, deleteLookup := range []bool{false, true} {
		if deleteLookup {
			if err := os.RemoveAll(filepath.Join(home, "data", node.TxLookupDB+".db")); err != nil {
				t.Fatal(err)
			}
		}
		n := startCounter(t, home)
		check(n, deleteLookup)
		if err := n.Stop(); err != nil {
			t.Fatal(err)
		}
	}
}

// startCounter starts a single fast node running the counter app on home.
func startCounter(t *testing.T, home string) *node.Node {
	t.Helper()
	n, err := node.New(home, newCounter(t, home), node.Options{Config: fastSingle, LogLevel: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	return n
}

// findTx asks n for a tx until the lookup, rebuilt after a start, has it
// (at most 10 s).
func findTx(n *node.Node, hash []byte) (node.TxOutcome, bool) {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if o, ok := n.FindTx(hash); ok || time.Now().After(deadline) {
			return o, ok
		}
	}
}
