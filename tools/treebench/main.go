// Command treebench writes the registry's keys and KPI facts
// (bench.RunTree, the writes `pnyx bench store` times on pnyx's own store)
// into memiavl, a state tree that keeps its nodes in memory and in
// memory-mapped snapshot files instead of LevelDB, and prints the same
// summary line, so the two trees can be compared on the same writes; equal
// roots show they hold the same tree (memiavl computes iavl's hashes).
//
//	cd tools/treebench && go run . --members 1000000 [--facts 1000000]
//
// It is a module of its own so that pnyx does not depend on memiavl for a
// measurement (docs/performance.md, "The state tree alone").
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/crypto-org-chain/cronos/memiavl"

	"github.com/pnyx-party/pnyx/internal/bench"
)

func main() {
	var o bench.StoreOptions
	flag.IntVar(&o.Members, "members", 1000000, "members whose keys are written")
	flag.IntVar(&o.PerBlock, "per-block", 1600, "members per version")
	flag.IntVar(&o.Facts, "facts", 0, "KPI facts to write after the members (timed apart)")
	flag.IntVar(&o.FactsPerBlock, "facts-per-block", 10000, "facts per version")
	interval := flag.Int("snapshot-interval", 100, "versions between memiavl's snapshot rewrites")
	flag.Parse()
	if err := run(o, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "treebench:", err)
		os.Exit(1)
	}
}

func run(o bench.StoreOptions, interval int) error {
	dir, err := os.MkdirTemp("", "treebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	r, err := build(dir, o, interval)
	if err != nil {
		return err
	}
	fmt.Println(r.Line(dir))
	return nil
}

// build writes o's members and facts into a memiavl database in dir.
func build(dir string, o bench.StoreOptions, interval int) (bench.TreeResult, error) {
	db, err := memiavl.Load(dir, memiavl.Options{
		CreateIfMissing: true, InitialStores: []string{"s"},
		SnapshotInterval: uint32(interval), SnapshotKeepRecent: 1, AsyncCommitBuffer: 10, CacheSize: 100000,
	})
	if err != nil {
		return bench.TreeResult{}, err
	}
	defer db.Close()
	return bench.RunTree(context.Background(), os.Stderr, &tree{db: db}, o)
}

// tree is memiavl as a bench.Tree: a version's writes are one change set,
// applied in the order written, as pnyx's store applies them (an AVL
// tree's shape, and so its root, depends on the order).
type tree struct {
	db *memiavl.DB
	cs memiavl.ChangeSet
}

func (t *tree) Set(key, value []byte) {
	t.cs.Pairs = append(t.cs.Pairs, &memiavl.KVPair{Key: key, Value: value})
}

func (t *tree) Commit() ([]byte, error) {
	if err := t.db.ApplyChangeSet("s", t.cs); err != nil {
		return nil, err
	}
	t.cs = memiavl.ChangeSet{}
	if _, err := t.db.Commit(); err != nil {
		return nil, err
	}
	return t.db.TreeByName("s").RootHash(), nil
}

func (t *tree) Wait() error { return t.db.WaitAsyncCommit() }
