package node

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
)

// blockOfBatches is a committed block of txs that each carry events for
// many members, as a 500-entry member/approve does.
func blockOfBatches(height int64, txs, eventsPerTx int) *CommittedBlock {
	b := &CommittedBlock{Height: height}
	for i := 0; i < txs; i++ {
		b.Txs = append(b.Txs, []byte(fmt.Sprintf("tx %d of block %d", i, height)))
		var evs []abci.Event
		for e := 0; e < eventsPerTx; e++ {
			evs = append(evs, abci.Event{Type: "member.joined", Attributes: []abci.EventAttribute{
				{Key: "id", Value: strings.Repeat("a", 64), Index: true},
				{Key: "chapter", Value: "region-07", Index: true},
			}})
		}
		b.Results = append(b.Results, &abci.ExecTxResult{Events: evs})
	}
	return b
}

// The recent-tx cache is bounded by the memory its outcomes take, not only
// by their number: an import's batches each carry hundreds of events, and a
// cache of 100,000 of them held every batch of a million-member import
// (469 MB of events at 1M, pnyx bench registry --memprofile). The newest
// block's txs are always kept, so a waiter registered while it is recorded
// is never left behind.
func TestRecentTxsAreBoundedByBytes(t *testing.T) {
	tr := newTxTracker(100_000)
	tr.maxBytes = 4 << 20
	var last *CommittedBlock
	for h := int64(1); h <= 200; h++ {
		last = blockOfBatches(h, 16, 500)
		tr.add(last)
		if tr.bytes > tr.maxBytes && len(tr.recent) > 16 {
			t.Fatalf("after block %d the cache holds %d bytes in %d txs, over its %d", h, tr.bytes, len(tr.recent), tr.maxBytes)
		}
	}
	for i, tx := range last.Txs {
		if _, ok := tr.find(TxHash(tx)); !ok {
			t.Fatalf("tx %d of the newest block was evicted", i)
		}
	}
	if _, ok := tr.find(TxHash(blockOfBatches(1, 1, 0).Txs[0])); ok {
		t.Fatal("the first block's tx is still cached after 200 blocks of 16 batches")
	}

	// One block larger than the whole budget is still kept whole.
	big := blockOfBatches(201, 64, 500)
	tr.add(big)
	for i, tx := range big.Txs {
		if _, ok := tr.find(TxHash(tx)); !ok {
			t.Fatalf("tx %d of a block larger than the budget was evicted", i)
		}
	}
	if len(tr.recent) != len(big.Txs) {
		t.Fatalf("the cache holds %d txs after a block over budget, want its %d alone", len(tr.recent), len(big.Txs))
	}

	// Small txs are still bounded by their count.
	few := newTxTracker(10)
	for h := int64(1); h <= 5; h++ {
		few.add(blockOfBatches(h, 4, 0))
	}
	if len(few.recent) != 10 {
		t.Fatalf("a cache of 10 holds %d txs after 5 blocks of 4", len(few.recent))
	}
}

// A tx that failed in its block left its nonce unused, so a client sending
// the same body again signs the same bytes. A wait for the new copy, handed
// to the mempool after the first committed, must get the new copy's
// outcome, not the old one's; a copy that changed state is never
// superseded by a later replay of it (which the chain refuses).
func TestASecondCopyOfAFailedTxIsWaitedFor(t *testing.T) {
	tr := newTxTracker(100)
	raw := []byte("member/approve, nonce 2")
	block := func(h int64, code uint32) *CommittedBlock {
		return &CommittedBlock{Height: h, Txs: [][]byte{raw}, Results: []*abci.ExecTxResult{{Code: code}}}
	}
	tr.add(block(5, 10))
	if o, err := tr.wait(t.Context(), TxHash(raw), 4); err != nil || o.Height != 5 {
		t.Fatalf("a wait from before block 5 got %+v, %v", o, err)
	}

	got := waitInBackground(t, tr, raw, 6)
	tr.add(block(7, 0))
	if o := <-got; o.Height != 7 || o.Code != 0 {
		t.Fatalf("the wait for the second copy got the outcome of block %d (code %d)", o.Height, o.Code)
	}
	if o, _ := tr.find(TxHash(raw)); o.Height != 7 {
		t.Fatalf("the cache answers block %d's outcome for the second copy", o.Height)
	}
	tr.add(block(8, 4)) // a replay, refused
	if o, _ := tr.find(TxHash(raw)); o.Height != 7 || o.Code != 0 {
		t.Fatalf("a refused replay superseded the copy that changed state: block %d, code %d", o.Height, o.Code)
	}
	if o, err := tr.wait(t.Context(), TxHash(raw), 6); err != nil || o.Height != 7 {
		t.Fatalf("a wait from block 6 got %+v, %v", o, err)
	}
}

// TestAWaitIsAnsweredByItsOwnCopy: the follower that records outcomes can
// run behind the state a submission read its height from. A wait for a
// copy handed over above height 5 is not answered by a failed earlier copy
// the follower records late (block 5), only by a later block's outcome;
// and a copy that succeeded is the answer whatever its height (the same
// bytes succeed once), as when a client sends again a tx that committed
// but whose answer it lost, and the mempool's cache already holds it.
func TestAWaitIsAnsweredByItsOwnCopy(t *testing.T) {
	tr := newTxTracker(100)
	raw := []byte("member/approve, nonce 3")
	block := func(h int64, code uint32) *CommittedBlock {
		return &CommittedBlock{Height: h, Txs: [][]byte{raw}, Results: []*abci.ExecTxResult{{Code: code}}}
	}
	got := waitInBackground(t, tr, raw, 5)
	tr.add(block(5, 10)) // recorded late: the copy before this one
	select {
	case o := <-got:
		t.Fatalf("the wait from above block 5 was answered by block %d (code %d)", o.Height, o.Code)
	default:
	}
	if waitersOf(tr, raw) != 1 {
		t.Fatal("the waiter was dropped by an outcome that did not answer it")
	}
	tr.add(block(6, 0))
	if o := <-got; o.Height != 6 || o.Code != 0 {
		t.Fatalf("the wait got block %d (code %d), want 6 (0)", o.Height, o.Code)
	}

	// The success at 6 answers a wait from above 9: it is the only one.
	if o, err := tr.wait(t.Context(), TxHash(raw), 9); err != nil || o.Height != 6 {
		t.Fatalf("a wait from above 9 got %+v, %v; want the success at 6", o, err)
	}
}

// waitInBackground starts a wait for raw's outcome from above height after
// and returns once the waiter is registered; the outcome arrives on the
// channel.
func waitInBackground(t *testing.T, tr *txTracker, raw []byte, after int64) <-chan TxOutcome {
	t.Helper()
	before := waitersOf(tr, raw)
	got := make(chan TxOutcome, 1)
	go func() {
		o, err := tr.wait(t.Context(), TxHash(raw), after)
		if err != nil {
			t.Error(err)
		}
		got <- o
	}()
	for waitersOf(tr, raw) == before {
		runtime.Gosched()
	}
	return got
}

// waitersOf is the number of waits registered for raw.
func waitersOf(tr *txTracker, raw []byte) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.waiters[[32]byte(TxHash(raw))])
}
