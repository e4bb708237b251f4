package netdrill

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// FloodBatch is how many txs the flooder signs and sends per request
// (POST /v1/txs/batch, which admits them in nonce order, without waiting).
const FloodBatch = 200

// Flood is one signer sending as many txs as one node's API takes
// (issue 12 finding 5: one member pushed 84,500 comments in 31 s). It
// signs as Cluster.Flooder, an HQ administrator of its own in genesis,
// creating chapters: the node's budgets are per signer, whatever the
// signer's role, so what they do to a member's flood they do to this one.
type Flood struct {
	cancel context.CancelFunc
	done   chan struct{}

	// Sent counts txs sent, Admitted those the node took into its
	// mempool, Refused those it refused as over the signer's budget
	// (codes.Unavailable); other refusals (a nonce behind a refused tx)
	// are in neither.
	Sent, Admitted, Refused atomic.Int64
	// Err is why the flood stopped early, if it did.
	err atomic.Value
}

// StartFlood starts the flooder against node i's API.
func (c *Cluster) StartFlood(ctx context.Context, i int) (*Flood, error) {
	if c.Flooder == nil {
		return nil, fmt.Errorf("netdrill: the cluster has no flooder (Options.Flood)")
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &Flood{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.run(ctx, c, i)
	}()
	return f, nil
}

// Stop ends the flood and returns why it ended early, if it did.
func (f *Flood) Stop() error {
	f.cancel()
	<-f.done
	if err, ok := f.err.Load().(error); ok {
		return err
	}
	return nil
}

func (f *Flood) run(ctx context.Context, c *Cluster, i int) {
	key := c.Flooder
	pub := hex.EncodeToString(key.Public().(ed25519.PublicKey))
	var nonce uint64
	known := false
	var n int
	for ctx.Err() == nil {
		if !known {
			var a wire.Account
			if err := c.getJSON(ctx, i, "/v1/accounts/"+pub, &a); err != nil {
				sleep(ctx, 100*time.Millisecond)
				continue
			}
			nonce, known = a.NextNonce, true
		}
		batch := wire.SubmitBatchRequest{Txs: make([]string, FloodBatch)}
		for k := range batch.Txs {
			n++
			id := fmt.Sprintf("f-%d-%d", seq.Add(1), n)
			env := &tx.Envelope{ChainID: c.ChainID, Type: org.TypeCreateChapter, Nonce: nonce + uint64(k)}
			if err := env.SetBody(org.CreateChapterBody{ID: id, Name: "flood " + id, Parent: "hq"}); err != nil {
				panic(err) // a fixed struct always encodes
			}
			env.Sign(key)
			batch.Txs[k] = base64.StdEncoding.EncodeToString(env.Encode())
		}
		res, err := c.postBatch(ctx, i, batch)
		if err != nil {
			if ctx.Err() == nil {
				f.err.Store(err)
			}
			return
		}
		f.Sent.Add(int64(len(batch.Txs)))
		// The node admits a prefix; what follows the first refusal fails
		// on its nonce. Go on from the first tx not admitted.
		admitted := 0
		for _, r := range res.Results {
			if r.Code != codes.OK {
				if r.Code == codes.Unavailable {
					f.Refused.Add(1)
				}
				break
			}
			admitted++
		}
		f.Admitted.Add(int64(admitted))
		nonce += uint64(admitted)
		if admitted == 0 && len(res.Results) > 0 && res.Results[0].Code != codes.Unavailable {
			known = false // the mempool dropped some of ours: ask again
		}
	}
}

func (c *Cluster) postBatch(ctx context.Context, i int, b wire.SubmitBatchRequest) (wire.SubmitBatchResponse, error) {
	var out wire.SubmitBatchResponse
	body, err := json.Marshal(b)
	if err != nil {
		return out, err
	}
	return out, c.post(ctx, i, "/v1/txs/batch", "application/json", body, &out)
}

// Reader reads a public record from the nodes in turn, one request at a
// time, and keeps each read's latency: the API's answer time for someone
// who is not the flooder.
type Reader struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	lat    []time.Duration
	fails  int
}

// StartReader starts a reader of GET path on the reachable nodes.
func (c *Cluster) StartReader(ctx context.Context, path string) *Reader {
	ctx, cancel := context.WithCancel(ctx)
	r := &Reader{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for turn := 0; ctx.Err() == nil; turn++ {
			nodes := c.Reachable()
			if len(nodes) == 0 {
				sleep(ctx, 100*time.Millisecond)
				continue
			}
			var v json.RawMessage
			t0 := time.Now()
			err := c.getJSON(ctx, nodes[turn%len(nodes)], path, &v)
			d := time.Since(t0)
			r.mu.Lock()
			if err == nil {
				r.lat = append(r.lat, d)
			} else if ctx.Err() == nil {
				r.fails++
			}
			r.mu.Unlock()
			sleep(ctx, 20*time.Millisecond)
		}
	}()
	return r
}

// Stop ends the reader and returns its latencies, sorted, and how many
// reads failed.
func (r *Reader) Stop() ([]time.Duration, int) {
	r.cancel()
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.lat)
	slices.Sort(out)
	return out, r.fails
}

// permille is the q/1000-th quantile of sorted durations, 0 for none.
func permille(sorted []time.Duration, q int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*q/1000)]
}
