package bench

// `pnyx bench election --issuance`: an election from the registry to a
// verified record, with the real issuance path (issue 17): members make
// blind credential requests, each issuer answers them from the node's
// pending index on every core with pipelined transactions, voters unblind
// the answers read from the chain, cast ballots, the trustees decrypt and
// the exported record is verified. Every phase is timed on its own.

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
	"sync/atomic"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/internal/issuance"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/parallel"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/tx"
)

// phaseClock times the phases of a run and the process CPU each took.
type phaseClock struct {
	out   io.Writer
	start time.Time
	cpu0  time.Duration
}

func (p *phaseClock) begin() { p.start, p.cpu0 = time.Now(), processCPU() }

// end prints the phase and returns its wall seconds and CPU seconds.
func (p *phaseClock) end(name string, n int, unit string) (wall, cpu float64) {
	wall, cpu = time.Since(p.start).Seconds(), (processCPU() - p.cpu0).Seconds()
	fmt.Fprintf(p.out, "phase %-22s %9.1f s wall %9.1f s cpu  %8.0f %s/s  %.3f cpu_ms per %s\n",
		name, wall, cpu, float64(n)/wall, unit, cpu*1000/float64(max(n, 1)), unit)
	return wall, cpu
}

// electionIssuance is Election with o.Issuance.
func electionIssuance(ctx context.Context, out, progress io.Writer, o ElectionOptions) error {
	n, nOptions := o.Voters, o.Options
	root, err := os.MkdirTemp("", "pnyx-bench-election-")
	if err != nil {
		return err
	}
	if o.Keep {
		fmt.Fprintln(progress, "bench election: home kept in", root)
	} else {
		defer os.RemoveAll(root)
	}
	r, c, admin, err := startBenchNode(ctx, filepath.Join(root, "node"), launch.Quiet())
	if err != nil {
		return err
	}
	defer r.Stop()
	// The issuers check every page of requests against the genesis
	// validators, as `pnyx election issuer issue` does.
	trusted, chainID, err := proof.TrustedFromGenesisFile(filepath.Join(root, "node", "config", "genesis.json"))
	if err != nil {
		return err
	}
	window := o.VoteWindow
	if window == 0 {
		// Requests, two issuers, ballots: ~16 ms a voter on the shared
		// 2-core machine, and two minutes for the ceremony and slack.
		window = 2*time.Minute + time.Duration(n)*16*time.Millisecond
	}
	fmt.Fprintf(out, "bench election --issuance: %d voters, %d options, 2 issuers, 3 trustees (2 of 3), voting closes %s after creation, GOMAXPROCS=%d\n",
		n, nOptions, window.Round(time.Second), runtime.GOMAXPROCS(0))
	pc := &phaseClock{out: out}
	summary := map[string]float64{}

	// The RSA signing floor: blind signatures/s of one core, times the cores.
	floor1, floorAll, err := rsaFloor()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "RSA-2048 blind signing floor: %.0f sigs/s on one core, %.0f on %d cores together (%.0f = one core × cores)\n",
		floor1, floorAll, runtime.GOMAXPROCS(0), floor1*float64(runtime.GOMAXPROCS(0)))

	// Registry: officials, then the voters in 500-entry approvals.
	names := []string{"commissioner", "trustee-1", "trustee-2", "trustee-3", "issuer-1", "issuer-2"}
	keys := map[string]ed25519.PrivateKey{}
	ids := map[string]string{}
	var entries []members.ApproveEntry
	for _, nm := range names {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		keys[nm] = k
		pub := hex.EncodeToString(k.Public().(ed25519.PublicKey))
		ids[nm] = members.DeriveID(pub)
		entries = append(entries, members.ApproveEntry{PublicKey: pub, Chapter: "hq", Class: members.Responsible})
	}
	signers := map[string]*client.Signer{"admin": c.Signer(admin)}
	for nm, k := range keys {
		signers[nm] = c.Signer(k)
	}
	send := func(who, typ string, body any) error {
		_, err := signers[who].Send(ctx, typ, body)
		return err
	}
	if err := send("admin", members.TypeApprove, members.ApproveBody{Entries: entries}); err != nil {
		return err
	}
	roles := []org.Role{org.ElectionCommissioner, org.Trustee, org.Trustee, org.Trustee, org.CredentialIssuer, org.CredentialIssuer}
	for i, nm := range names {
		if err := send("admin", org.TypeGrantRole, org.RoleBody{Member: ids[nm], Role: roles[i], Chapter: "hq"}); err != nil {
			return err
		}
	}
	voters := make([]ed25519.PrivateKey, n)
	parallel.For(n, 0, func(i int) { _, voters[i], _ = ed25519.GenerateKey(rand.Reader) })
	fmt.Fprintln(progress, "  registry")
	pc.begin()
	if err := signUpMembers(ctx, c, signers["admin"], voters, "hq"); err != nil {
		return err
	}
	summary["registry_s"], _ = pc.end("registry", n, "member")

	// The election (issuance and voting overlap so the phases run back to
	// back; voting closes at window), its key ceremony and issuer keys.
	var opts []string
	for i := range nOptions {
		opts = append(opts, fmt.Sprintf("Candidate %d", i+1))
	}
	const id = "bench"
	now := time.Now().Unix()
	voteEnd := now + int64(window/time.Second)
	if err := send("commissioner", election.TypeCreate, election.CreateBody{ID: id, Chapter: "hq", Title: "bench",
		Contests: []election.ContestSpec{{Title: "Chair", SelectionLimit: 1, OptionLimit: 1, Options: opts}},
		Trustees: []string{ids["trustee-1"], ids["trustee-2"], ids["trustee-3"]}, Threshold: 2,
		Issuers: []string{ids["issuer-1"], ids["issuer-2"]}, IssueStart: now, IssueEnd: voteEnd, VoteStart: now + 1, VoteEnd: voteEnd,
		AllowOverlap: true}); err != nil {
		return err
	}
	st := c.ElectionState(ctx)
	var seeds [3][32]byte
	for i := range seeds {
		seeds[i] = kit.NewSeed()
	}
	fmt.Fprintln(progress, "  key ceremony")
	pc.begin()
	if err := runCeremony(st, id, seeds, send); err != nil {
		return err
	}
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
	pc.end("ceremony", 1, "election")

	// Requests: each voter's one-time key and blinded requests (the
	// member's device: on all cores here, timed apart), then every request
	// tx submitted and committed.
	fmt.Fprintln(progress, "  credential requests")
	vs := make([]*kit.Voter, n)
	reqs := make([][]byte, n)
	errs := make([]error, n)
	pc.begin()
	parallel.For(n, 0, func(i int) {
		errs[i] = func() error {
			v, err := kit.NewVoter(kit.NewSeed())
			if err != nil {
				return err
			}
			b, err := v.Request(e, voters[i])
			if err != nil {
				return err
			}
			env := &tx.Envelope{ChainID: chainID, Type: election.TypeRequest, Nonce: 0}
			if err := env.SetBody(b); err != nil {
				return err
			}
			env.Sign(voters[i])
			vs[i], reqs[i] = v, env.Encode()
			return nil
		}()
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	summary["requests_client_s"], _ = pc.end("requests (members)", n, "request")
	pc.begin()
	if err := submitAll(ctx, c, progress, "requests", reqs, func() (uint64, error) {
		t, ok := election.GetTally(st, id)
		if !ok {
			return 0, fmt.Errorf("no tally: %v", st.Err)
		}
		return t.Requests, nil
	}); err != nil {
		return err
	}
	summary["requests_s"], _ = pc.end("requests", n, "request")
	reqs = nil

	// Issuance: each issuer in turn (on its own machine they would run at
	// once), from the pending index, signing on every core, 8 txs in flight.
	var issueTotal float64
	for i, is := range issuers {
		fmt.Fprintf(progress, "  issuer %d\n", i+1)
		pc.begin()
		var last atomic.Int64
		answered, err := issuance.Run(ctx, c, keys[fmt.Sprintf("issuer-%d", i+1)], e, is, i, issuance.Options{InFlight: o.InFlight, ChainID: chainID, Trusted: trusted,
			Progress: func(a int) {
				if int64(a)/10000 != last.Load()/10000 {
					fmt.Fprintf(progress, "    answered %d/%d\n", a, n)
				}
				last.Store(int64(a))
			}})
		if err != nil {
			return fmt.Errorf("issuer %d: %w", i+1, err)
		}
		if answered != n {
			return fmt.Errorf("issuer %d answered %d of %d requests", i+1, answered, n)
		}
		wall, _ := pc.end(fmt.Sprintf("issuance (issuer %d)", i+1), n, "signature")
		issueTotal += wall
		summary[fmt.Sprintf("issuer%d_sigs_per_s", i+1)] = float64(n) / wall
	}
	summary["issuance_s"] = issueTotal

	// Ballots: each voter reads its answers from the chain, unblinds them
	// and encrypts (the voter's device, timed apart), then every ballot is
	// submitted, each worker waiting for its commit.
	fmt.Fprintln(progress, "  ballots")
	raws := make([][]byte, n)
	pc.begin()
	bc, err := kit.PublicContext(e)
	if err != nil {
		return err
	}
	var done atomic.Int64
	parallel.For(n, 0, func(i int) {
		errs[i] = func() error {
			vst := c.ElectionState(ctx)
			seq, ok := election.RequestOf(vst, id, members.DeriveID(hex.EncodeToString(voters[i].Public().(ed25519.PublicKey))))
			if !ok {
				return fmt.Errorf("voter %d has no request on chain (%v)", i, vst.Err)
			}
			creds, err := vs[i].Credentials(vst, e, voters[i], seq)
			if err != nil {
				return err
			}
			sel := [][]uint32{make([]uint32, nOptions)}
			sel[0][i%nOptions] = 1
			b, _, err := vs[i].Encrypt(bc, creds, sel)
			if err != nil {
				return err
			}
			raws[i] = kit.BallotTx(chainID, b)
			return nil
		}()
		if d := done.Add(1); d%10000 == 0 {
			fmt.Fprintf(progress, "    encrypted %d/%d\n", d, n)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	summary["ballots_client_s"], _ = pc.end("ballots (voters)", n, "ballot")
	vs = nil
	pc.begin()
	if err := submitAll(ctx, c, progress, "ballots", raws, func() (uint64, error) {
		t, ok := election.GetTally(st, id)
		if !ok {
			return 0, fmt.Errorf("no tally: %v", st.Err)
		}
		return t.Cast, nil
	}); err != nil {
		return err
	}
	summary["ballots_s"], _ = pc.end("ballots", n, "ballot")
	raws = nil

	// Tally: wait for voting to close (not timed), then the trustees'
	// decryption shares until the result is published.
	wait := time.Until(time.Unix(voteEnd+1, 0))
	fmt.Fprintf(out, "waiting %.0f s for voting to close (not part of any phase)\n", max(wait, 0).Seconds())
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
	}
	pc.begin()
	for {
		e, ok := election.Get(st, id)
		if !ok {
			return fmt.Errorf("election: %v", st.Err)
		}
		if e.Status == election.PhasePublished {
			break
		}
		sent := false
		for l := 1; l <= 3; l++ {
			typ, body, _, err := kit.TrusteeStep(st, e, seeds[l-1], l, time.Now().Unix())
			if err != nil {
				return err
			}
			if typ == election.TypeDecrypt {
				if err := send(fmt.Sprintf("trustee-%d", l), typ, body); err != nil {
					return err
				}
				sent = true
				break
			}
		}
		if !sent {
			time.Sleep(200 * time.Millisecond) // the block that closes voting
		}
	}
	summary["tally_s"], _ = pc.end("tally (decryption)", n, "ballot")
	t, _ := election.GetTally(st, id)
	var counted uint64
	for _, x := range t.Results[0] {
		counted += x
	}
	if t.Cast != uint64(n) || counted != uint64(n) {
		return fmt.Errorf("bench election: %d ballots cast and %d counted, want %d", t.Cast, counted, n)
	}

	// Verify: export the record and check it as `pnyx verify election` does.
	pc.begin()
	recPath := filepath.Join(root, "bench.pnyxrec")
	f, err := os.Create(recPath)
	if err != nil {
		return err
	}
	size, err := c.ElectionRecordTo(ctx, id, f)
	if err != nil {
		f.Close()
		return err
	}
	summary["export_s"], _ = pc.end("record export", n, "ballot")
	pc.begin()
	rep := record.VerifyReader(f, size, record.Options{})
	f.Close()
	if !rep.OK() {
		return fmt.Errorf("bench election: the record fails %v", rep.Failed())
	}
	summary["verify_s"], _ = pc.end("verify", n, "ballot")
	fmt.Fprintf(out, "record %d bytes (%.0f per voter); peak RSS of this process %d MB\n", size, float64(size)/float64(n), peakRSSMB("/proc/self/status"))
	total := 0.0
	for _, k := range []string{"registry_s", "requests_s", "issuance_s", "ballots_s", "tally_s", "export_s", "verify_s"} {
		total += summary[k]
	}
	fmt.Fprintf(out, "voters=%d registry_s=%.1f requests_s=%.1f issuance_s=%.1f issuer1_sigs_per_s=%.0f issuer2_sigs_per_s=%.0f rsa_floor_sigs_per_s=%.0f rsa_one_core_sigs_per_s=%.0f requests_client_s=%.1f ballots_client_s=%.1f ballots_s=%.1f tally_s=%.1f export_s=%.1f verify_s=%.1f record_mb=%.0f timed_total_s=%.1f\n",
		n, summary["registry_s"], summary["requests_s"], summary["issuance_s"], summary["issuer1_sigs_per_s"], summary["issuer2_sigs_per_s"],
		floor1*float64(runtime.GOMAXPROCS(0)), floor1, summary["requests_client_s"], summary["ballots_client_s"], summary["ballots_s"],
		summary["tally_s"], summary["export_s"], summary["verify_s"], float64(size)/1e6, total)
	return nil
}

// rsaFloor measures blind RSA-2048 signatures per second on one core and
// on every core at once: what an issuer's signing can never beat.
func rsaFloor() (oneCore, allCores float64, err error) {
	sk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0, 0, err
	}
	is, _ := credential.NewIssuer(sk)
	_, member, _ := ed25519.GenerateKey(rand.Reader)
	var eid [32]byte
	const k = 300
	reqs := make([]*credential.Request, k)
	for i := range reqs {
		otk := make([]byte, 32)
		rand.Read(otk)
		if reqs[i], _, err = credential.NewRequest(rand.Reader, is.PublicKey(), 0, eid, otk, member); err != nil {
			return 0, 0, err
		}
	}
	start := time.Now()
	for _, r := range reqs {
		if _, err := is.Sign(r); err != nil {
			return 0, 0, err
		}
	}
	oneCore = k / time.Since(start).Seconds()
	start = time.Now()
	parallel.For(k, 0, func(i int) { is.Sign(reqs[i]) })
	return oneCore, k / time.Since(start).Seconds(), nil
}

// submitAll submits txs of distinct signers in batches without waiting,
// keeping at most 20,000 uncommitted (counted by committed(), which reads
// how many of them the chain has taken), resubmitting what a full mempool
// refused, and returns once committed() reaches len(txs).
func submitAll(ctx context.Context, c *client.Client, progress io.Writer, what string, txs [][]byte, committed func() (uint64, error)) error {
	const batch, window = 500, 20000
	base, err := committed()
	if err != nil {
		return err
	}
	want := base + uint64(len(txs))
	lastReport := 0
	for from := 0; from < len(txs); {
		got, err := committed()
		if err != nil {
			return err
		}
		if from-int(got-base) >= window {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		chunk := txs[from:min(from+batch, len(txs))]
		for len(chunk) > 0 {
			res, err := c.SubmitBatch(ctx, chunk)
			if err != nil {
				return err
			}
			var again [][]byte
			for i, r := range res {
				switch {
				case r.Code == 0:
				case r.Code == codes.Unavailable:
					again = append(again, chunk[i])
				default:
					return fmt.Errorf("%s: tx refused: code %d: %s", what, r.Code, r.Log)
				}
			}
			if len(again) > 0 {
				time.Sleep(200 * time.Millisecond)
			}
			chunk = again
		}
		from = min(from+batch, len(txs))
		if from-lastReport >= 10000 {
			fmt.Fprintf(progress, "    %s submitted %d/%d, committed %d\n", what, from, len(txs), got-base)
			lastReport = from
		}
	}
	stalled, last := time.Now(), uint64(0)
	for {
		got, err := committed()
		if err != nil {
			return err
		}
		if got >= want {
			return nil
		}
		if got != last {
			stalled, last = time.Now(), got
		}
		if time.Since(stalled) > 2*time.Minute {
			return fmt.Errorf("%s: %d of %d committed, none for 2 minutes (a tx failed in its block?)", what, got-base, len(txs))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
