// Command treebench writes the registry's keys (bench.RegistryWrites, the
// writes `pnyx bench store` times on pnyx's own store) into memiavl, a
// state tree that keeps its nodes in memory-mapped snapshot files instead
// of LevelDB, and prints the same summary line, so the two trees can be
// compared on the same writes; equal roots show they hold the same tree
// (memiavl computes iavl's hashes).
//
//	cd tools/treebench && go run . --members 1000000
//
// It is a module of its own so that pnyx does not depend on memiavl for a
// measurement (docs/performance.md, "The state tree alone").
package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/crypto-org-chain/cronos/memiavl"

	"github.com/pnyx-party/pnyx/internal/bench"
)

func main() {
	members := flag.Int("members", 1000000, "members whose keys are written")
	perBlock := flag.Int("per-block", 1600, "members per version")
	interval := flag.Int("snapshot-interval", 100, "versions between memiavl's snapshot rewrites")
	flag.Parse()
	if err := run(*members, *perBlock, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "treebench:", err)
		os.Exit(1)
	}
}

func run(members, perBlock, interval int) error {
	dir, err := os.MkdirTemp("", "treebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	r, err := build(dir, members, perBlock, interval)
	if err != nil {
		return err
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
	fmt.Printf("members=%d members_per_s=%.0f cpu_us_per_member_first=%.1f cpu_us_per_member_last=%.1f rss_mb=%d disk_mb=%d root=%s\n",
		members, float64(members)/r.elapsed.Seconds(), us(r.cpuFirst), us(r.cpuLast), ru.Maxrss>>10, dirMB(dir),
		hex.EncodeToString(r.root))
	return nil
}

// result is what build measured.
type result struct {
	root                       []byte
	elapsed, cpuFirst, cpuLast time.Duration // CPU per member over the first and last tenth
}

// build writes members' RegistryWrites into a memiavl database in dir,
// perBlock members per version.
func build(dir string, members, perBlock, interval int) (result, error) {
	var r result
	db, err := memiavl.Load(dir, memiavl.Options{
		CreateIfMissing: true, InitialStores: []string{"s"},
		SnapshotInterval: uint32(interval), SnapshotKeepRecent: 1, AsyncCommitBuffer: 10, CacheSize: 100000,
	})
	if err != nil {
		return r, err
	}
	defer db.Close()
	tenths := bench.NewTenths(members, cpuTime)
	start := time.Now()
	for done := 0; done < members; {
		n := min(perBlock, members-done)
		var cs memiavl.ChangeSet
		bench.RegistryWrites(done, n, perBlock, func(k, v []byte) {
			cs.Pairs = append(cs.Pairs, &memiavl.KVPair{Key: k, Value: v})
		})
		// In the order written, as pnyx's store applies them: an AVL
		// tree's shape, and so its root, depends on the order.
		if err := db.ApplyChangeSet("s", cs); err != nil {
			return r, err
		}
		if _, err := db.Commit(); err != nil {
			return r, err
		}
		done += n
		tenths.Done(done)
	}
	if err := db.WaitAsyncCommit(); err != nil {
		return r, err
	}
	r.elapsed = time.Since(start)
	r.cpuFirst, r.cpuLast = tenths.First(), tenths.Last()
	r.root = db.TreeByName("s").RootHash()
	return r, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// dirMB is the size of the files under dir in MiB.
func dirMB(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total >> 20
}
