package bench

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/kpi"
	"github.com/pnyx-party/pnyx/modules/members"
)

// StoreOptions shape `pnyx bench store`.
type StoreOptions struct {
	Members  int `json:"members"`   // members whose two keys are written
	PerBlock int `json:"per_block"` // members per version
	// Facts, if not 0, are written after the members, FactsPerBlock per
	// version (FactWrites), and timed apart.
	Facts         int `json:"facts"`
	FactsPerBlock int `json:"facts_per_block"`
}

// Store writes the registry's keys straight into pnyx's store on disk
// (the options of $PNYX_STORE), without the application, consensus or the
// API, so what is timed is the state tree alone (RunTree). It ends in
// TreeResult's line.
func Store(ctx context.Context, out, progress io.Writer, o StoreOptions) error {
	dir, err := os.MkdirTemp("", "pnyx-bench-store-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := RunTree(ctx, progress, storeTree{st}, o)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, r.Line(dir))
	return nil
}

// storeTree is pnyx's store as a Tree.
type storeTree struct{ st *store.Store }

func (t storeTree) Set(key, value []byte) { t.st.Set(key, value) }
func (t storeTree) Commit() ([]byte, error) {
	root, _, err := t.st.Commit()
	return root, err
}
func (t storeTree) Wait() error { return t.st.WaitSaved() }

// Tree is what the store bench writes into: pnyx's store, or another tree
// implementation (tools/treebench).
type Tree interface {
	Set(key, value []byte)
	// Commit ends a version and returns its root hash.
	Commit() ([]byte, error)
	// Wait returns once every committed version is on disk.
	Wait() error
}

// TreeResult is what RunTree measured.
type TreeResult struct {
	Options            StoreOptions
	Root               []byte        // the root hash after the last version
	MemberTime         time.Duration // writing the members, to the last save
	FactTime           time.Duration // writing the facts, to the last save
	MemberCPU, FactCPU *Tenths       // CPU per member and per fact
}

// RunTree writes o.Members members (RegistryWrites, o.PerBlock per
// version) into t and then o.Facts facts (FactWrites, o.FactsPerBlock per
// version), timing the two apart, with this process's CPU per member and
// per fact over their first and last tenths (a save on another goroutine
// included).
func RunTree(ctx context.Context, progress io.Writer, t Tree, o StoreOptions) (TreeResult, error) {
	r := TreeResult{Options: o}
	if o.Members < 10 || o.PerBlock < 1 || o.Facts < 0 || (o.Facts > 0 && o.FactsPerBlock < 1) {
		return r, fmt.Errorf("--members must be at least 10, --per-block and --facts-per-block at least 1")
	}
	phase := func(total, per int, write func(from, n int, set func(k, v []byte)), what string) (time.Duration, *Tenths, error) {
		tenths := NewTenths(total, processCPU)
		start := time.Now()
		for done := 0; done < total; {
			if err := ctx.Err(); err != nil {
				return 0, nil, err
			}
			n := min(per, total-done)
			write(done, n, t.Set)
			done += n
			root, err := t.Commit()
			if err != nil {
				return 0, nil, err
			}
			r.Root = root
			tenths.Done(done)
			fmt.Fprintf(progress, "\rstore: %d/%d %s", done, total, what)
		}
		if err := t.Wait(); err != nil {
			return 0, nil, err
		}
		tenths.End()
		fmt.Fprintln(progress)
		return time.Since(start), tenths, nil
	}
	var err error
	r.MemberTime, r.MemberCPU, err = phase(o.Members, o.PerBlock, func(from, n int, set func(k, v []byte)) {
		RegistryWrites(from, n, o.PerBlock, set)
	}, "members")
	if err != nil || o.Facts == 0 {
		return r, err
	}
	r.FactTime, r.FactCPU, err = phase(o.Facts, o.FactsPerBlock, func(from, n int, set func(k, v []byte)) {
		FactWrites(from, n, o.Members, set)
	}, "facts")
	return r, err
}

// Line is the bench's summary, with this process's peak memory and the
// size of the tree's files under dir:
//
//	members=N members_per_s=N cpu_us_per_member_first=X cpu_us_per_member_last=X [facts=N facts_per_s=N cpu_us_per_fact_first=X cpu_us_per_fact_last=X] rss_mb=N disk_mb=N root=HEX
func (r TreeResult) Line(dir string) string {
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
	line := fmt.Sprintf("members=%d members_per_s=%.0f cpu_us_per_member_first=%.1f cpu_us_per_member_last=%.1f",
		r.Options.Members, float64(r.Options.Members)/r.MemberTime.Seconds(), us(r.MemberCPU.First()), us(r.MemberCPU.Last()))
	if r.FactCPU != nil {
		line += fmt.Sprintf(" facts=%d facts_per_s=%.0f cpu_us_per_fact_first=%.1f cpu_us_per_fact_last=%.1f",
			r.Options.Facts, float64(r.Options.Facts)/r.FactTime.Seconds(), us(r.FactCPU.First()), us(r.FactCPU.Last()))
	}
	return line + fmt.Sprintf(" rss_mb=%d disk_mb=%d root=%s", peakRSSMB("/proc/self/status"), dirMB(dir), hex.EncodeToString(r.Root))
}

// RegistryWrites calls set for the keys members from, from+1, … from+n-1
// write at registration, with pnyx's own key functions: the record
// (members.MemberKey of members.DeriveID of the member's decimal number, a
// random place in the tree) with a 180-byte value, and the chapter index
// entry (members.ChapterIndexKey; chapter c00…c16 by the number mod 17,
// joined at height number/perBlock + 1), appended at the end of its
// chapter. tools/treebench writes the same bytes.
func RegistryWrites(from, n, perBlock int, set func(key, value []byte)) {
	val := make([]byte, 180)
	for m := from; m < from+n; m++ {
		id := members.DeriveID(strconv.Itoa(m))
		clear(val)
		copy(val, id)
		val[40] = byte(m)
		set(members.MemberKey(id), append([]byte(nil), val...))
		rec := members.Member{ID: id, Chapter: fmt.Sprintf("c%02d", m%17), JoinedHeight: int64(m/perBlock) + 1}
		set(members.ChapterIndexKey(rec), []byte{1})
	}
}

// FactPeriod is the period FactWrites' tallies count in.
const FactPeriod = "2030-02"

// FactWrites calls set for facts from, from+1, … from+n-1 as the KPI module
// writes them: each is one write of its subject's tally for the period
// (kpi.TallyKey; a 64-byte value), the subject one of the registry's
// members picked by the fact's number (SHA-256, mod registered), so the
// writes land at random places like an attestor's batches for a national
// register or the dues of the whole party.
func FactWrites(from, n, registered int, set func(key, value []byte)) {
	val := make([]byte, 64)
	for f := from; f < from+n; f++ {
		h := sha256.Sum256([]byte("fact/" + strconv.Itoa(f)))
		m := int(binary.BigEndian.Uint64(h[:8]) % uint64(registered))
		clear(val)
		copy(val, h[8:])
		val[63] = byte(f)
		set(kpi.TallyKey(kpi.SubjectMember, FactPeriod, members.DeriveID(strconv.Itoa(m))), append([]byte(nil), val...))
	}
}
