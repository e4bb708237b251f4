package netdrill

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/wire"
)

// Report is what one drill found.
type Report struct {
	Drill string
	// Acknowledged txs were answered as committed by some node; Lost of
	// them are missing (or failed) on at least one running node afterwards.
	Acknowledged, Lost int
	// AfterRepair of the acknowledged txs were answered once the drill's
	// repair was done: the network takes new txs again.
	AfterRepair int
	// Heights is how many heights at least two homes share; at
	// DivergentHeights of them the homes' app hashes differ.
	Heights, DivergentHeights int
	// Recover is the time from the repair (restart, heal) to the network
	// being whole again; what "whole" means is each drill's (Drill).
	Recover time.Duration
	// TxPerSec is acknowledged txs per second of load.
	TxPerSec float64
}

func (r Report) String() string {
	return fmt.Sprintf("drill=%s acknowledged=%d after_repair=%d lost=%d divergent_heights=%d heights=%d recover_ms=%d tx_per_s=%.1f",
		r.Drill, r.Acknowledged, r.AfterRepair, r.Lost, r.DivergentHeights, r.Heights, r.Recover.Milliseconds(), r.TxPerSec)
}

// OK reports whether nothing was lost, nothing diverged, and the network
// committed new txs after the repair.
func (r Report) OK() bool {
	return r.Lost == 0 && r.DivergentHeights == 0 && r.Acknowledged > 0 && r.AfterRepair > 0
}

// Drill is one fault drill: it runs under load (started before, stopped
// after) and returns the recovery time.
type Drill struct {
	Name string
	Run  func(ctx context.Context, c *Cluster) (time.Duration, error)
}

// Hold is how long a drill keeps a fault in place, and the load runs
// before it, so that blocks are committed while the fault lasts.
var Hold = 6 * time.Second

// AllDrills are the drills in the order they run: each leaves every node
// running and connected, except OneDown, which leaves one validator
// stopped until RestartAll.
var AllDrills = []Drill{Kill9, PartitionOne, PartitionTwo, Impaired, SentryDown, OneDown, RestartAll}

// SentryDown kills the sentry s0, v0's only peer: v0 is cut off and the
// other three go on; restarted, the sentry reconnects v0, which catches up
// through it. Recovered when v0 has the height the others had at the
// restart. (Skipped, as a no-op, in a cluster without a sentry.)
var SentryDown = Drill{"sentry_down", func(ctx context.Context, c *Cluster) (time.Duration, error) {
	s := -1
	for i, h := range c.Hosts {
		if h.Fronts != "" {
			s = i
		}
	}
	if s < 0 {
		return 0, nil
	}
	v := c.Index(c.Hosts[s].Fronts)
	if err := c.Kill(s, syscall.SIGKILL); err != nil {
		return 0, err
	}
	sleep(ctx, Hold)
	if err := c.progress(ctx, others(c, v, s)); err != nil {
		return 0, fmt.Errorf("3 of 4 validators should go on without v0's sentry: %w", err)
	}
	target := c.MaxHeight(ctx, others(c, v, s))
	t0 := time.Now()
	if err := c.Start(s); err != nil {
		return 0, err
	}
	err := c.WaitHeight(ctx, []int{v, s}, target)
	return time.Since(t0), err
}}

// Kill9: kill -9 validator v1 under load, restart it; recovered when it
// has caught up with the height the others had when it restarted.
var Kill9 = Drill{"kill9", func(ctx context.Context, c *Cluster) (time.Duration, error) {
	v := c.Index("v1")
	if err := c.Kill(v, syscall.SIGKILL); err != nil {
		return 0, err
	}
	sleep(ctx, Hold)
	if err := c.progress(ctx, others(c, v)); err != nil {
		return 0, fmt.Errorf("3 of 4 validators should go on: %w", err)
	}
	target := c.MaxHeight(ctx, others(c, v))
	t0 := time.Now()
	if err := c.Start(v); err != nil {
		return 0, err
	}
	err := c.WaitHeight(ctx, []int{v}, target)
	return time.Since(t0), err
}}

// PartitionOne cuts v2's link, keeps it cut while the others go on, and
// heals it; recovered when v2 has the height the others had at the heal.
var PartitionOne = Drill{"partition_one", func(ctx context.Context, c *Cluster) (time.Duration, error) {
	v := c.Index("v2")
	if err := c.Cut(v); err != nil {
		return 0, err
	}
	sleep(ctx, Hold)
	if err := c.progress(ctx, others(c, v)); err != nil {
		return 0, fmt.Errorf("3 of 4 validators should go on: %w", err)
	}
	target := c.MaxHeight(ctx, others(c, v))
	t0 := time.Now()
	if err := c.Heal(v); err != nil {
		return 0, err
	}
	err := c.WaitHeight(ctx, []int{v}, target)
	return time.Since(t0), err
}}

// PartitionTwo cuts v1 and v2: two of four validators hold half the
// power, less than 2/3, so the chain must halt; healed, it must resume.
// Recovered at the first block after the halt.
var PartitionTwo = Drill{"partition_two", func(ctx context.Context, c *Cluster) (time.Duration, error) {
	a, b := c.Index("v1"), c.Index("v2")
	for _, v := range []int{a, b} {
		if err := c.Cut(v); err != nil {
			return 0, err
		}
	}
	rest := others(c, a, b)
	sleep(ctx, 2*time.Second) // a block in flight may still commit
	h0 := c.MaxHeight(ctx, rest)
	sleep(ctx, Hold)
	if h1 := c.MaxHeight(ctx, rest); h1 > h0 {
		return 0, fmt.Errorf("the chain went on from %d to %d without 2/3 of the power", h0, h1)
	}
	t0 := time.Now()
	for _, v := range []int{a, b} {
		if err := c.Heal(v); err != nil {
			return 0, err
		}
	}
	err := c.WaitHeight(ctx, c.all(), h0+1)
	return time.Since(t0), err
}}

// Impaired makes v3's link slow and lossy (Lab.Impair) while the load
// runs, then restores it; recovered when v3 has the others' height.
var Impaired = Drill{"delay_loss", func(ctx context.Context, c *Cluster) (time.Duration, error) {
	v := c.Index("v3")
	how, err := c.Lab.Impair(c.Hosts[v].Name)
	if err != nil {
		return 0, err
	}
	c.logf("delay_loss: v3's link: %s", how)
	sleep(ctx, Hold)
	if err := c.progress(ctx, c.all()); err != nil {
		return 0, err
	}
	target := c.MaxHeight(ctx, others(c, v))
	if st := c.Lab.ImpairStats(c.Hosts[v].Name); st != "" {
		c.logf("delay_loss: v3's link frames: %s", st)
	}
	t0 := time.Now()
	if err := c.Lab.Unimpair(c.Hosts[v].Name); err != nil {
		return 0, err
	}
	err = c.WaitHeight(ctx, []int{v}, target)
	return time.Since(t0), err
}}

// OneDown stops v3 for good: the chain goes on with 3 of 4. Recover is
// the time from the kill to the next block.
var OneDown = Drill{"one_down", func(ctx context.Context, c *Cluster) (time.Duration, error) {
	v := c.Index("v3")
	h0 := c.MaxHeight(ctx, others(c, v))
	t0 := time.Now()
	if err := c.Kill(v, syscall.SIGKILL); err != nil {
		return 0, err
	}
	if err := c.WaitHeight(ctx, others(c, v), h0+1); err != nil {
		return 0, err
	}
	d := time.Since(t0)
	sleep(ctx, Hold)
	return d, c.progress(ctx, others(c, v))
}}

// RestartAll kills every node with -9 at once and starts them all again
// (the one OneDown left stopped too); recovered at the first new block on
// every node.
var RestartAll = Drill{"restart_all", func(ctx context.Context, c *Cluster) (time.Duration, error) {
	h0 := c.MaxHeight(ctx, c.Running())
	for _, i := range c.Running() {
		if err := c.Kill(i, syscall.SIGKILL); err != nil {
			return 0, err
		}
	}
	t0 := time.Now()
	for i := range c.Hosts {
		if err := c.Start(i); err != nil {
			return 0, err
		}
	}
	err := c.WaitHeight(ctx, c.all(), h0+1)
	return time.Since(t0), err
}}

func (c *Cluster) logf(format string, args ...any) {
	if c.log != nil {
		fmt.Fprintf(c.log, format+"\n", args...)
	}
}

func others(c *Cluster, not ...int) []int {
	var out []int
	for i := range c.Hosts {
		skip := false
		for _, n := range not {
			skip = skip || n == i
		}
		if !skip {
			out = append(out, i)
		}
	}
	return out
}

// progress checks that the listed nodes commit a new block within 30 s.
func (c *Cluster) progress(ctx context.Context, nodes []int) error {
	h := c.MaxHeight(ctx, nodes)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return c.WaitHeight(wctx, nodes, h+1)
}

// RunDrills runs each drill under load and checks it (Check), printing
// each report to out as it is made. It stops at the first drill that
// fails to run; a drill that ran but lost or diverged is reported, not an
// error, so the caller sees every figure.
func (c *Cluster) RunDrills(ctx context.Context, drills []Drill, out io.Writer) ([]Report, error) {
	var reports []Report
	c.log = out
	for _, d := range drills {
		load := c.StartLoad(ctx)
		t0 := time.Now()
		// The drill starts on a network that commits the load: every
		// drill follows Check's restart of all nodes, whose first blocks
		// can take seconds on a busy machine.
		sleep(ctx, 2*time.Second)
		if !load.WaitAcked(ctx, 1, settleTimeout) {
			load.Stop()
			return reports, fmt.Errorf("netdrill: drill %s: no tx committed within %v before the drill", d.Name, settleTimeout+2*time.Second)
		}
		rec, err := d.Run(ctx, c)
		// Some load after the repair, until at least one new tx commits
		// (or the report says none did).
		before := load.Acked()
		sleep(ctx, time.Second)
		load.WaitAcked(ctx, before+1, settleTimeout)
		afterRepair := load.Acked() - before
		acked := load.Stop()
		loadTime := time.Since(t0)
		if err != nil {
			return reports, fmt.Errorf("netdrill: drill %s: %w", d.Name, err)
		}
		r, err := c.Check(ctx, acked)
		if err != nil {
			return reports, fmt.Errorf("netdrill: drill %s: check: %w", d.Name, err)
		}
		r.Drill, r.Recover, r.AfterRepair = d.Name, rec, afterRepair
		r.TxPerSec = float64(len(acked)) / loadTime.Seconds()
		fmt.Fprintln(out, r)
		reports = append(reports, r)
	}
	return reports, nil
}

// Check verifies a drill's outcome: every running node reaches the
// highest height any of them has, every acknowledged tx is found committed
// (code 0) on every running node, and then — with the nodes stopped — the
// app hashes of all homes agree at every height two or more of them hold.
// The nodes that were running are started again.
func (c *Cluster) Check(ctx context.Context, acked map[string]int64) (Report, error) {
	running := c.Running()
	if err := c.WaitHeight(ctx, running, c.MaxHeight(ctx, running)); err != nil {
		return Report{}, err
	}
	r := Report{Acknowledged: len(acked)}
	for hash := range acked {
		for _, i := range running {
			var res wire.TxResult
			if err := c.getJSON(ctx, i, "/v1/txs/"+hash, &res); err != nil || res.Code != 0 {
				r.Lost++
				break
			}
		}
	}
	for _, i := range running {
		if err := c.Kill(i, syscall.SIGTERM); err != nil {
			return r, err
		}
	}
	var err error
	r.Heights, r.DivergentHeights, err = compareHomes(c.Homes)
	if err != nil {
		return r, err
	}
	for _, i := range running {
		if err := c.Start(i); err != nil {
			return r, err
		}
	}
	return r, c.WaitReady(ctx, running)
}

// compareHomes compares the stored app hashes of stopped homes.
func compareHomes(homes []string) (heights, divergent int, err error) {
	var stored []storedHashes
	for _, h := range homes {
		base, hashes, err := node.StoredAppHashes(h)
		if err != nil {
			return 0, 0, err
		}
		stored = append(stored, storedHashes{base, hashes})
	}
	heights, divergent = compareHashes(stored)
	return heights, divergent, nil
}

// storedHashes are one home's app hashes from height base on.
type storedHashes struct {
	base   int64
	hashes [][]byte
}

// compareHashes counts the heights two or more homes hold and those at
// which their app hashes differ.
func compareHashes(homes []storedHashes) (heights, divergent int) {
	byHeight := map[int64][][]byte{}
	var top int64
	for _, s := range homes {
		for k, hash := range s.hashes {
			byHeight[s.base+int64(k)] = append(byHeight[s.base+int64(k)], hash)
		}
		top = max(top, s.base+int64(len(s.hashes))-1)
	}
	for h := int64(1); h <= top; h++ {
		hs := byHeight[h]
		if len(hs) < 2 {
			continue
		}
		heights++
		for _, x := range hs[1:] {
			if !bytes.Equal(x, hs[0]) {
				divergent++
				break
			}
		}
	}
	return heights, divergent
}
