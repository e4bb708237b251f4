package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync/atomic"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/parallel"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// ElectionOptions shape `pnyx bench election`.
type ElectionOptions struct {
	Voters     int    // ballots to cast, one voter each
	Options    int    // options of the choose-one contest
	Workers    int    // concurrent submitting goroutines, each waiting for its commit
	Keep       bool   // keep the temporary home
	CPUProfile string // write a CPU profile of the timed phase here
	// Issuance runs the whole election with the real issuance path
	// (blind requests, issuers answering from the pending index, voters
	// unblinding from the chain, decryption, the verified record) and
	// times each phase; see electionIssuance.
	Issuance   bool
	VoteWindow time.Duration // with Issuance: voting closes this long after creation (0: estimated from Voters)
	InFlight   int           // with Issuance: issue txs in flight per issuer (0: 8)
}

// Election measures committed ballots/s of one node through its API after a
// key ceremony and untimed ballot generation (see `pnyx bench election
// --help`). Results go to out, ending in the summary line
//
//	voters=N committed_ballots_per_s=N p50_commit_ms=N p95_commit_ms=N …
//
// and progress to progress.
func Election(ctx context.Context, out, progress io.Writer, o ElectionOptions) error {
	var profile *os.File
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		profile = f
	}
	nVoters, nOptions, workers, keep := o.Voters, o.Options, o.Workers, o.Keep
	if ctx == nil {
		ctx = context.Background()
	}
	if nVoters < 1 || nOptions < 2 || workers < 1 {
		return fmt.Errorf("bench election: --voters ≥ 1, --options ≥ 2, --workers ≥ 1")
	}
	if o.Issuance {
		return electionIssuance(ctx, out, progress, o)
	}
	root, err := os.MkdirTemp("", "pnyx-bench-election-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintln(progress, "bench election: home kept in", root)
	} else {
		defer os.RemoveAll(root)
	}
	home := filepath.Join(root, "node")
	r, c, admin, err := startBenchNode(ctx, home, launch.Quiet())
	if err != nil {
		return err
	}
	defer r.Stop()
	fmt.Fprintf(out, "bench election: %d voters, %d options, %d workers, GOMAXPROCS=%d\n", nVoters, nOptions, workers, runtime.GOMAXPROCS(0))

	// Officials and the election.
	names := []string{"commissioner", "trustee-1", "trustee-2", "trustee-3", "issuer-1", "issuer-2"}
	keys := map[string]ed25519.PrivateKey{}
	ids := map[string]string{}
	var entries []members.ApproveEntry
	for _, n := range names {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		keys[n] = k
		pub := hex.EncodeToString(k.Public().(ed25519.PublicKey))
		ids[n] = members.DeriveID(pub)
		entries = append(entries, members.ApproveEntry{PublicKey: pub, Chapter: "hq", Class: members.Responsible})
	}
	send := func(who, typ string, body any) error {
		k := admin
		if who != "admin" {
			k = keys[who]
		}
		_, err := c.Signer(k).Send(ctx, typ, body)
		return err
	}
	if err := send("admin", members.TypeApprove, members.ApproveBody{Entries: entries}); err != nil {
		return err
	}
	roles := []org.Role{org.ElectionCommissioner, org.Trustee, org.Trustee, org.Trustee, org.CredentialIssuer, org.CredentialIssuer}
	for i, n := range names {
		if err := send("admin", org.TypeGrantRole, org.RoleBody{Member: ids[n], Role: roles[i], Chapter: "hq"}); err != nil {
			return err
		}
	}
	var opts []string
	for i := range nOptions {
		opts = append(opts, fmt.Sprintf("Candidate %d", i+1))
	}
	now := time.Now().Unix()
	const id = "bench"
	if err := send("commissioner", election.TypeCreate, election.CreateBody{ID: id, Chapter: "hq", Title: "bench",
		Contests: []election.ContestSpec{{Title: "Chair", SelectionLimit: 1, OptionLimit: 1, Options: opts}},
		Trustees: []string{ids["trustee-1"], ids["trustee-2"], ids["trustee-3"]}, Threshold: 2,
		Issuers: []string{ids["issuer-1"], ids["issuer-2"]}, IssueStart: now, IssueEnd: now + 1, VoteStart: now + 1, VoteEnd: now + 24*3600}); err != nil {
		return err
	}
	st := c.ElectionState(ctx)
	var seeds [3][32]byte
	for i := range seeds {
		seeds[i] = kit.NewSeed()
	}
	fmt.Fprintln(progress, "  key ceremony")
	if err := runCeremony(st, id, seeds, send); err != nil {
		return err
	}
	fmt.Fprintln(progress, "  issuer keys (RSA-2048)")
	var issuers []*credential.Issuer
	for i := range 2 {
		sk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		is, _ := credential.NewIssuer(sk)
		issuers = append(issuers, is)
		if err := send(fmt.Sprintf("issuer-%d", i+1), election.TypeIssuerKey, kit.IssuerKeyBodyFor(id, is)); err != nil {
			return err
		}
	}
	e, _ := election.Get(st, id)
	if e == nil || e.Status != election.PhaseReady {
		return fmt.Errorf("bench election: the ceremony did not finish")
	}
	bc, err := kit.PublicContext(e)
	if err != nil {
		return err
	}
	chainID, _ := c.ChainID(ctx)

	// Ballots, untimed, on all cores.
	raws := make([][]byte, nVoters)
	errs := make([]error, nVoters)
	var done atomic.Int64
	start := time.Now()
	parallel.For(nVoters, 0, func(i int) {
		errs[i] = func() error {
			v, err := kit.NewVoter(kit.NewSeed())
			if err != nil {
				return err
			}
			var creds [][]byte
			for _, is := range issuers {
				cr, err := is.SignDirect(rand.Reader, e.EID(), v.Key.Bytes[:])
				if err != nil {
					return err
				}
				creds = append(creds, cr)
			}
			sel := [][]uint32{make([]uint32, nOptions)}
			sel[0][i%nOptions] = 1
			b, _, err := v.Encrypt(bc, creds, sel)
			if err != nil {
				return err
			}
			raws[i] = kit.BallotTx(chainID, b)
			return nil
		}()
		if d := done.Add(1); d%500 == 0 || int(d) == nVoters {
			fmt.Fprintf(progress, "  ballots %d/%d\n", d, nVoters)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(out, "pre-generated %d ballots of %d bytes in %.1fs\n", nVoters, len(raws[0]), time.Since(start).Seconds())

	// Timed: submit, each worker waiting for its ballot's commit.
	lat := make([]time.Duration, nVoters)
	var failed atomic.Int64
	done.Store(0)
	before := r.Party.Elections.Totals()
	if profile != nil {
		pprof.StartCPUProfile(profile)
	}
	start = time.Now()
	cpu0 := processCPU()
	parallel.For(nVoters, workers, func(i int) {
		t0 := time.Now()
		for {
			_, err := c.Submit(ctx, raws[i], true)
			if err == nil {
				break
			}
			if ctx.Err() != nil || !retryable(err) {
				failed.Add(1)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		lat[i] = time.Since(t0)
		if d := done.Add(1); d%1000 == 0 {
			fmt.Fprintf(progress, "  committed %d/%d\n", d, nVoters)
		}
	})
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	if profile != nil {
		pprof.StopCPUProfile()
	}
	after := r.Party.Elections.Totals()
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("bench election: %d ballots failed", f)
	}
	t, _ := election.GetTally(st, id)
	if t == nil || t.Cast != uint64(nVoters) {
		return fmt.Errorf("bench election: the tally counts %v ballots, want %d", t, nVoters)
	}
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	pct := func(p int) float64 { return float64(lat[(len(lat)-1)*p/100].Microseconds()) / 1000 }
	fmt.Fprintf(out, "FinalizeBlock verified %d ballots: the proofs of %d ahead of their block, the rest in %d proof batches; %d needed credential/signature checks there (the rest were preverified)\n",
		after.Ballots-before.Ballots, after.ProofsAhead-before.ProofsAhead, after.ProofsBatches-before.ProofsBatches, after.CheapChecked-before.CheapChecked)
	// The process (node, API and this client) used cpu meanwhile; on a
	// shared machine, cores/cpu-per-ballot is what free cores would give.
	cpuMs := float64(cpu.Microseconds()) / 1000 / float64(nVoters)
	fmt.Fprintf(out, "voters=%d committed_ballots_per_s=%.0f p50_commit_ms=%.0f p95_commit_ms=%.0f options=%d elapsed_s=%.2f cpu_ms_per_ballot=%.2f cores_used=%.2f\n",
		nVoters, float64(nVoters)/elapsed.Seconds(), pct(50), pct(95), nOptions, elapsed.Seconds(), cpuMs, cpu.Seconds()/elapsed.Seconds())
	return nil
}

// runCeremony runs the three benchmark trustees' parts of election id's key
// ceremony (seeds[l-1] is trustee l's), sending each step as trustee-l,
// until none of them has anything left to send before decryption.
func runCeremony(st *client.ElectionState, id string, seeds [3][32]byte, send func(who, typ string, body any) error) error {
	for round := 0; round < 6; round++ {
		for l := 1; l <= 3; l++ {
			for {
				e, ok := election.Get(st, id)
				if !ok {
					return fmt.Errorf("election: %v", st.Err)
				}
				typ, body, _, err := kit.TrusteeStep(st, e, seeds[l-1], l, time.Now().Unix())
				if err != nil {
					return err
				}
				if typ == "" || typ == election.TypeDecrypt {
					break
				}
				if err := send(fmt.Sprintf("trustee-%d", l), typ, body); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
