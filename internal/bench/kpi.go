package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
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
	// Store tunes the store (store.ParseOptions); empty: $PNYX_STORE, as
	// every other command that opens a store reads it, else the defaults.
	Store string
	// Home, if set, keeps the registry with the rule set adopted between
	// runs: built there once (resumed if a run stops), and each run's
	// period goes on a copy.
	Home string
	// BuildFor stops building the registry after this long (0: never), so
	// that a large one is built over several runs of a bounded length.
	BuildFor time.Duration
	// BuildOnly stops once the home is built (with Home): no period.
	BuildOnly bool
	// Rewards after the period is final: "all" mints every page and checks
	// every member's points (default), "first" mints one tx's pages,
	// "none" stops at the scorecard reads.
	Rewards string
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

// kpiHome is what a kept home (--home) holds besides its store: how far
// the build got, so that a registry too large to build within one run is
// built over several and then reused by every later run.
type kpiHome struct {
	Members    int   `json:"members"`    // the registry's size when complete
	Registered int   `json:"registered"` // members approved so far
	Adopted    bool  `json:"adopted"`    // the rule set is in force: ready for facts
	Now        int64 `json:"now"`        // block time of the last block (unix ns)
}

const kpiHomeFile = "bench-kpi.json"

func readKPIHome(dir string) (kpiHome, bool, error) {
	var h kpiHome
	raw, err := os.ReadFile(filepath.Join(dir, kpiHomeFile))
	if os.IsNotExist(err) {
		return h, false, nil
	}
	if err != nil {
		return h, false, err
	}
	return h, true, json.Unmarshal(raw, &h)
}

func writeKPIHome(dir string, h kpiHome) error {
	raw, _ := json.Marshal(h)
	tmp := filepath.Join(dir, kpiHomeFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, kpiHomeFile))
}

// copyHome copies a home's store for one run: LevelDB's tables (*.ldb) are
// never written after they are made, only deleted, so they are hard links
// (a 1M-member store copies in a second); the journal, manifest and the
// rest, which LevelDB appends to, are copied. A store is state.db and, if
// the home has one, fast.db (internal/store/fastdb.go).
func copyHome(from, to string) error {
	if mem := filepath.Join(from, store.MemiavlDir); exists(mem) {
		if err := copyMemiavl(mem, filepath.Join(to, store.MemiavlDir)); err != nil {
			return err
		}
		raw, err := os.ReadFile(filepath.Join(from, kpiHomeFile))
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, kpiHomeFile), raw, 0o644)
	}
	for _, db := range []string{"state.db", "fast.db"} {
		src, dst := filepath.Join(from, db), filepath.Join(to, db)
		entries, err := os.ReadDir(src)
		if errors.Is(err, fs.ErrNotExist) && db != "state.db" {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			if name == "LOCK" || e.IsDir() {
				continue
			}
			if strings.HasSuffix(name, ".ldb") {
				if err := os.Link(filepath.Join(src, name), filepath.Join(dst, name)); err != nil {
					return err
				}
				continue
			}
			raw, err := os.ReadFile(filepath.Join(src, name))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dst, name), raw, 0o644); err != nil {
				return err
			}
		}
	}
	raw, err := os.ReadFile(filepath.Join(from, kpiHomeFile))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(to, kpiHomeFile), raw, 0o644)
}

// copyMemiavl copies a memiavl directory (the store's memiavl engine):
// snapshot files, which memiavl writes once and never changes, as hard
// links; the write-ahead log, which it appends to, as copies; the
// "current" symlink as a symlink; not the lock.
func copyMemiavl(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		out := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, out)
		case d.Name() == "LOCK":
			return nil
		case strings.HasPrefix(rel, "wal"+string(filepath.Separator)):
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(out, raw, 0o644)
		default:
			return os.Link(path, out)
		}
	})
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// kpiMemberID is the ID of the bench's i-th member. Their keys are
// stand-ins (32 bytes from a hash): approval needs only the public key, and
// no member of the bulk signs anything.
func kpiMemberPub(i int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("pnyx/bench-kpi/member/%d", i)))
	return hex.EncodeToString(h[:])
}

func kpiChapters() []string {
	var chapters []string
	for k := 0; k < 253; k++ {
		chapters = append(chapters, fmt.Sprintf("district-%03d", k))
	}
	return chapters
}

// kpiActors are the officials with keys: a secretary, a chair, two
// attestors.
type kpiActors struct{ admin, sec, chair, att1, att2 ed25519.PrivateKey }

func newKPIActors() kpiActors {
	return kpiActors{benchSeedKey("admin"), benchSeedKey("secretary"), benchSeedKey("chair"), benchSeedKey("attestor-1"), benchSeedKey("attestor-2")}
}

func idOf(k ed25519.PrivateKey) string {
	return members.DeriveID(hex.EncodeToString(k.Public().(ed25519.PublicKey)))
}

// openKPIChain opens the store of home and the application over it, at
// the block where the last run stopped.
func openKPIChain(home string, so store.Options, h kpiHome) (*kpiChain, error) {
	st, err := store.OpenWith(home, so)
	if err != nil {
		return nil, err
	}
	return &kpiChain{app: chain.New(st, modules.New(), chain.Options{}), st: st, nonces: map[string]uint64{},
		height: st.Version(), now: time.Unix(0, h.Now).In(kpi.KST)}, nil
}

// KPI builds a registry of o.Members members over 270 chapters, adopts a
// rule set by a finalized council decision, posts a realistic mix of facts
// — attendance from a convention's paper register (automatic) and dues and
// volunteer hours from attestors (volunteer hours checked by a second
// attestor) — closes the period and reads scorecards. Results end in
//
//	members=N facts_per_s=N close_ms=N scorecard_p95_ms=N
//
// With o.Home the registry and the adopted rule set are built there once
// (over several runs if o.BuildFor cuts them short) and every later run
// posts its facts on a copy of that home, so a 1M-member figure does not
// rebuild the registry each time.
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
	switch o.Rewards {
	case "":
		o.Rewards = "all"
	case "all", "first", "none":
	default:
		return fmt.Errorf("--rewards is all, first or none, not %q", o.Rewards)
	}
	if o.Store == "" {
		o.Store = os.Getenv(store.OptionsEnv)
	}
	so, err := store.ParseOptions(o.Store)
	if err != nil {
		return err
	}
	base := o.Home
	if base == "" {
		if base, err = os.MkdirTemp("", "pnyx-bench-kpi-"); err != nil {
			return err
		}
		if o.Keep {
			fmt.Fprintln(out, "home:", base)
		} else {
			defer os.RemoveAll(base)
		}
	} else if err := os.MkdirAll(base, 0o755); err != nil {
		return err
	}
	h, found, err := readKPIHome(base)
	if err != nil {
		return err
	}
	if found && h.Members != o.Members {
		return fmt.Errorf("home %s holds a registry of %d members, not %d", base, h.Members, o.Members)
	}
	if !found {
		if _, err := os.Stat(filepath.Join(base, "state.db")); err == nil {
			return fmt.Errorf("home %s holds a store but no %s: not a bench home", base, kpiHomeFile)
		}
		h = kpiHome{Members: o.Members, Now: time.Date(2030, 1, 20, 0, 0, 0, 0, kpi.KST).UnixNano()}
	}
	if !h.Adopted {
		done, err := buildKPIHome(ctx, progress, base, so, &h, found, o.BuildFor)
		if err != nil {
			return err
		}
		if !done {
			fmt.Fprintf(out, "registry: %d of %d members built in %s; run the same command again to continue\n", h.Registered, h.Members, base)
			return fmt.Errorf("registry incomplete (%d/%d)", h.Registered, h.Members)
		}
	}
	if o.BuildOnly {
		fmt.Fprintf(out, "registry: %d members built in %s with the rule set adopted\n", h.Members, base)
		return nil
	}
	work := base
	if o.Home != "" {
		// The period runs on a copy: the kept home stays ready for facts.
		if work, err = os.MkdirTemp(filepath.Dir(filepath.Clean(base)), "pnyx-bench-kpi-run-"); err != nil {
			return err
		}
		if !o.Keep {
			defer os.RemoveAll(work)
		} else {
			fmt.Fprintln(out, "run home:", work)
		}
		copyStart := time.Now()
		if err := copyHome(base, work); err != nil {
			return err
		}
		fmt.Fprintf(progress, "copied %s in %s\n", base, time.Since(copyStart).Round(time.Millisecond))
	}
	c, err := openKPIChain(work, so, h)
	if err != nil {
		return err
	}
	defer c.st.Close()
	return kpiPeriod(c, out, progress, o)
}

// buildKPIHome brings a home to the point where facts can be posted:
// genesis, chapters, officials, the registry (resumed where a previous run
// stopped) and the rule set adopted. It reports false if budget ran out
// first, with everything built so far committed and recorded in h.
func buildKPIHome(ctx context.Context, progress io.Writer, home string, so store.Options, h *kpiHome, resumed bool, budget time.Duration) (bool, error) {
	c, err := openKPIChain(home, so, *h)
	if err != nil {
		return false, err
	}
	defer c.st.Close()
	save := func() error {
		h.Now = c.now.UnixNano()
		return writeKPIHome(home, *h)
	}
	a := newKPIActors()
	if !resumed {
		g, _ := json.Marshal(modules.DefaultGenesis(hex.EncodeToString(a.admin.Public().(ed25519.PublicKey))))
		if _, err := c.app.InitChain(ctx, &abci.RequestInitChain{ChainId: kpiChainID, Time: c.now, InitialHeight: 1, AppStateBytes: g}); err != nil {
			return false, err
		}
		if _, err := c.block(); err != nil {
			return false, err
		}
		if err := kpiOrg(c, progress, a); err != nil {
			return false, err
		}
		if err := save(); err != nil {
			return false, err
		}
	}

	// The registry: N members spread over the constituencies.
	chapters := kpiChapters()
	regStart, startedAt := time.Now(), h.Registered
	for h.Registered < h.Members {
		// At least one block per run, so that any budget makes progress.
		if budget > 0 && h.Registered > startedAt && time.Since(regStart) > budget {
			fmt.Fprintln(progress)
			return false, save()
		}
		var txs [][]byte
		from := h.Registered
		for t := 0; t < 20 && from < h.Members; t++ {
			var body members.ApproveBody
			for i := from; i < min(from+members.MaxBatch, h.Members); i++ {
				body.Entries = append(body.Entries, members.ApproveEntry{PublicKey: kpiMemberPub(i), Chapter: chapters[i%len(chapters)], Class: members.General})
			}
			from += len(body.Entries)
			txs = append(txs, c.sign(a.admin, members.TypeApprove, body))
		}
		if _, err := c.block(txs...); err != nil {
			return false, err
		}
		h.Registered = from
		if err := save(); err != nil {
			return false, err
		}
		fmt.Fprintf(progress, "\rregistry: %d/%d members (%.0f/s)", from, h.Members, float64(from-startedAt)/time.Since(regStart).Seconds())
	}
	fmt.Fprintln(progress)
	if err := kpiAdopt(c, a); err != nil {
		return false, err
	}
	h.Adopted = true
	return true, save()
}

// kpiOrg creates 17 metropolitan chapters and 253 constituencies, the
// officials, their roles and the two assembly bodies.
func kpiOrg(c *kpiChain, progress io.Writer, a kpiActors) error {
	fmt.Fprintln(progress, "chapters: 270")
	var txs [][]byte
	for m := 0; m < 17; m++ {
		id := fmt.Sprintf("metro-%02d", m)
		txs = append(txs, c.sign(a.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: id, Name: id, Parent: "hq"}))
	}
	for k, id := range kpiChapters() {
		txs = append(txs, c.sign(a.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: id, Name: id, Parent: fmt.Sprintf("metro-%02d", k%17)}))
	}
	if _, err := c.block(txs...); err != nil {
		return err
	}
	var officials members.ApproveBody
	for _, k := range []ed25519.PrivateKey{a.sec, a.chair, a.att1, a.att2} {
		officials.Entries = append(officials.Entries, members.ApproveEntry{PublicKey: hex.EncodeToString(k.Public().(ed25519.PublicKey)), Chapter: "hq", Class: members.Responsible})
	}
	if _, err := c.block(c.sign(a.admin, members.TypeApprove, officials)); err != nil {
		return err
	}
	_, err := c.block(
		c.sign(a.admin, org.TypeGrantRole, org.RoleBody{Member: idOf(a.sec), Role: org.Secretary, Chapter: "hq"}),
		c.sign(a.admin, org.TypeGrantRole, org.RoleBody{Member: idOf(a.att1), Role: org.KPIAttestor, Chapter: "hq"}),
		c.sign(a.admin, org.TypeGrantRole, org.RoleBody{Member: idOf(a.att2), Role: org.KPIAttestor, Chapter: "hq"}),
		c.sign(a.admin, assembly.TypeCreateBody, assembly.CreateBodyBody{ID: "council", Chapter: "hq", Kind: assembly.KindSupremeCouncil, Name: "council", Quorum: assembly.Quorum{BP: 5000, MoreThan: true}}),
		c.sign(a.admin, assembly.TypeCreateBody, assembly.CreateBodyBody{ID: "convention", Chapter: "hq", Kind: assembly.KindNationalConvention, Name: "convention", Quorum: assembly.Quorum{BP: 1, MoreThan: false}, OpenAttendance: true}),
	)
	return err
}

// kpiAdopt adopts the rule set by a finalized council decision, in force
// from February 2030.
func kpiAdopt(c *kpiChain, a kpiActors) error {
	sec, chair, admin := a.sec, a.chair, a.admin
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

	return nil
}

// kpiPeriod runs February 2030 on a home whose rule set is in force: the
// facts, the close, the scorecard reads and (o.Rewards) the rewards.
func kpiPeriod(c *kpiChain, out, progress io.Writer, o KPIOptions) error {
	st := c.st
	sec, att1, att2 := benchSeedKey("secretary"), benchSeedKey("attestor-1"), benchSeedKey("attestor-2")
	chapters := kpiChapters()
	ids := make([]string, o.Members)
	for i := range ids {
		ids[i] = members.DeriveID(kpiMemberPub(i))
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
	// The rate by quarter of the fact blocks: a run on a copied home starts
	// with cold caches, which the first quarter pays.
	var quarterTime [4]time.Duration
	var quarterTxs [4]int
	for from := 0; from < len(factTxs); from += 20 {
		d, err := c.block(factTxs[from:min(from+20, len(factTxs))]...)
		if err != nil {
			return err
		}
		factTime += d
		q := 4 * from / len(factTxs)
		quarterTime[q] += d
		quarterTxs[q] += min(from+20, len(factTxs)) - from
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

	// After the grace: close in one block, timed alone: from the last
	// fact block's state on disk to the close's own (the store saves a
	// version beside the next block, see internal/store's save.go).
	c.now = time.Date(2030, 3, 7, 0, 0, 0, 0, kpi.KST)
	<-c.app.Persisted()
	saved := time.Now()
	if _, err := c.block(c.sign(sec, kpi.TypeClose, kpi.PeriodBody{Period: "2030-02"})); err != nil {
		return err
	}
	<-c.app.Persisted()
	closeTook := time.Since(saved)

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

	var quarters []string
	for q := range quarterTime {
		if quarterTime[q] > 0 {
			quarters = append(quarters, fmt.Sprintf("%.0f", float64(posted)*float64(quarterTxs[q])/float64(len(factTxs))/quarterTime[q].Seconds()))
		}
	}
	fmt.Fprintf(out, "facts: %d in %s (process CPU %.0f µs per fact; facts/s by quarter of the blocks %s); ranked chapters: %d; close block: %s\n", posted, factTime.Round(time.Millisecond), cpuPerFact, strings.Join(quarters, " / "), len(rk.Entries), closeTook.Round(time.Millisecond))
	if o.Rewards != "none" {
		if err := kpiRewards(c, out, sec, ids, o.Rewards == "all"); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "members=%d facts_per_s=%.0f close_ms=%d scorecard_p95_ms=%.2f\n", o.Members, factsPerS, closeTook.Milliseconds(), float64(p95.Microseconds())/1000)
	return nil
}

// kpiRewards makes the period final after its appeals window and mints
// its rewards by rule: the first kpi/mint-rewards tx (kpi.MintPerTx pages
// of the registry, whatever N), then, if all, the rest a tx per block and a
// check that every member whose score reaches a band was minted that band
// once, nobody else.
func kpiRewards(c *kpiChain, out io.Writer, sec ed25519.PrivateKey, ids []string, all bool) error {
	st := c.st
	c.now = time.Date(2030, 3, 15, 0, 0, 0, 0, kpi.KST)
	if _, err := c.block(c.sign(sec, kpi.TypeFinalize, kpi.PeriodBody{Period: "2030-02"})); err != nil {
		return err
	}
	mintTook, err := c.block(c.sign(sec, kpi.TypeMintRewards, kpi.PeriodBody{Period: "2030-02"}))
	if err != nil {
		return err
	}
	first := kpi.GetPeriod(c.st, "2030-02")
	if !all {
		fmt.Fprintf(out, "rewards: the first kpi/mint-rewards block minted %d members (%d points, pages 0-%d of %d) in %s; the other pages not minted (--rewards first)\n",
			first.Minted, first.MintedPoints, first.MintPage-1, kpi.MintPages, mintTook.Round(time.Millisecond))
		return nil
	}
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
	fmt.Fprintf(out, "rewards: the first kpi/mint-rewards block minted %d members (%d points, pages 0-%d of %d) in %s; all %d pages in %d blocks (%s): %d members, %d points, as their scores give\n",
		first.Minted, first.MintedPoints, first.MintPage-1, kpi.MintPages, mintTook.Round(time.Millisecond), kpi.MintPages, mintBlocks, (mintTook + mintRest).Round(time.Millisecond), minted.Minted, minted.MintedPoints)
	return nil
}
