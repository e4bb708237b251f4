package netdrill

import (
	"context"
	"fmt"
	"syscall"
	"time"
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
