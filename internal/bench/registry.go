package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/wire"
)

// RegistryOptions shape `pnyx bench registry`.
type RegistryOptions struct {
	Members    int           // members to register
	InFlight   int           // approval batches submitted and not yet committed
	Others     int           // members of the second client, who send single txs
	OtherEvery time.Duration // pause between the second client's txs
	ReadEvery  time.Duration // pause between member reads
	CPUProfile string        // a CPU profile of the import
	// ProfileTenths splits CPUProfile in two: CPUProfile+".first" over the
	// first tenth of the import and CPUProfile+".last" over the last, the
	// two tenths whose CPU per member the bench compares.
	ProfileTenths bool
	MemProfile    string // the live heap at the import's end
	Keep          bool   // keep the temporary home
	// NodeExe, if set, is the pnyx binary: the node then runs as `pnyx
	// start` in a process of its own, and the CPU and memory figures are
	// that process's. Unset, the node runs in this process beside the
	// clients (needed for the profiles, which are of this process).
	NodeExe string
}

// registryChapters are the chapters the bench spreads members over, like
// the party's 17 metropolitan and provincial chapters.
const registryChapters = 17

// Registry registers o.Members members through the API of a fresh
// single-validator node as an operator's import does — 500-entry
// member/approve batches from one registrar, o.InFlight of them in flight —
// while a second client sends single signed txs (each waiting for its
// commit) and a reader reads member records with proofs. It ends in
//
//	members=N members_per_s=N cpu_ms_per_member_first=X cpu_ms_per_member_last=X rss_mb=N disk_mb=N other_tx_p95_ms=N read_p95_ms=X
//
// cpu_ms_per_member_first/_last are the node process's CPU time per member
// over the first and the last tenth of the import (with the node in this
// process, the clients' too), so they show how registration cost grows with
// the registry, independent of other load on the machine.
func Registry(ctx context.Context, out, progress io.Writer, o RegistryOptions) error {
	if o.Members < members.MaxBatch {
		return fmt.Errorf("--members must be at least %d", members.MaxBatch)
	}
	if o.InFlight < 1 {
		o.InFlight = 16
	}
	if o.Others < 1 {
		o.Others = 20
	}
	if o.OtherEvery <= 0 {
		o.OtherEvery = 200 * time.Millisecond
	}
	if o.ReadEvery <= 0 {
		o.ReadEvery = 100 * time.Millisecond
	}
	home, err := os.MkdirTemp("", "pnyx-bench-registry-")
	if err != nil {
		return err
	}
	if o.Keep {
		fmt.Fprintln(out, "home:", home)
	} else {
		defer os.RemoveAll(home)
	}
	if o.NodeExe != "" && (o.CPUProfile != "" || o.MemProfile != "") {
		return fmt.Errorf("the profiles are of this process: run the node in it (no NodeExe) to take them")
	}
	var n benchNode
	var c *client.Client
	var adminKey ed25519.PrivateKey
	if o.NodeExe != "" {
		n, c, adminKey, err = startNodeProcess(ctx, o.NodeExe, home)
	} else {
		var r *launch.Running
		r, c, adminKey, err = startBenchNode(ctx, home, launch.Quiet())
		n = inProcessNode{r}
	}
	if err != nil {
		return err
	}
	defer n.Stop()
	admin := c.Signer(adminKey)

	// Setup, untimed: chapters, the registrar's own role is the genesis
	// administrator's, and the second client's members.
	var setup [][]byte
	for i := 0; i < registryChapters; i++ {
		raw, err := admin.Build(ctx, org.TypeCreateChapter, org.CreateChapterBody{ID: fmt.Sprintf("region-%02d", i), Name: fmt.Sprintf("region %d", i), Parent: "hq"})
		if err != nil {
			return err
		}
		setup = append(setup, raw)
	}
	others := make([]*client.Signer, o.Others)
	var ob members.ApproveBody
	for i := range others {
		k := benchKey(1_000_000_000 + i)
		others[i] = c.Signer(k)
		ob.Entries = append(ob.Entries, members.ApproveEntry{PublicKey: hex.EncodeToString(k.Public().(ed25519.PublicKey)), Chapter: "hq", Class: members.General})
	}
	raw, err := admin.Build(ctx, members.TypeApprove, ob)
	if err != nil {
		return err
	}
	setup = append(setup, raw)
	for _, raw := range setup {
		if _, err := c.Submit(ctx, raw, false); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	for _, raw := range setup {
		if err := waitCommitted(ctx, c, raw); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var committed atomic.Int64 // members of the import committed so far
	stopSide := make(chan struct{})
	var side sync.WaitGroup
	var mu sync.Mutex
	var otherLat, readLat []time.Duration
	var sideErr error
	fail := func(err error) {
		mu.Lock()
		if sideErr == nil {
			sideErr = err
		}
		mu.Unlock()
		cancel()
	}

	// The second client: one member after another sends a 1-point burn and
	// waits for its commit, as a member's app does.
	side.Add(1)
	go func() {
		defer side.Done()
		for i := 0; ; i++ {
			select {
			case <-stopSide:
				return
			case <-time.After(o.OtherEvery):
			}
			s := others[i%len(others)]
			raw, err := s.Build(ctx, token.TypeBurn, token.BurnBody{Amount: 1})
			if err != nil {
				fail(fmt.Errorf("other client: %w", err))
				return
			}
			t0 := time.Now()
			if _, err := c.Submit(ctx, raw, true); err != nil {
				if retryable(err) {
					s.Resync()
					continue
				}
				if ctx.Err() == nil {
					fail(fmt.Errorf("other client: %w", err))
				}
				return
			}
			mu.Lock()
			otherLat = append(otherLat, time.Since(t0))
			mu.Unlock()
		}
	}()
	// The reader: a member record with its proof, as an official reads it,
	// for members already committed.
	side.Add(1)
	go func() {
		defer side.Done()
		for i := 0; ; i++ {
			select {
			case <-stopSide:
				return
			case <-time.After(o.ReadEvery):
			}
			n := committed.Load()
			if n == 0 {
				continue
			}
			k := int((int64(i) * 7919) % n)
			t0 := time.Now()
			var rec map[string]any
			if err := c.Get(ctx, "/v1/members/"+registryID(k)+"?prove=1", adminKey, &rec); err != nil {
				if ctx.Err() == nil {
					fail(fmt.Errorf("reader: member %d: %w", k, err))
				}
				return
			}
			mu.Lock()
			readLat = append(readLat, time.Since(t0))
			mu.Unlock()
		}
	}()

	prof := cpuProfiler{path: o.CPUProfile}
	defer prof.stop()
	split := o.ProfileTenths && o.CPUProfile != ""
	if split {
		prof.path = o.CPUProfile + ".first"
	}
	if err := prof.start(); err != nil {
		return err
	}
	tenths := NewTenths(o.Members, n.CPU)
	phases0, _ := blockPhases(ctx, c)
	start := time.Now()
	err = pipelineApprovals(ctx, c, admin, o.Members, o.InFlight, func(done int) {
		committed.Store(int64(done))
		endedFirst, beganLast := tenths.Done(done)
		if endedFirst && split {
			prof.stop()
		}
		if beganLast && split {
			prof.path = o.CPUProfile + ".last"
			if err := prof.start(); err != nil {
				fmt.Fprintln(progress, "\nprofile of the last tenth:", err)
			}
		}
		el := time.Since(start).Seconds()
		fmt.Fprintf(progress, "\rregistry: %d/%d members (%.0f/s, %.2f ms CPU/member)", done, o.Members, float64(done)/el, ms(tenths.SoFar(done)))
	})
	elapsed := time.Since(start)
	cpuFirst, cpuLast := tenths.First(), tenths.Last()
	phases, phasesErr := blockPhases(ctx, c)
	prof.stop()
	if o.MemProfile != "" {
		if err := writeHeapProfile(o.MemProfile); err != nil {
			return err
		}
	}
	close(stopSide)
	side.Wait()
	fmt.Fprintln(progress)
	if err != nil {
		if sideErr != nil {
			return sideErr
		}
		return err
	}
	if sideErr != nil {
		return sideErr
	}
	if inFlight := o.InFlight * members.MaxBatch; o.Members/10 < 2*inFlight {
		fmt.Fprintf(out, "note: a tenth of the import (%d members) is not much more than what is in flight (%d), so the first and last tenths' CPU figures are rough: the node works ahead of the commits the bench sees\n", o.Members/10, inFlight)
	}
	disk := dirMB(home)
	rss := n.PeakRSSMB()
	mu.Lock()
	op95, rp95 := p95ms(otherLat), p95ms(readLat)
	no, nr := len(otherLat), len(readLat)
	mu.Unlock()
	var st wire.Status
	c.Get(ctx, "/v1/status", nil, &st)
	fmt.Fprintf(out, "registered %d members in %s (%d in flight); %d other txs, %d reads meanwhile; height %d; the node ran %s\n",
		o.Members, elapsed.Round(time.Millisecond), o.InFlight, no, nr, st.Height, n.Where())
	if phasesErr == nil {
		busy := phases.sub(phases0)
		fmt.Fprintf(out, "the block thread meanwhile: execute %.1f s, waiting for the last block's save %.1f s, hash %.1f s, commit %.1f s; busy %.0f %% of the import's %.1f s\n",
			busy.execute, busy.saveWait, busy.hash, busy.commit, 100*(busy.execute+busy.saveWait+busy.hash+busy.commit)/elapsed.Seconds(), elapsed.Seconds())
	}
	fmt.Fprintf(out, "members=%d members_per_s=%.0f cpu_ms_per_member_first=%.3f cpu_ms_per_member_last=%.3f rss_mb=%d disk_mb=%d other_tx_p95_ms=%.0f read_p95_ms=%.1f\n",
		o.Members, float64(o.Members)/elapsed.Seconds(), ms(cpuFirst), ms(cpuLast), rss, disk, op95, rp95)
	return nil
}

// writeHeapProfile writes what is live on the heap now (after a
// collection, so the profile's inuse figures are live memory).
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func p95ms(l []time.Duration) float64 {
	if len(l) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return ms(s[len(s)*95/100])
}

// registryKey is member k's stand-in public key: approval needs only the
// key, and no member of the bulk signs anything.
func registryKey(k int) string {
	h := sha256.Sum256([]byte("pnyx/bench-registry/member/" + strconv.Itoa(k)))
	return hex.EncodeToString(h[:])
}

func registryID(k int) string { return members.DeriveID(registryKey(k)) }

// pipelineApprovals sends n members as 500-entry approvals signed by
// admin, keeping inFlight batches submitted and not yet committed: batches
// are submitted in nonce order from one goroutine, and the oldest is waited
// for before the window moves. done is called with the members committed.
func pipelineApprovals(ctx context.Context, c *client.Client, admin *client.Signer, n, inFlight int, done func(int)) error {
	type sent struct {
		raw []byte
		hi  int
	}
	window := make(chan sent, inFlight)
	errc := make(chan error, 1)
	go func() {
		defer close(window)
		for lo := 0; lo < n; lo += members.MaxBatch {
			hi := min(lo+members.MaxBatch, n)
			var b members.ApproveBody
			for k := lo; k < hi; k++ {
				b.Entries = append(b.Entries, members.ApproveEntry{PublicKey: registryKey(k), Chapter: fmt.Sprintf("region-%02d", k%registryChapters), Class: members.General})
			}
			raw, err := admin.Build(ctx, members.TypeApprove, b)
			if err != nil {
				errc <- err
				return
			}
			for {
				_, err = c.Submit(ctx, raw, false)
				if !retryable(err) || ctx.Err() != nil {
					break
				}
				time.Sleep(50 * time.Millisecond) // mempool or signer budget full
			}
			if err != nil {
				errc <- fmt.Errorf("members %d-%d: %w", lo, hi, err)
				return
			}
			select {
			case window <- sent{raw, hi}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for s := range window {
		if err := waitCommitted(ctx, c, s.raw); err != nil {
			return fmt.Errorf("members up to %d: %w", s.hi, err)
		}
		done(s.hi)
	}
	select {
	case err := <-errc:
		return err
	default:
	}
	return ctx.Err()
}

// dirMB is the size of everything under dir, in MiB.
func dirMB(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n >> 20
}

// blockTimes are a node's pnyx_block_seconds_total: the wall time its
// block thread spent executing, waiting for the last block's save,
// hashing and committing blocks so far.
type blockTimes struct{ execute, saveWait, hash, commit float64 }

func (b blockTimes) sub(a blockTimes) blockTimes {
	return blockTimes{b.execute - a.execute, b.saveWait - a.saveWait, b.hash - a.hash, b.commit - a.commit}
}

var blockSecondsLine = regexp.MustCompile(`(?m)^pnyx_block_seconds_total\{phase="(\w+)"\} (\S+)$`)

// blockPhases reads the node's block times from its /metrics.
func blockPhases(ctx context.Context, c *client.Client) (blockTimes, error) {
	var b blockTimes
	req, err := http.NewRequestWithContext(ctx, "GET", c.BaseURL()+"/metrics", nil)
	if err != nil {
		return b, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return b, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return b, err
	}
	found := 0
	for _, m := range blockSecondsLine.FindAllSubmatch(body, -1) {
		v, err := strconv.ParseFloat(string(m[2]), 64)
		if err != nil {
			return b, err
		}
		switch string(m[1]) {
		case "execute":
			b.execute = v
		case "save_wait":
			b.saveWait = v
		case "hash":
			b.hash = v
		case "commit":
			b.commit = v
		default:
			continue
		}
		found++
	}
	if found != 4 {
		return b, fmt.Errorf("%s/metrics: %d of the 4 block phases", c.BaseURL(), found)
	}
	return b, nil
}

// cpuProfiler writes this process's CPU profile to path between start and
// stop; an empty path profiles nothing.
type cpuProfiler struct {
	path string
	f    *os.File
}

func (p *cpuProfiler) start() error {
	if p.path == "" || p.f != nil {
		return nil
	}
	f, err := os.Create(p.path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.f = f
	return nil
}

func (p *cpuProfiler) stop() {
	if p.f != nil {
		pprof.StopCPUProfile()
		p.f.Close()
		p.f = nil
	}
}
