package node

import (
	"context"
	"sync"
)

// DefaultRecentTxs is how many committed txs FindTx and WaitTx remember.
// About 100 bytes each plus events: tens of MB at most.
const DefaultRecentTxs = 100_000

// txTracker is the recent-tx cache and the registry of WaitTx waiters. The
// follower adds every committed tx; a waiter registers under the same lock
// it checks the cache with, so a tx cannot commit between the check and the
// registration unnoticed.
type txTracker struct {
	mu      sync.Mutex
	cap     int
	recent  map[[32]byte]TxOutcome
	order   [][32]byte // ring of keys in recent, oldest at next
	next    int
	waiters map[[32]byte][]chan TxOutcome
	done    chan struct{}
}

func newTxTracker(capacity int) *txTracker {
	if capacity <= 0 {
		capacity = DefaultRecentTxs
	}
	return &txTracker{
		cap:     capacity,
		recent:  make(map[[32]byte]TxOutcome),
		waiters: make(map[[32]byte][]chan TxOutcome),
		done:    make(chan struct{}),
	}
}

func (t *txTracker) add(b *CommittedBlock) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, tx := range b.Txs {
		var key [32]byte
		copy(key[:], TxHash(tx))
		out := outcomeOf(b, i)
		// The same tx bytes can be included twice (the mempool gives no
		// replay protection; the app rejects the replay). Keep the first
		// outcome: that is the one that changed state.
		if _, dup := t.recent[key]; !dup {
			if len(t.order) < t.cap {
				t.order = append(t.order, key)
			} else {
				delete(t.recent, t.order[t.next])
				t.order[t.next] = key
				t.next = (t.next + 1) % t.cap
			}
			t.recent[key] = out
		}
		for _, ch := range t.waiters[key] {
			ch <- out // buffered, one send per channel
		}
		delete(t.waiters, key)
	}
}

// outcomeOf is the outcome of b's i-th tx.
func outcomeOf(b *CommittedBlock, i int) TxOutcome {
	r := b.Results[i]
	return TxOutcome{
		Hash:      TxHash(b.Txs[i]),
		Height:    b.Height,
		Index:     uint32(i),
		Code:      r.Code,
		Codespace: r.Codespace,
		Log:       r.Log,
		Data:      r.Data,
		GasWanted: r.GasWanted,
		GasUsed:   r.GasUsed,
		Events:    r.Events,
	}
}

func (t *txTracker) find(hash []byte) (TxOutcome, bool) {
	var key [32]byte
	if len(hash) != len(key) {
		return TxOutcome{}, false
	}
	copy(key[:], hash)
	t.mu.Lock()
	defer t.mu.Unlock()
	out, ok := t.recent[key]
	return out, ok
}

func (t *txTracker) wait(ctx context.Context, hash []byte) (TxOutcome, error) {
	var key [32]byte
	copy(key[:], hash)
	t.mu.Lock()
	if out, ok := t.recent[key]; ok {
		t.mu.Unlock()
		return out, nil
	}
	ch := make(chan TxOutcome, 1)
	t.waiters[key] = append(t.waiters[key], ch)
	t.mu.Unlock()

	select {
	case out := <-ch:
		return out, nil
	case <-ctx.Done():
		t.forget(key, ch)
		return TxOutcome{}, ctx.Err()
	case <-t.done:
		return TxOutcome{}, ErrStopped
	}
}

// forget removes an abandoned waiter so the registry does not grow with
// txs that never commit.
func (t *txTracker) forget(key [32]byte, ch chan TxOutcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ws := t.waiters[key]
	for i, c := range ws {
		if c == ch {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(t.waiters, key)
	} else {
		t.waiters[key] = ws
	}
}

func (t *txTracker) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	select {
	case <-t.done:
	default:
		close(t.done)
	}
}
