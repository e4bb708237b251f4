package netdrill

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// Load is a running load: Workers goroutines, each an HQ administrator,
// each creating chapters one tx at a time and waiting for the commit, on a
// node picked in turn from those reachable.
type Load struct {
	c      *Cluster
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	acked map[string]int64 // tx hash (hex) -> height a node answered
	lat   []time.Duration  // submission to acknowledged commit, per acked tx
	tries atomic.Int64
	fails atomic.Int64
}

// seq numbers chapters across loads so that IDs never repeat in a cluster.
var seq atomic.Int64

// StartLoad starts the workers; Stop ends them and returns what was
// acknowledged.
func (c *Cluster) StartLoad(ctx context.Context) *Load {
	ctx, cancel := context.WithCancel(ctx)
	l := &Load{c: c, cancel: cancel, acked: map[string]int64{}}
	for w, key := range c.Admins {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.work(ctx, w, key)
		}()
	}
	return l
}

// Stop ends the load, waiting for requests in flight, and returns the
// acknowledged txs (hash -> height).
func (l *Load) Stop() map[string]int64 {
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acked
}

// Latencies are the acknowledged txs' times from submission to the
// answer that they committed, sorted. Call after Stop.
func (l *Load) Latencies() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.lat)
	slices.Sort(out)
	return out
}

// settleTimeout bounds how long a drill waits for the load to commit
// before the fault and after the repair.
const settleTimeout = 30 * time.Second

// WaitAcked waits until at least n txs are acknowledged, for at most
// timeout, and reports whether they were.
func (l *Load) WaitAcked(ctx context.Context, n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for l.Acked() < n {
		if ctx.Err() != nil || time.Now().After(deadline) {
			return false
		}
		sleep(ctx, 50*time.Millisecond)
	}
	return true
}

// Acked is how many txs were acknowledged so far.
func (l *Load) Acked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

func (l *Load) work(ctx context.Context, w int, key ed25519.PrivateKey) {
	pub := hex.EncodeToString(key.Public().(ed25519.PublicKey))
	var nonce uint64
	known := false
	turn := w
	for ctx.Err() == nil {
		nodes := l.c.Reachable()
		if len(nodes) == 0 {
			sleep(ctx, 200*time.Millisecond)
			continue
		}
		turn++
		i := nodes[turn%len(nodes)]
		if !known {
			var a wire.Account
			if err := l.c.getJSON(ctx, i, "/v1/accounts/"+pub, &a); err != nil {
				sleep(ctx, 200*time.Millisecond)
				continue
			}
			nonce, known = a.NextNonce, true
		}
		id := fmt.Sprintf("d%d-%d", w, seq.Add(1))
		env := &tx.Envelope{ChainID: l.c.ChainID, Type: org.TypeCreateChapter, Nonce: nonce}
		if err := env.SetBody(org.CreateChapterBody{ID: id, Name: "drill " + id, Parent: "hq"}); err != nil {
			panic(err) // a fixed struct always encodes
		}
		env.Sign(key)
		raw := env.Encode()
		l.tries.Add(1)
		t0 := time.Now()
		res, err := l.c.submit(ctx, i, raw)
		if err != nil || res.Code != 0 || res.Stage != "commit" {
			// Unknown or refused: the tx may still commit somewhere, so
			// ask for the nonce again rather than guess.
			l.fails.Add(1)
			known = false
			sleep(ctx, 100*time.Millisecond)
			continue
		}
		h := sha256.Sum256(raw)
		l.mu.Lock()
		l.acked[hex.EncodeToString(h[:])] = res.Height
		l.lat = append(l.lat, time.Since(t0))
		l.mu.Unlock()
		nonce++
	}
}

// submit sends a raw tx to node i and waits for its commit.
func (c *Cluster) submit(ctx context.Context, i int, raw []byte) (wire.TxResult, error) {
	var res wire.TxResult
	return res, c.post(ctx, i, "/v1/txs?wait=1", wire.RawTxType, raw, &res)
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// SendAs signs a tx of typ with body as key (its next nonce read from node
// i) and submits it to node i, waiting for the commit; a refusal is an
// error naming its code.
func (c *Cluster) SendAs(ctx context.Context, i int, key ed25519.PrivateKey, typ string, body any) (wire.TxResult, error) {
	var a wire.Account
	if err := c.getJSON(ctx, i, "/v1/accounts/"+hex.EncodeToString(key.Public().(ed25519.PublicKey)), &a); err != nil {
		return wire.TxResult{}, err
	}
	env := &tx.Envelope{ChainID: c.ChainID, Type: typ, Nonce: a.NextNonce}
	if err := env.SetBody(body); err != nil {
		return wire.TxResult{}, err
	}
	env.Sign(key)
	res, err := c.submit(ctx, i, env.Encode())
	if err == nil && res.Code != 0 {
		err = fmt.Errorf("netdrill: %s refused: %d %s: %s", typ, res.Code, res.Name, res.Log)
	}
	return res, err
}
