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
	app := newCounter(t, home)
	n, err := node.New(home, app, node.Options{Config: fastSingle, LogLevel: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
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
		if want[i], err = n.WaitTx(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}

	for _, deleteLookup := range []bool{false, true} {
		if deleteLookup {
			if err := os.RemoveAll(filepath.Join(home, "data", node.TxLookupDB+".db")); err != nil {
				t.Fatal(err)
			}
		}
		app := newCounter(t, home)
		n, err := node.New(home, app, node.Options{Config: fastSingle, LogLevel: "none"})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
		for i, h := range hashes {
			var got node.TxOutcome
			var ok bool
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if got, ok = n.FindTx(h); ok {
					break
				}
			}
			if !ok {
				t.Fatalf("deleted lookup %v: tx %d (%x) not found after restart", deleteLookup, i, h)
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
		if err := n.Stop(); err != nil {
			t.Fatal(err)
		}
	}
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
	start := func() *node.Node {
		n, err := node.New(home, newCounter(t, home), node.Options{Config: fastSingle, LogLevel: "none"})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
		return n
	}
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
	n := start()
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

	for _, deleteLookup := range []bool{false, true} {
		if deleteLookup {
			if err := os.RemoveAll(filepath.Join(home, "data", node.TxLookupDB+".db")); err != nil {
				t.Fatal(err)
			}
		}
		n := start()
		var got node.TxOutcome
		var ok bool
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if got, ok = n.FindTx(node.TxHash(again)); ok {
				break
			}
		}
		if !ok || got.Height != second.Height || got.Code != nodetest.CodeOK {
			t.Errorf("deleted lookup %v: found %+v (%v), want the copy at height %d that counted", deleteLookup, got, ok, second.Height)
		}
		if err := n.Stop(); err != nil {
			t.Fatal(err)
		}
	}
}
