package members_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/tx"
)

// BenchmarkRegistryGrowth registers b.N members into an App on a disk
// store, without a node, in blocks of growthBlockTxs 500-entry
// member/approve batches (as many as a proposal carries of one signer's
// txs, chain.DefaultSignerBytesPerBlock: an import's blocks), and reports
// the process CPU per member over the first and the last tenth: how the
// cost of a registry write grows with the registry, with nothing else in
// the way.
//
//	go test ./modules/members -run '^$' -bench RegistryGrowth -benchtime 100000x
//
// $PNYX_GROWTH_STEP=N also prints the CPU per member of every N members to
// stderr (the cost curve). `pnyx bench registry` measures the whole node.
//
// $PNYX_GROWTH_DIR=dir keeps the store in dir and, when dir holds one from
// an earlier run, adds b.N members to it: a registry of a million members
// is grown in runs short enough to share the machine's benchmark lock
// (the figures printed count members from the store's first run; a run
// stopped midway, by a timeout, resumes after its last block).
func BenchmarkRegistryGrowth(b *testing.B) {
	const growthBlockTxs = 2
	dir := os.Getenv("PNYX_GROWTH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	admin := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	app := chain.New(st, modules.New(), chain.Options{})
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	height := st.Version()
	// resumed: members registered by earlier runs into dir; nonce: the
	// registrar's next.
	var resumed int
	var nonce uint64
	if height == 0 {
		raw, _ := json.Marshal(modules.DefaultGenesis(hex.EncodeToString(admin.Public().(ed25519.PublicKey))))
		if _, err := app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: "pnyx-growth", Time: now, InitialHeight: 1, AppStateBytes: raw}); err != nil {
			b.Fatal(err)
		}
	} else {
		saved, err := os.ReadFile(dir + "/growth-members")
		if err != nil {
			b.Fatalf("%s holds a store but not how many members it has: %v", dir, err)
		}
		if _, err := fmt.Sscan(string(saved), &resumed, &nonce); err != nil {
			b.Fatalf("%s/growth-members: %v", dir, err)
		}
		now = now.Add(time.Duration(height) * time.Second)
	}
	block := func(txs [][]byte) {
		height++
		now = now.Add(time.Second)
		res, err := app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: height, Time: now})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res.TxResults {
			if r.Code != 0 {
				b.Fatalf("tx failed: %s", r.Log)
			}
		}
		if _, err := app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			b.Fatal(err)
		}
	}
	if height == 0 {
		block(nil)
	}
	batch := func(from, to int) []byte {
		var body members.ApproveBody
		for i := from; i < to; i++ {
			var seed [8]byte
			binary.BigEndian.PutUint64(seed[:], uint64(i))
			pub := sha256.Sum256(seed[:]) // any 32 bytes pass as a key here
			body.Entries = append(body.Entries, members.ApproveEntry{PublicKey: hex.EncodeToString(pub[:]), Chapter: "hq", Class: members.General})
		}
		env := &tx.Envelope{ChainID: "pnyx-growth", Type: members.TypeApprove, Nonce: nonce}
		nonce++
		if err := env.SetBody(body); err != nil {
			b.Fatal(err)
		}
		env.Sign(admin)
		return env.Encode()
	}
	step, _ := strconv.Atoi(os.Getenv("PNYX_GROWTH_STEP"))
	// marks are (members registered, process CPU) after every block.
	type mark struct{ done, cpu int64 }
	marks := []mark{{0, cpuNow()}}
	// stepMark is where the current step of the cost curve began.
	stepMark := mark{int64(resumed), marks[0].cpu}
	b.ResetTimer()
	for done := 0; done < b.N; {
		var txs [][]byte
		for len(txs) < growthBlockTxs && done < b.N {
			to := min(done+members.MaxBatch, b.N)
			txs = append(txs, batch(resumed+done, resumed+to))
			done = to
		}
		block(txs)
		// Saved after every block, so a run stopped by a timeout resumes.
		if err := os.WriteFile(dir+"/growth-members", fmt.Appendf(nil, "%d %d", resumed+done, nonce), 0o644); err != nil {
			b.Fatal(err)
		}
		marks = append(marks, mark{int64(done), cpuNow()})
		if total := int64(resumed + done); step > 0 && total/int64(step) != stepMark.done/int64(step) {
			cpu := marks[len(marks)-1].cpu
			fmt.Fprintf(os.Stderr, "members=%d cpu_ms_per_member=%.3f\n", total, perMember(stepMark.cpu, cpu, stepMark.done, total))
			stepMark = mark{total, cpu}
		}
	}
	b.StopTimer()
	// The first tenth: from the start to the first block that reaches it;
	// the last: from the last block that ends before it to the end.
	tenth := int64(max(b.N/10, 1))
	first, last := marks[len(marks)-1], marks[0]
	for _, m := range marks {
		if m.done >= tenth && m.done < first.done {
			first = m
		}
		if m.done <= int64(b.N)-tenth && m.done > last.done {
			last = m
		}
	}
	end := marks[len(marks)-1]
	b.ReportMetric(perMember(marks[0].cpu, first.cpu, 0, first.done), "cpu_ms/member_first")
	if end.done > last.done {
		b.ReportMetric(perMember(last.cpu, end.cpu, last.done, end.done), "cpu_ms/member_last")
	}
}

func perMember(cpu0, cpu1, done0, done1 int64) float64 {
	return float64(cpu1-cpu0) / 1e6 / float64(done1-done0)
}

// cpuNow is the process's user and system CPU time in nanoseconds.
func cpuNow() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
