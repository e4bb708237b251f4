package node

import (
	"context"
	"sync"
)

// DefaultRecentTxs is how many committed txs FindTx and WaitTx remember,
// and DefaultRecentTxBytes how much memory their outcomes may take: about
// 100 bytes each plus events, so a member's single txs are bounded by the
// count, and batches, whose events name each of their 500 members
// (≈ 230 KB a batch), by the bytes. Bounded by count alone, a
// million-member import kept every batch's events: 469 MB at 1M.
// An outcome that fell out is read from the durable lookup.
const (
	DefaultRecentTxs     = 100_000
	DefaultRecentTxBytes = 64 << 20
)

// txTracker is the recent-tx cache and the registry of WaitTx waiters. The
// follower adds every committed tx; a waiter registers under the same lock
// it checks the cache with, so a tx cannot commit between the check and the
// registration unnoticed.
type txTracker struct {
	mu       sync.Mutex
	cap      int
	maxBytes int
	bytes    int // outcomeBytes of everything in recent
	recent   map[[32]byte]TxOutcome
	order    []trackedTx // what recent holds, oldest first from head
	head     int
	waiters  map[[32]byte][]txWaiter
	done     chan struct{}
}

// txWaiter waits for the outcome of a copy handed to the mempool above
// height after.
type txWaiter struct {
	ch    chan TxOutcome
	after int64
}

// answers tells whether out is the outcome of a copy handed to the mempool
// above height after: one from a later block, or a success from any block,
// since the same bytes succeed at most once (a failed copy left its nonce
// unused; a copy that succeeded is the tx's outcome, however it was sent).
func answers(out TxOutcome, after int64) bool { return out.Height > after || out.Code == 0 }

type trackedTx struct {
	key    [32]byte
	height int64
	bytes  int
}

func newTxTracker(capacity int) *txTracker {
	if capacity <= 0 {
		capacity = DefaultRecentTxs
	}
	return &txTracker{
		cap:      capacity,
		maxBytes: DefaultRecentTxBytes,
		recent:   make(map[[32]byte]TxOutcome),
		waiters:  make(map[[32]byte][]txWaiter),
		done:     make(chan struct{}),
	}
}

// outcomeBytes is about what an outcome takes in memory: its strings and
// events with Go's headers.
func outcomeBytes(o TxOutcome) int {
	n := 160 + len(o.Log) + len(o.Data) + len(o.Codespace)
	for _, e := range o.Events {
		n += 48 + len(e.Type)
		for _, a := range e.Attributes {
			n += 48 + len(a.Key) + len(a.Value)
		}
	}
	return n
}

// evict drops the oldest outcomes while the cache is over its count or its
// bytes, but never one of the block at height newest: its txs are recorded
// in the durable lookup only after add returns, so a waiter that missed
// them there must find them here.
func (t *txTracker) evict(newest int64) {
	for t.head < len(t.order) && (len(t.recent) > t.cap || t.bytes > t.maxBytes) {
		old := t.order[t.head]
		if old.height >= newest {
			break
		}
		if cur := t.recent[old.key]; cur.Height == old.height {
			delete(t.recent, old.key) // not superseded by a later copy (add)
		}
		t.bytes -= old.bytes
		t.head++
	}
	if t.head > len(t.order)/2 {
		t.order = append(t.order[:0], t.order[t.head:]...)
		t.head = 0
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
		// outcome that changed state; a failed one changed nothing and left
		// the nonce unused, so a later copy of the same bytes (a client
		// sending the same body again) supersedes it.
		if old, dup := t.recent[key]; !dup || old.Code != 0 {
			size := outcomeBytes(out)
			t.order = append(t.order, trackedTx{key: key, height: b.Height, bytes: size})
			t.bytes += size
			t.recent[key] = out
		}
		// A waiter for a later copy is not answered by an earlier one,
		// which the follower can record after the wait began.
		var still []txWaiter
		for _, w := range t.waiters[key] {
			if answers(out, w.after) {
				w.ch <- out // buffered, one send per channel
			} else {
				still = append(still, w)
			}
		}
		if len(still) == 0 {
			delete(t.waiters, key)
		} else {
			t.waiters[key] = still
		}
	}
	t.evict(b.Height)
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

// wait returns the outcome of the tx with this hash that answers a wait
// from above height after (see answers), at once if one is known.
func (t *txTracker) wait(ctx context.Context, hash []byte, after int64) (TxOutcome, error) {
	var key [32]byte
	copy(key[:], hash)
	t.mu.Lock()
	if out, ok := t.recent[key]; ok && answers(out, after) {
		t.mu.Unlock()
		return out, nil
	}
	ch := make(chan TxOutcome, 1)
	t.waiters[key] = append(t.waiters[key], txWaiter{ch: ch, after: after})
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
	for i, w := range ws {
		if w.ch == ch {
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
