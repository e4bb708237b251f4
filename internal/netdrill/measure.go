package netdrill

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/pnyx-party/pnyx/wire"
)

// Measurement is what Measure saw.
type Measurement struct {
	Validators, Down int
	Acknowledged     int
	Blocks           int64
	Elapsed          time.Duration
	P50, P99         time.Duration // submission to acknowledged commit
}

func (m Measurement) String() string {
	return fmt.Sprintf("validators=%d down=%d acknowledged=%d blocks=%d seconds=%.1f tx_per_s=%.1f blocks_per_s=%.2f p50_ms=%d p99_ms=%d",
		m.Validators, m.Down, m.Acknowledged, m.Blocks, m.Elapsed.Seconds(),
		float64(m.Acknowledged)/m.Elapsed.Seconds(), float64(m.Blocks)/m.Elapsed.Seconds(),
		m.P50.Milliseconds(), m.P99.Milliseconds())
}

// Measure stops the last down validators (kill -9), runs the load for d on
// the rest and reports committed tx/s, blocks/s and commit latency. Each
// worker has one tx in flight, so tx/s follows the block rate: it is the
// figure that shows what a dead proposer costs.
func (c *Cluster) Measure(ctx context.Context, down int, d time.Duration) (Measurement, error) {
	vals := 0
	for _, h := range c.Hosts {
		if h.Role == "validator" {
			vals++
		}
	}
	m := Measurement{Validators: vals, Down: down}
	for k := range down {
		if err := c.Kill(vals-1-k, syscall.SIGKILL); err != nil {
			return m, err
		}
	}
	up := c.Running()
	h0 := c.MaxHeight(ctx, up)
	load := c.StartLoad(ctx)
	t0 := time.Now()
	sleep(ctx, d)
	acked := load.Stop()
	m.Elapsed = time.Since(t0)
	m.Blocks = c.MaxHeight(ctx, up) - h0
	m.Acknowledged = len(acked)
	if lat := load.Latencies(); len(lat) > 0 {
		m.P50, m.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	if m.Acknowledged == 0 {
		return m, fmt.Errorf("netdrill: nothing committed in %v with %d of %d validators down", d, down, vals)
	}
	return m, nil
}

// Phase is what the load workers (the other members) and a reader saw
// during one stretch of MeasureFlood.
type Phase struct {
	Acknowledged int
	Blocks       int64
	Elapsed      time.Duration
	// P50 and P99 are the workers' times from submission to acknowledged
	// commit; ReadP50 and ReadP99 a reader's GET of a public record.
	P50, P99, ReadP50, ReadP99 time.Duration
	ReadFails                  int
}

func (p Phase) fields(prefix string) string {
	var b strings.Builder
	for i, kv := range []struct {
		k string
		v any
	}{
		{"tx_per_s", fmt.Sprintf("%.1f", float64(p.Acknowledged)/p.Elapsed.Seconds())},
		{"blocks_per_s", fmt.Sprintf("%.2f", float64(p.Blocks)/p.Elapsed.Seconds())},
		{"p50_ms", p.P50.Milliseconds()}, {"p99_ms", p.P99.Milliseconds()},
		{"read_p50_ms", p.ReadP50.Milliseconds()}, {"read_p99_ms", p.ReadP99.Milliseconds()},
		{"read_fails", p.ReadFails},
	} {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s_%s=%v", prefix, kv.k, kv.v)
	}
	return b.String()
}

// FloodMeasurement is the other members' latency without and with one
// signer flooding (issue 12 finding 5), on the same cluster one after the
// other.
type FloodMeasurement struct {
	Validators, Down, Workers int
	Quiet, Flooded            Phase
	// What the flooder sent to its node, what the node admitted to its
	// mempool and refused as over the signer's budget, and how many of
	// its txs the chain committed during the flood.
	Sent, Admitted, Refused, Committed int64
}

func (m FloodMeasurement) String() string {
	return fmt.Sprintf("validators=%d down=%d workers=%d %s %s flood_sent=%d flood_admitted=%d flood_refused=%d flood_committed=%d flood_committed_per_s=%.1f",
		m.Validators, m.Down, m.Workers, m.Quiet.fields("quiet"), m.Flooded.fields("flood"),
		m.Sent, m.Admitted, m.Refused, m.Committed, float64(m.Committed)/m.Flooded.Elapsed.Seconds())
}

// FloodReadPath is the public record the reader of MeasureFlood reads.
const FloodReadPath = "/v1/chapters/hq"

// MeasureFlood stops the last down validators (kill -9), then runs the
// load for d on the rest twice: first alone, then while Cluster.Flooder
// floods v0's API (StartFlood). Each time a reader reads FloodReadPath from
// the nodes in turn. The cluster needs Options.Flood.
func (c *Cluster) MeasureFlood(ctx context.Context, down int, d time.Duration) (FloodMeasurement, error) {
	vals := 0
	for _, h := range c.Hosts {
		if h.Role == "validator" {
			vals++
		}
	}
	m := FloodMeasurement{Validators: vals, Down: down, Workers: len(c.Admins)}
	if c.Flooder == nil {
		return m, fmt.Errorf("netdrill: MeasureFlood needs a cluster made with Options.Flood")
	}
	for k := range down {
		if err := c.Kill(vals-1-k, syscall.SIGKILL); err != nil {
			return m, err
		}
	}
	up := c.Running()
	target := up[0]
	phase := func(flood bool) (Phase, error) {
		var p Phase
		h0 := c.MaxHeight(ctx, up)
		var f *Flood
		if flood {
			var err error
			if f, err = c.StartFlood(ctx, target); err != nil {
				return p, err
			}
		}
		load := c.StartLoad(ctx)
		reader := c.StartReader(ctx, FloodReadPath)
		t0 := time.Now()
		sleep(ctx, d)
		acked := load.Stop()
		p.Elapsed = time.Since(t0)
		reads, fails := reader.Stop()
		if f != nil {
			if err := f.Stop(); err != nil {
				return p, fmt.Errorf("netdrill: the flood stopped early: %w", err)
			}
			m.Sent, m.Admitted, m.Refused = f.Sent.Load(), f.Admitted.Load(), f.Refused.Load()
		}
		p.Blocks = c.MaxHeight(ctx, up) - h0
		p.Acknowledged = len(acked)
		lat := load.Latencies()
		p.P50, p.P99 = permille(lat, 500), permille(lat, 990)
		p.ReadP50, p.ReadP99, p.ReadFails = permille(reads, 500), permille(reads, 990), fails
		if p.Acknowledged == 0 {
			return p, fmt.Errorf("netdrill: the other members committed nothing in %v (flood %v)", d, flood)
		}
		return p, nil
	}
	var err error
	if m.Quiet, err = phase(false); err != nil {
		return m, err
	}
	n0, err := c.NextNonce(ctx, target, c.Flooder)
	if err != nil {
		return m, err
	}
	if m.Flooded, err = phase(true); err != nil {
		return m, err
	}
	n1, err := c.NextNonce(ctx, target, c.Flooder)
	if err != nil {
		return m, err
	}
	m.Committed = int64(n1 - n0)
	return m, nil
}

// NextNonce is key's next nonce in node i's committed state.
func (c *Cluster) NextNonce(ctx context.Context, i int, key ed25519.PrivateKey) (uint64, error) {
	var a wire.Account
	err := c.getJSON(ctx, i, "/v1/accounts/"+hex.EncodeToString(key.Public().(ed25519.PublicKey)), &a)
	return a.NextNonce, err
}
