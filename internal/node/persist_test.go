package node

import (
	"context"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
)

// savingApp commits at once and saves later: Persisted is the channel of
// the block it last committed.
type savingApp struct {
	abci.BaseApplication
	saved chan struct{}
}

func (a *savingApp) Persisted() <-chan struct{} { return a.saved }

// TestABlockIsAnnouncedOnceItsStateIsSaved: with an application whose
// Commit returns before its state is on disk, WaitTx and Follow (which
// wait for the announced height) are woken only once it is, and blocks are
// announced in order even when a later block's save is reported first.
func TestABlockIsAnnouncedOnceItsStateIsSaved(t *testing.T) {
	n := &Node{notify: make(chan struct{})}
	app := &savingApp{}
	h := &commitHook{Application: app, n: n}
	commit := func(height int64) chan struct{} {
		t.Helper()
		app.saved = make(chan struct{})
		h.height = height
		if _, err := h.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
		return app.saved
	}

	saved5 := commit(5)
	woken := make(chan error, 1)
	go func() { woken <- n.waitFor(context.Background(), 5) }()
	saved6 := commit(6)
	close(saved6) // block 6 reports first; it must not be announced before 5
	if got := n.committed.Load(); got != 0 {
		t.Fatalf("height %d announced before block 5's state was saved", got)
	}
	select {
	case err := <-woken:
		t.Fatalf("a waiter for block 5 was woken before its state was saved (%v)", err)
	default:
	}
	close(saved5)
	if err := <-woken; err != nil {
		t.Fatal(err)
	}
	if err := n.waitFor(context.Background(), 6); err != nil {
		t.Fatal(err)
	}
	if got := n.committed.Load(); got != 6 {
		t.Fatalf("announced height %d, want 6", got)
	}
}
