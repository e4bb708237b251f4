package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/kpi"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/tx"
)

// KPIOptions shape `pnyx bench kpi`.
type KPIOptions struct {
	Members int  // registry size
	Facts   int  // facts to post (default: one per member)
	Reads   int  // scorecards to read
	Keep    bool // keep the temporary home
	// CPUProfile, if set, receives a CPU profile of the fact blocks.
	CPUProfile string
	// Store tunes the store (store.ParseOptions); empty: its defaults.
	Store string
}

// kpiChain drives a chain.App block by block, without consensus: the
// application, its store on disk and every tx's real path (decode,
// signature, nonce, handler, commit), so what is timed is what a validator
// executes.
type kpiChain struct {
	app    *chain.App
	st     *store.Store
	now    time.Time
	height int64
	nonces map[string]uint64
}

const kpiChainID = "pnyx-bench-kpi"

func (c *kpiChain) sign(k ed25519.PrivateKey, typ string, body any) []byte {
	pub := k.Public().(ed25519.PublicKey)
	n, ok := c.nonces[string(pub)]
	if !ok {
		n = chain.NextNonce(c.st, pub)
	}
	c.nonces[string(pub)] = n + 1
	e := &tx.Envelope{ChainID: kpiChainID, Type: typ, Signer: pub, Nonce: n}
	if err := e.SetBody(body); err != nil {
		panic(err)
	}
	e.Sign(k)
	return e.Encode()
}

// block executes txs as one block and commits it; any rejected tx is an
// error.
func (c *kpiChain) block(txs ...[]byte) (time.Duration, error) {
	c.height++
	c.now = c.now.Add(time.Second)
	start := time.Now()
	resp, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: c.height, Time: c.now})
	if err != nil {
		return 0, err
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		return 0, err
	}
	took := time.Since(start)
	for i, r := range resp.TxResults {
		if r.Code != 0 {
			e, _ := tx.Decode(txs[i])
			return took, fmt.Errorf("block %d: %s refused: %d %s", c.height, e.Type, r.Code, r.Log)
		}
	}
	return took, nil
}

func benchSeedKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("pnyx/bench-kpi/" + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// KPI builds a registry of o.Members members over 270 chapters, adopts a
// rule set by a finalized council decision, posts a realistic mix of facts
// — attendance from a convention's paper register (automatic) and dues and
// volunteer hours from attestors (volunteer hours checked by a second
// attestor) — closes the period and reads scorecards. Results end in
//
//	members=N facts_per_s=N close_ms=N scorecard_p95_ms=N
func KPI(ctx context.Context, out, progress io.Writer, o KPIOptions) error {
	if o.Members < 10 {
		return fmt.Errorf("--members must be at least 10")
	}
	if o.Facts <= 0 {
		o.Facts = o.Members
	}
	if o.Reads <= 0 {
		o.Reads = 1000
	}
	home, err := os.MkdirTemp("", "pnyx-bench-kpi-")
	if err != nil {
		return err
	}
	if o.Keep {
		fmt.Fprintln(out, "home:", home)
	} else {
		defer os.RemoveAll(home)
	}
	so, err := store.ParseOptions(o.Store)
	if err != nil {
		return err
	}
	st, err := store.OpenWith(home, so)
	if err != nil {
		return err
	}
	defer st.Close()
	admin := benchSeedKey("admin")
	c := &kpiChain{app: chain.New(st, modules.New(), chain.Options{}), st: st, nonces: map[string]uint64{},
		now: time.Date(2030, 1, 20, 0, 0, 0, 0, kpi.KST)}
	g, _ := json.Marshal(modules.DefaultGenesis(hex.EncodeToString(admin.Public().(ed25519.PublicKey))))
	if _, err := c.app.InitChain(ctx, &abci.RequestInitChain{ChainId: kpiChainID, Time: c.now, InitialHeight: 1, AppStateBytes: g}); err != nil {
		return err
	}
	if _, err := c.block(); err != nil {
		return err
	}

	// 17 metropolitan chapters and 253 constituencies.
	fmt.Fprintln(progress, "chapters: 270")
	var chapters []string
	var txs [][]byte
	for m := 0; m < 17; m++ {
		id := fmt.Sprintf("metro-%02d", m)
		txs = append(txs, c.sign(admin, org.TypeCreateChapter, org.CreateChapterBody{ID: id, Name: id, Parent: "hq"}))
	}
	for k := 0; k < 253; k++ {
		id := fmt.Sprintf("district-%03d", k)
		chapters = append(chapters, id)
		txs = append(txs, c.sign(admin, org.TypeCreateChapter, org.CreateChapterBody{ID: id, Name: id, Parent: fmt.Sprintf("metro-%02d", k%17)}))
	}
	if _, err := c.block(txs...); err != nil {
		return err
	}

	// Officials with keys: a secretary, a chair, two attestors.
	sec, chair, att1, att2 := benchSeedKey("secretary"), benchSeedKey("chair"), benchSeedKey("attestor-1"), benchSeedKey("attestor-2")
	var officials members.ApproveBody
	for _, k := range []ed25519.PrivateKey{sec, chair, att1, att2} {
		officials.Entries = append(officials.Entries, members.ApproveEntry{PublicKey: hex.EncodeToString(k.Public().(ed25519.PublicKey)), Chapter: "hq", Class: members.Responsible})
	}
	idOf := func(k ed25519.PrivateKey) string {
		return members.DeriveID(hex.EncodeToString(k.Public().(ed25519.PublicKey)))
	}
	if _, err := c.block(c.sign(admin, members.TypeApprove, officials)); err != nil {
		return err
	}
	if _, err := c.block(
		c.sign(admin, org.TypeGrantRole, org.RoleBody{Member: idOf(sec), Role: org.Secretary, Chapter: "hq"}),
		c.sign(admin, org.TypeGrantRole, org.RoleBody{Member: idOf(att1), Role: org.KPIAttestor, Chapter: "hq"}),
		c.sign(admin, org.TypeGrantRole, org.RoleBody{Member: idOf(att2), Role: org.KPIAttestor, Chapter: "hq"}),
		c.sign(admin, assembly.TypeCreateBody, assembly.CreateBodyBody{ID: "council", Chapter: "hq", Kind: assembly.KindSupremeCouncil, Name: "council", Quorum: assembly.Quorum{BP: 5000, MoreThan: true}}),
		c.sign(admin, assembly.TypeCreateBody, assembly.CreateBodyBody{ID: "convention", Chapter: "hq", Kind: assembly.KindNationalConvention, Name: "convention", Quorum: assembly.Quorum{BP: 1, MoreThan: false}, OpenAttendance: true}),
	); err != nil {
		return err
	}

	// The registry: N members spread over the constituencies. Their keys
	// are stand-ins (32 bytes from a hash): approval needs only the public
	// key, and no member of the bulk signs anything.
	ids := make([]string, o.Members)
	regStart := time.Now()
	for from := 0; from < o.Members; {
		var txs [][]byte
		for t := 0; t < 20 && from < o.Members; t++ {
			var body members.ApproveBody
			for i := from; i < min(from+members.MaxBatch, o.Members); i++ {
				h := sha256.Sum256([]byte(fmt.Sprintf("pnyx/bench-kpi/member/%d", i)))
				pub := hex.EncodeToString(h[:])
				ids[i] = members.DeriveID(pub)
				body.Entries = append(body.Entries, members.ApproveEntry{PublicKey: pub, Chapter: chapters[i%len(chapters)], Class: members.General})
			}
			from += len(body.Entries)
			txs = append(txs, c.sign(admin, members.TypeApprove, body))
		}
		if _, err := c.block(txs...); err != nil {
			return err
		}
		fmt.Fprintf(progress, "\rregistry: %d/%d members (%.0f/s)", from, o.Members, float64(from)/time.Since(regStart).Seconds())
	}
	fmt.Fprintln(progress)

	// The rule set, adopted by a finalized council decision, in force from
	// February 2030.
	rs := kpi.RuleSet{ID: "bench", Period: kpi.Month, EffectiveFrom: "2030-02", GraceDays: 5, AppealDays: 7, AppealsBody: "council",
		Scorecards: []kpi.Scorecard{
			{ID: "member", Subject: kpi.SubjectMember, SecondAttestorAboveBP: 2500, Rules: []kpi.Rule{
				{ID: "attend", Facts: []string{"attendance_register", "attendance_self"}, Aggregation: kpi.AggCount, Target: 2, Scoring: kpi.ScoreLinear, WeightBP: 4000},
				{ID: "dues", Facts: []string{"dues_month"}, Aggregation: kpi.AggYesNo, Target: 1, Scoring: kpi.ScoreLinear, WeightBP: 2000},
				{ID: "volunteer", Facts: []string{"volunteer_hours"}, Aggregation: kpi.AggSum, Target: 20, Scoring: kpi.ScoreBands, Bands: []kpi.Band{{Min: 5, ScoreBP: 5000}, {Min: 20, ScoreBP: 10000}}, WeightBP: 3000},
				{ID: "days", Facts: []string{"dues_month", "volunteer_hours", "attendance_register"}, Aggregation: kpi.AggDistinctDays, Target: 3, Scoring: kpi.ScoreLinear, WeightBP: 1000},
			}, Rewards: []kpi.Reward{{MinScoreBP: 3000, Points: 10}, {MinScoreBP: 7000, Points: 30}}},
			{ID: "chapter", Subject: kpi.SubjectChapter, Level: org.LevelConstituency, SecondAttestorAboveBP: 10000, Rules: []kpi.Rule{
				{ID: "press", Facts: []string{"press_coverage"}, Aggregation: kpi.AggDistinctDays, Target: 5, Scoring: kpi.ScoreLinear, WeightBP: 5000},
				{ID: "recruits", Facts: []string{"recruit_retained"}, Months: 1, Aggregation: kpi.AggSum, Target: 50, Scoring: kpi.ScoreLinear, WeightBP: 5000},
			}, Relative: &kpi.Relative{BottomBP: 2000, Consecutive: 2}},
		}}
	steps := [][][]byte{
		{c.sign(sec, kpi.TypePropose, kpi.ProposeBody{RuleSet: rs})},
		{c.sign(admin, assembly.TypeGrantMandate, assembly.GrantMandateBody{Body: "council", Member: idOf(chair), Position: assembly.Chair}),
			c.sign(admin, assembly.TypeGrantMandate, assembly.GrantMandateBody{Body: "council", Member: idOf(sec), Position: assembly.Member})},
		{c.sign(sec, assembly.TypeSchedule, assembly.ScheduleBody{Body: "council", Title: "KPI", ScheduledAt: c.now.Unix(), Agenda: []assembly.AgendaItem{{No: 1, Title: "KPI"}}})},
		{c.sign(sec, assembly.TypeOpen, assembly.MeetingBody{Meeting: "council.1"})},
		{c.sign(chair, assembly.TypeCheckIn, assembly.MeetingBody{Meeting: "council.1"}), c.sign(sec, assembly.TypeCheckIn, assembly.MeetingBody{Meeting: "council.1"})},
		{c.sign(sec, assembly.TypeMotion, assembly.MotionBody{Meeting: "council.1", AgendaItem: 1, Title: "KPI", Text: "kpi:bench"})},
		{c.sign(sec, assembly.TypeDecide, assembly.DecideBody{Meeting: "council.1", Motion: 1, Decision: assembly.Adopted, For: 2})},
		{c.sign(sec, assembly.TypeClose, assembly.MeetingBody{Meeting: "council.1"})},
	}
	for _, s := range steps {
		if _, err := c.block(s...); err != nil {
			return err
		}
	}
	hash, err := assembly.RecordHash(c.st, "council.1")
	if err != nil {
		return err
	}
	cosig := func(k ed25519.PrivateKey) string {
		return hex.EncodeToString(ed25519.Sign(k, assembly.CosignMessage(kpiChainID, "finalize", "council.1", hash)))
	}
	if _, err := c.block(c.sign(sec, assembly.TypeFinalize, assembly.FinalizeBody{Meeting: "council.1", RecordHash: hex.EncodeToString(hash), Chair: idOf(chair), ChairSig: cosig(chair), SecretarySig: cosig(sec)})); err != nil {
		return err
	}
	if _, err := c.block(c.sign(sec, kpi.TypeAdopt, kpi.AdoptBody{Proposal: "bench", Meeting: "council.1", Motion: 1})); err != nil {
		return err
	}

	// February: a convention whose paper register records a third of the
	// facts; attestors post the rest (dues, volunteer hours checked by a
	// second attestor, press coverage of chapters).
	c.now = time.Date(2030, 2, 3, 10, 0, 0, 0, kpi.KST)
	if _, err := c.block(
		c.sign(sec, assembly.TypeSchedule, assembly.ScheduleBody{Body: "convention", Title: "convention", ScheduledAt: c.now.Unix(), Agenda: []assembly.AgendaItem{{No: 1, Title: "convention"}}, ExpectedAttendees: int64(o.Members)}),
	); err != nil {
		return err
	}
	if _, err := c.block(c.sign(sec, assembly.TypeOpen, assembly.MeetingBody{Meeting: "convention.1"})); err != nil {
		return err
	}
	ev := sha256.Sum256([]byte("evidence"))
	evidence := hex.EncodeToString(ev[:])
	var factTxs [][]byte
	var confirms [][]byte
	posted, batchNo := 0, 0
	attendance := o.Facts / 3
	for from := 0; from < attendance; from += assembly.MaxAttendanceBatch {
		var b assembly.RecordAttendanceBody
		b.Meeting = "convention.1"
		for i := from; i < min(from+assembly.MaxAttendanceBatch, attendance); i++ {
			b.Members = append(b.Members, ids[i%len(ids)])
		}
		posted += len(b.Members)
		factTxs = append(factTxs, c.sign(sec, assembly.TypeRecordAttendance, b))
	}
	for posted < o.Facts {
		batchNo++
		var b kpi.AttestBody
		b.Batch = fmt.Sprintf("b%d", batchNo)
		volunteer := batchNo%3 == 0
		for len(b.Facts) < kpi.MaxBatch && posted < o.Facts {
			i := (posted * 7919) % len(ids)
			f := kpi.FactInput{Type: "dues_month", Subject: ids[i], Period: "2030-02", Value: 1, Day: fmt.Sprintf("2030-02-%02d", 1+posted%3), Evidence: evidence}
			if volunteer {
				f.Type, f.Value = "volunteer_hours", int64(1+posted%25)
			}
			if posted%97 == 0 {
				f = kpi.FactInput{Type: "press_coverage", Subject: chapters[posted%len(chapters)], Period: "2030-02", Value: 1, Day: fmt.Sprintf("2030-02-%02d", 1+posted%3), Evidence: evidence}
			}
			b.Facts = append(b.Facts, f)
			posted++
		}
		factTxs = append(factTxs, c.sign(att1, kpi.TypeAttest, b))
		if volunteer {
			confirms = append(confirms, c.sign(att2, kpi.TypeConfirm, kpi.ConfirmBody{Batch: b.Batch}))
		}
	}
	factTxs = append(factTxs, confirms...)
	var factTime time.Duration
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	cpuBefore := processCPU()
	for from := 0; from < len(factTxs); from += 20 {
		d, err := c.block(factTxs[from:min(from+20, len(factTxs))]...)
		if err != nil {
			return err
		}
		factTime += d
		fmt.Fprintf(progress, "\rfacts: %d/%d txs (%.0f facts/s)", min(from+20, len(factTxs)), len(factTxs), float64(posted)*float64(min(from+20, len(factTxs)))/float64(len(factTxs))/factTime.Seconds())
	}
	fmt.Fprintln(progress)
	if o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	factsPerS := float64(posted) / factTime.Seconds()
	// The process's CPU time per fact (every thread: the blocks, LevelDB's
	// compaction, the collector) tells one build from another on a shared
	// machine, where the wall time depends on what else runs.
	cpuPerFact := float64((processCPU() - cpuBefore).Microseconds()) / float64(posted)

	// After the grace: close in one block.
	c.now = time.Date(2030, 3, 7, 0, 0, 0, 0, kpi.KST)
	closeTook, err := c.block(c.sign(sec, kpi.TypeClose, kpi.PeriodBody{Period: "2030-02"}))
	if err != nil {
		return err
	}

	// Scorecards as the API serves them, for members spread over the
	// registry.
	snap, err := st.Snapshot(st.Version())
	if err != nil {
		return err
	}
	var lat []time.Duration
	for k := 0; k < o.Reads; k++ {
		id := ids[(k*104729)%len(ids)]
		start := time.Now()
		if _, err := kpi.MakeCard(snap, "2030-02", "member", id, c.now.Unix()); err != nil {
			return err
		}
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p95 := lat[len(lat)*95/100]
	rk, _ := kpi.GetRanking(snap, "2030-02", "chapter")

	// After the appeals window: final, then the first tx of rewards minted
	// by rule (kpi.MintPerTx members of the registry per tx, whatever N).
	c.now = time.Date(2030, 3, 15, 0, 0, 0, 0, kpi.KST)
	if _, err := c.block(c.sign(sec, kpi.TypeFinalize, kpi.PeriodBody{Period: "2030-02"})); err != nil {
		return err
	}
	mintTook, err := c.block(c.sign(sec, kpi.TypeMintRewards, kpi.PeriodBody{Period: "2030-02"}))
	if err != nil {
		return err
	}
	first := kpi.GetPeriod(c.st, "2030-02")
	// The rest of the pages, a tx per block, then a check: every member
	// whose score reaches a band was minted that band once, nobody else.
	mintBlocks, mintStart := 1, time.Now()
	for kpi.GetPeriod(c.st, "2030-02").MintPage < kpi.MintPages {
		if _, err := c.block(c.sign(sec, kpi.TypeMintRewards, kpi.PeriodBody{Period: "2030-02"})); err != nil {
			return err
		}
		mintBlocks++
	}
	mintRest := time.Since(mintStart)
	minted := kpi.GetPeriod(c.st, "2030-02")
	var wantMembers int
	var wantPoints uint64
	final, err := st.Snapshot(st.Version())
	if err != nil {
		return err
	}
	span, ver, err := kpi.ForPeriod(final, "2030-02")
	if err != nil {
		return err
	}
	msc, _ := ver.RuleSet.Scorecard("member")
	for _, id := range ids {
		score, _ := kpi.Evaluate(final, msc, kpi.SubjectMember, span, id)
		if pts := kpi.RewardOf(msc, score); pts > 0 {
			wantMembers++
			wantPoints += pts
			if cl, ok := kpi.GetClaim(final, "2030-02", id); !ok || cl.Points != pts {
				return fmt.Errorf("member %s reaches %d points and was minted %+v", id, pts, cl)
			}
		}
	}
	if minted.Minted != wantMembers || minted.MintedPoints != wantPoints {
		return fmt.Errorf("mint-rewards minted %d members and %d points; their scores give %d and %d", minted.Minted, minted.MintedPoints, wantMembers, wantPoints)
	}
	fmt.Fprintf(out, "facts: %d in %s (process CPU %.0f µs per fact); ranked chapters: %d; close block: %s\n", posted, factTime.Round(time.Millisecond), cpuPerFact, len(rk.Entries), closeTook.Round(time.Millisecond))
	fmt.Fprintf(out, "rewards: the first kpi/mint-rewards block minted %d members (%d points, pages 0-%d of %d) in %s; all %d pages in %d blocks (%s): %d members, %d points, as their scores give\n",
		first.Minted, first.MintedPoints, first.MintPage-1, kpi.MintPages, mintTook.Round(time.Millisecond), kpi.MintPages, mintBlocks, (mintTook + mintRest).Round(time.Millisecond), minted.Minted, minted.MintedPoints)
	fmt.Fprintf(out, "members=%d facts_per_s=%.0f close_ms=%d scorecard_p95_ms=%.2f\n", o.Members, factsPerS, closeTook.Milliseconds(), float64(p95.Microseconds())/1000)
	return nil
}
