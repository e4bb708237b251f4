package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pnyx-party/pnyx/internal/store"
)

// StoreOptions shape `pnyx bench store`.
type StoreOptions struct {
	Members  int // members whose two keys are written
	PerBlock int // members per version
}

// Store writes the registry's keys straight into a store on disk, without
// the application, consensus or the API, so what is timed is the state
// tree alone: per member, the record at a random place and the chapter
// index entry at the end of its chapter (RegistryWrites). It ends in
//
//	members=N members_per_s=N cpu_us_per_member_first=X cpu_us_per_member_last=X rss_mb=N disk_mb=N root=HEX
//
// cpu_us_per_member_first/_last are this process's CPU time per member
// over the first and the last tenth (the save on its goroutine included).
// The root is the tree's hash after the last version: another tree
// implementation fed RegistryWrites (tools/treebench) must print the same.
func Store(ctx context.Context, out, progress io.Writer, o StoreOptions) error {
	if o.Members < 10 || o.PerBlock < 1 {
		return fmt.Errorf("--members must be at least 10 and --per-block at least 1")
	}
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
	tenths := NewTenths(o.Members, cpuTime)
	start := time.Now()
	var root []byte
	for done := 0; done < o.Members; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(o.PerBlock, o.Members-done)
		RegistryWrites(done, n, o.PerBlock, st.Set)
		done += n
		if root, _, err = st.Commit(); err != nil {
			return err
		}
		tenths.Done(done)
		fmt.Fprintf(progress, "\rstore: %d/%d members", done, o.Members)
	}
	if err := st.WaitSaved(); err != nil {
		return err
	}
	elapsed := time.Since(start)
	cpuFirst, cpuLast := tenths.First(), tenths.Last()
	fmt.Fprintln(progress)
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
	fmt.Fprintf(out, "members=%d members_per_s=%.0f cpu_us_per_member_first=%.1f cpu_us_per_member_last=%.1f rss_mb=%d disk_mb=%d root=%s\n",
		o.Members, float64(o.Members)/elapsed.Seconds(), us(cpuFirst), us(cpuLast), peakRSSMB("/proc/self/status"), dirMB(dir), hex.EncodeToString(root))
	return nil
}

// RegistryWrites calls set for the keys members from, from+1, … from+n-1
// write at registration, in pnyx's layout: the record under "mem/m/" and
// an ID of 40 hex digits (here of SHA-256 of the member's decimal number),
// a random place in the tree, with a 180-byte value; and the chapter index
// entry "mem/ch/CC/BBBBBBBBBBBBBBBB/ID" (chapter number mod 17, the
// member's block number member/perBlock in 16 hex digits), appended at the
// end of its chapter. tools/treebench writes the same bytes.
func RegistryWrites(from, n, perBlock int, set func(key, value []byte)) {
	val := make([]byte, 180)
	for m := from; m < from+n; m++ {
		h := sha256.Sum256(fmt.Appendf(nil, "%d", m))
		id := hex.EncodeToString(h[:20])
		clear(val)
		copy(val, h[:])
		val[40] = byte(m)
		set([]byte("mem/m/"+id), append([]byte(nil), val...))
		set(fmt.Appendf(nil, "mem/ch/%02d/%016x/%s", m%17, m/perBlock, id), []byte{1})
	}
}
