package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	dbm "github.com/cosmos/cosmos-db"
	iavldb "github.com/cosmos/iavl/db"
)

// A store on disk keeps iavl's fast index (a copy of every latest key and
// value, keys 'f'…) and iavl's metadata (keys 'm'…) in a LevelDB of their
// own, fast.db, beside the tree's nodes in state.db.
//
// Why: iavl v1 keys a tree node by (version, nonce), so the nodes a block
// adds sort after every older node and LevelDB could keep them in order
// cheaply; the fast index's keys are the application's keys, random for a
// registry of pseudonymous members. In one LevelDB every table flushed
// from memory holds both, so (likely; LevelDB's compaction statistics were
// not read) compactions merge the two again and again. Apart, with the same
// total block cache, a registry grown to 300,000 members took 285 µs per
// member against 311–330, and 0.40 ms of CPU per member over its last tenth
// against 0.56–0.69; through the node at 1M, 1,887 members/s against 1,594
// (docs/performance.md).
//
// The two are written one after the other, the tree first. A crash between
// the two writes leaves the fast index behind the tree, and then iavl's
// storage version (kept in fast.db with the index it describes, 'm'…) names
// an older version than the tree's latest: iavl sees the mismatch when the
// store is loaded and rebuilds the index from the tree
// (TestFastIndexBehindTheTreeIsRebuilt). Besides iavl, only the store's
// reads while a version is being saved read fast.db (save.go).
//
// A home made before this layout has no fast.db and keeps everything in
// state.db; it opens as it was.
const fastDBName = "fast"

// isFastKey reports whether key belongs in fast.db.
func isFastKey(key []byte) bool { return len(key) > 0 && (key[0] == 'f' || key[0] == 'm') }

// openLevelDB opens the store's LevelDB(s) in dir: state.db alone for a
// home made before fast.db, else state.db and fast.db sharing
// BlockCacheMB, three quarters to the tree.
func openLevelDB(dir string, o Options) (iavldb.DB, error) {
	shared := exists(filepath.Join(dir, "state.db")) && !exists(filepath.Join(dir, fastDBName+".db"))
	if shared {
		db, err := dbm.NewGoLevelDBWithOpts("state", dir, levelDBOptions(o))
		if err != nil {
			return nil, err
		}
		return iavldb.NewWrapper(db), nil
	}
	treeOpts, fastOpts := o, o
	treeOpts.BlockCacheMB = o.BlockCacheMB * 3 / 4
	fastOpts.BlockCacheMB = o.BlockCacheMB - treeOpts.BlockCacheMB
	// fast.db first: a new home whose state.db could not be made then
	// still has fast.db, and is never taken for a home from before it.
	fast, err := dbm.NewGoLevelDBWithOpts(fastDBName, dir, levelDBOptions(fastOpts))
	if err != nil {
		return nil, fmt.Errorf("%s.db: %w", fastDBName, err)
	}
	tree, err := dbm.NewGoLevelDBWithOpts("state", dir, levelDBOptions(treeOpts))
	if err != nil {
		fast.Close()
		return nil, err
	}
	return splitDB{tree: iavldb.NewWrapper(tree), fast: iavldb.NewWrapper(fast)}, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// splitDB is iavl's DB over the two LevelDBs, each key in the one isFastKey
// chooses. iavl ranges over one kind of key at a time (a prefix of nodes,
// or of the fast index), so an iterator goes to the database of its start.
type splitDB struct{ tree, fast iavldb.DB }

func (s splitDB) of(key []byte) iavldb.DB {
	if isFastKey(key) {
		return s.fast
	}
	return s.tree
}

func (s splitDB) Get(key []byte) ([]byte, error) { return s.of(key).Get(key) }
func (s splitDB) Has(key []byte) (bool, error)   { return s.of(key).Has(key) }

func (s splitDB) Iterator(start, end []byte) (iavldb.Iterator, error) {
	return s.of(start).Iterator(start, end)
}

func (s splitDB) ReverseIterator(start, end []byte) (iavldb.Iterator, error) {
	return s.of(start).ReverseIterator(start, end)
}

func (s splitDB) Close() error { return errors.Join(s.tree.Close(), s.fast.Close()) }

func (s splitDB) NewBatch() iavldb.Batch {
	return &splitBatch{tree: s.tree.NewBatch(), fast: s.fast.NewBatch()}
}

func (s splitDB) NewBatchWithSize(n int) iavldb.Batch {
	return &splitBatch{tree: s.tree.NewBatchWithSize(n), fast: s.fast.NewBatchWithSize(n)}
}

// splitBatch writes the tree's part first (see the crash note above).
type splitBatch struct{ tree, fast iavldb.Batch }

func (b *splitBatch) of(key []byte) iavldb.Batch {
	if isFastKey(key) {
		return b.fast
	}
	return b.tree
}

func (b *splitBatch) Set(key, value []byte) error { return b.of(key).Set(key, value) }
func (b *splitBatch) Delete(key []byte) error     { return b.of(key).Delete(key) }

func (b *splitBatch) Write() error {
	if err := b.tree.Write(); err != nil {
		return err
	}
	return b.fast.Write()
}

func (b *splitBatch) WriteSync() error {
	if err := b.tree.WriteSync(); err != nil {
		return err
	}
	return b.fast.WriteSync()
}

func (b *splitBatch) Close() error { return errors.Join(b.tree.Close(), b.fast.Close()) }

func (b *splitBatch) GetByteSize() (int, error) {
	t, err1 := b.tree.GetByteSize()
	f, err2 := b.fast.GetByteSize()
	return t + f, errors.Join(err1, err2)
}
