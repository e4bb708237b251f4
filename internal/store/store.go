// Package store holds pnyx's state: one Merkleized, versioned key-value tree
// whose root hash is the chain's AppHash, so every record can be proven
// against a block header signed by the validators. The tree lives in one of
// two engines with the same hashes: cosmos/iavl on LevelDB (the default,
// every version kept) or memiavl (Options.Engine, memengine.go: faster,
// the last few versions kept).
//
// The application writes through a KV during a block, seals the block with
// WorkingHash (the AppHash returned from FinalizeBlock) and persists it only in
// Commit. Readers open a Snapshot of a committed version, which is immutable
// and safe to use while the next block executes:
//
//	s, _ := store.Open(dir)
//	s.Set(k, v)                 // during FinalizeBlock
//	hash := s.WorkingHash()     // the AppHash of this block
//	s.Commit()                  // in Commit: version H, saved beside the next block
//	snap, _ := s.Snapshot(H)    // waits for H's save, if it still runs
//	value, proof, _ := snap.Prove(k)
//	view, _ := s.LatestView()   // reads H without waiting (CheckTx)
//
// Each transaction runs on an Overlay so that a failing transaction leaves the
// tree untouched; its writes reach the tree in sorted key order because an
// AVL tree's shape, and so its root hash, depends on insertion order.
package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
	ics23 "github.com/cosmos/ics23/go"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/pnyx-party/pnyx/internal/store/kv"
)

// KV and Reader are package kv's interfaces, which every module sees. They
// live there so that code which only reads records (the modules, the
// offline certificate verifier) links no tree.
type (
	KV     = kv.KV
	Reader = kv.Reader
)

// Store is the versioned Merkle tree. Its KV methods act on the working
// (uncommitted) version; Snapshot reads committed versions.
type Store struct {
	// pruneMu orders pruning against snapshot reads: a read never walks a
	// version while its nodes are being deleted. Nothing else takes it, so
	// reader snapshots wait only for a pruning commit (one in PruneEvery,
	// with a retention set), never for an ordinary one.
	pruneMu sync.RWMutex
	// mu orders the tree's writes (the block's flush and Commit) against
	// SharedSnapshot reads, which go through the writer's node database.
	mu   sync.RWMutex
	tree *iavl.MutableTree
	// reader is a second iavl tree over the same LevelDB with its own node
	// database and cache, through which every snapshot reads. iavl's node
	// database keeps bookkeeping that SaveVersion changes without its own
	// locks, so snapshots on the writer's node database had to hold a lock
	// that every commit took for its whole SaveVersion — API reads waited
	// for each commit (p95 154-220 ms under an import, issue 17). Committed
	// versions are immutable in LevelDB, and LevelDB is safe for concurrent
	// use, so the reader shares nothing with the writer that a commit
	// changes.
	reader *iavl.MutableTree
	// latest is the latest version saved to disk, for readers: a Snapshot
	// of it never waits.
	latest atomic.Int64
	// committed is the latest committed version, which may still be being
	// saved (save.go).
	committed atomic.Int64
	// async: Commit saves on a goroutine (save.go); off without the fast
	// index, or when Options.SyncCommit asks.
	async bool
	// saving is the last save started (done or not), nil before any.
	saving atomic.Pointer[pendingSave]
	// fastMu orders a View's reads of the fast index against the start of
	// a save, which moves the index from fastVersion to the next version.
	fastMu      sync.RWMutex
	fastVersion int64
	// unsaved holds, in key order, the writes flushed into the tree since
	// the last save: the writes of the version Commit saves.
	unsaved sortedWrites
	// holdSave, in tests, holds each save until it receives, so that
	// reads run while a save is in flight.
	holdSave chan struct{}
	db       iavldb.DB
	// block buffers the working version's writes until WorkingHash or
	// Commit hands them to the tree (see blockBuffer).
	block blockBuffer
	// keepRecent committed versions stay readable and provable; older ones
	// not pinned are pruned. Zero (the default) keeps every version.
	keepRecent int64
	// pinned lists versions the application still needs (an election's
	// registry snapshot), read from the committed state; none of them, nor
	// anything after the oldest, is ever pruned.
	pinned func(r Reader) []int64
	// mem is the memiavl engine (memengine.go), nil under iavl; every
	// method that touches the tree asks it first.
	mem *memEngine
}

// PruneEvery is how often (in versions) a store with a retention prunes.
const PruneEvery = 100

// SetRetention makes pruning the operator's explicit choice: keep the last
// keepRecent versions and every version pinned returns (called on the
// state just committed), prune the rest. Pruning never passes the oldest
// pinned version, so a version the application still proves against (an
// election's registry as of its creation) stays.
// keepRecent 0 keeps every version (the default, an archive node); a
// retention without pins is refused, since the store cannot know then
// which versions the chain will read again.
func (s *Store) SetRetention(keepRecent int64, pinned func(r Reader) []int64) error {
	if s.mem != nil {
		return fmt.Errorf("store: the memiavl engine keeps only its last %d versions; a retention applies to iavl", s.mem.keep)
	}
	if keepRecent < 0 {
		return fmt.Errorf("store: retention %d is negative", keepRecent)
	}
	if keepRecent > 0 && pinned == nil {
		return fmt.Errorf("store: a retention of %d versions needs the application's pinned versions", keepRecent)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keepRecent, s.pinned = keepRecent, pinned
	return nil
}

// pruneTo returns the newest version Commit may delete up to after
// committing version, or 0 for none.
func (s *Store) pruneTo(version int64) int64 {
	if s.keepRecent <= 0 || version <= s.keepRecent || version%PruneEvery != 0 {
		return 0
	}
	to := version - s.keepRecent
	for _, p := range s.pinned(s) {
		if p > 0 && p <= to {
			to = p - 1
		}
	}
	return to
}

// Options tune how the store keeps its tree; none of them changes a hash or
// the file format, so a home opens under any of them.
type Options struct {
	// NodeCache is how many tree nodes iavl keeps in memory.
	NodeCache int
	// BlockCacheMB is LevelDB's block cache in MiB; 0 turns it off. With
	// a cache, goleveldb keeps each table's index and Bloom filter in it
	// beside the data blocks; without one, every open table keeps its
	// index and filter, and data blocks come from the OS page cache. At a
	// million members (with a million cached nodes) the cache made
	// registrations 5 % faster (a fifth less CPU per member over the last
	// tenth) for 1.1 GB more peak memory (docs/performance.md), so the
	// default keeps one.
	BlockCacheMB int
	// BlockSizeKB is the size of the blocks LevelDB writes its tables in,
	// in KiB (0: LevelDB's default of 4 KiB). A read of one tree node
	// reads, checksums and caches the whole block around it, so small
	// blocks look cheaper; but goleveldb reads every block into a buffer
	// from one pool whose size classes go up to four blocks, with one more
	// class for anything larger, which also takes back each compaction's
	// table-writer buffer (a whole 8 MiB table). A table's index and Bloom
	// filter (tens of KiB each in an 8 MiB table of 4 KiB blocks) fall in
	// that class, so each may be read into, and cached or kept in, an
	// 8 MiB buffer: charged as 8 MiB in the block cache, where a few of
	// them evict everything else, and pinning 746 MB at a million members
	// without a cache. With 32 KiB blocks the classes reach 128 KiB: an
	// index (about 6 KiB, estimated from 256 entries) and a filter (10 bits
	// a key: under 128 KiB while a table's entries average more than 64
	// bytes, as the tree's nodes do) stay out of the largest. At a million
	// members registrations ran 8-18 % faster with a sixth to a third less
	// CPU per member over the last tenth than with 4 KiB, and KPI facts
	// 22 % faster (docs/performance.md). Tables already written keep their
	// block size until compaction rewrites them; the format is the same.
	BlockSizeKB int
	// NoFastIndex turns off iavl's fast-node index (a second copy of every
	// latest key and value, kept to answer a Get with one LevelDB read).
	// Every write then costs one LevelDB write fewer; a Get walks the tree
	// instead. An index left from earlier runs goes stale and is rebuilt by
	// iavl if the index is turned on again.
	NoFastIndex bool
	// NoSeekCompaction turns off LevelDB's compactions triggered by reads
	// that had to look into more than one table (goleveldb's
	// DisableSeeksCompaction). The tree's reads of nodes and of absent keys
	// are random, so under an import they trigger compactions that rewrite
	// tables for reads' sake alone.
	NoSeekCompaction bool
	// SyncCommit saves each version on the block's thread, inside Commit,
	// instead of on a goroutine beside the next block (save.go). A store
	// without the fast index always saves so.
	SyncCommit bool
	// Engine is the state tree: "iavl" (the default, on LevelDB, every
	// version kept) or "memiavl" (memengine.go: nodes in memory and in
	// mapped snapshot files, the last KeepCopies versions kept). Both
	// compute the same root hashes; a home's state is in one of them.
	Engine string
	// SnapshotInterval is how many versions the memiavl engine commits
	// between two rewrites of its snapshot (0: memiavl's 1,000).
	SnapshotInterval int
	// SnapshotWrites starts a rewrite of the memiavl engine's snapshot
	// as soon as this many writes reached the tree since the last one (0:
	// DefaultSnapshotWrites), whatever the versions: a restart replays
	// the write-ahead log from the last snapshot, so this bounds the
	// restart, and an import's large blocks no longer leave a million
	// members' nodes in Go's heap until the thousandth version.
	SnapshotWrites int
	// KeepCopies is how many committed versions the memiavl engine keeps
	// readable (0: 2, the latest and the one before, which the API's
	// proofs and the node's own reads need).
	KeepCopies int
}

// DefaultOptions are what Open uses unless $PNYX_STORE says otherwise:
// 500,000 cached tree nodes (and half as many for snapshot reads), a
// 512 MiB LevelDB block cache (shared by state.db and fast.db) and 32 KiB
// blocks (see BlockSizeKB). Against 200,000 nodes and 64 MiB, a million
// nodes and 512 MiB cut the node's CPU per registered member over the last
// tenth of a 100,000-member import by 40 % (3.0 to 1.8 ms, pnyx bench
// registry). At a million members, though, half as many nodes did better
// on every figure of that bench, which runs the whole node (two runs each
// side): 3-8 % more members/s, 10-17 % less CPU per member over the last
// tenth and 570-690 MB less peak memory; the KPI bench, which executes
// blocks alone, ran 10 % slower. A cached node costs more than its bytes:
// iavl keeps it in a Go map and a list that every node read and every
// saved node goes through (with a million nodes, a third of the time iavl
// spent writing and committing the import's nodes, most of it in the
// map's lookups), and the collector marks every cached node on every
// cycle, while a node missing from it is often a hit in the block cache.
// Both caches live in Go's heap. See docs/performance.md.
func DefaultOptions() Options {
	return Options{NodeCache: 500_000, BlockCacheMB: 512, BlockSizeKB: 32}
}

// ParseOptions reads "nodes=N,blockcache=MB,blocksize=KB,fastindex=on|off,
// seekcompaction=on|off,commit=async|sync,engine=iavl|memiavl,snapshots=N,
// snapshotwrites=N,keep=N" (any subset, the rest from
// DefaultOptions), for benchmarks that compare settings.
func ParseOptions(s string) (Options, error) {
	o := DefaultOptions()
	if strings.TrimSpace(s) == "" {
		return o, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return o, fmt.Errorf("store options: %q is not key=value", kv)
		}
		var err error
		switch k {
		case "nodes":
			o.NodeCache, err = strconv.Atoi(v)
		case "blockcache":
			o.BlockCacheMB, err = strconv.Atoi(v)
		case "blocksize":
			o.BlockSizeKB, err = strconv.Atoi(v)
		case "fastindex":
			o.NoFastIndex, err = parseOff(v)
		case "seekcompaction":
			o.NoSeekCompaction, err = parseOff(v)
		case "engine":
			if v != "iavl" && v != "memiavl" {
				err = fmt.Errorf("want iavl or memiavl")
			}
			o.Engine = v
		case "snapshots":
			o.SnapshotInterval, err = strconv.Atoi(v)
		case "snapshotwrites":
			o.SnapshotWrites, err = strconv.Atoi(v)
		case "keep":
			o.KeepCopies, err = strconv.Atoi(v)
		case "commit":
			switch v {
			case "async":
				o.SyncCommit = false
			case "sync":
				o.SyncCommit = true
			default:
				err = fmt.Errorf("want async or sync")
			}
		default:
			return o, fmt.Errorf("store options: unknown option %q (nodes, blockcache, blocksize, fastindex, seekcompaction, commit, engine, snapshots, snapshotwrites, keep)", k)
		}
		if err != nil {
			return o, fmt.Errorf("store options: %s=%s: %v", k, v, err)
		}
	}
	if o.NodeCache < 0 || o.BlockCacheMB < 0 || o.BlockSizeKB < 0 || o.SnapshotInterval < 0 || o.SnapshotWrites < 0 || o.KeepCopies < 0 {
		return o, fmt.Errorf("store options: sizes must not be negative")
	}
	return o, nil
}

// parseOff reads "on" or "off" into whether a feature is turned off.
func parseOff(v string) (bool, error) {
	switch v {
	case "on":
		return false, nil
	case "off":
		return true, nil
	}
	return false, fmt.Errorf("want on or off")
}

// OptionsEnv names the environment variable Open reads its Options from
// (ParseOptions' syntax; unset: DefaultOptions), so that an operator or a
// benchmark can try cache sizes on a node without a new flag on every
// command that opens a store.
const OptionsEnv = "PNYX_STORE"

// Open opens (or creates) the store in dir (state.db and fast.db, see
// fastdb.go) with the Options in $PNYX_STORE (DefaultOptions if unset) and
// loads the latest committed version.
func Open(dir string) (*Store, error) {
	o, err := ParseOptions(os.Getenv(OptionsEnv))
	if err != nil {
		return nil, fmt.Errorf("store: $%s: %w", OptionsEnv, err)
	}
	return OpenWith(dir, o)
}

// OpenWith is Open with chosen Options.
func OpenWith(dir string, o Options) (*Store, error) {
	if o.Engine == "memiavl" {
		if o.KeepCopies == 0 {
			o.KeepCopies = 2
		}
		return openMem(dir, o)
	}
	db, err := openLevelDB(dir, o)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", filepath.Join(dir, "state.db"), err)
	}
	return load(db, o)
}

// levelDBOptions tune the LevelDB under the tree for what iavl writes:
// every block stores a few new nodes per changed key, each mostly hashes.
//   - No compression: hashes do not compress, and snappy-encoding every
//     table on each compaction (and decoding every block read) cost about a
//     tenth of a node's CPU under load (`pnyx bench tx`, docs/performance.md).
//   - A 32 MiB write buffer (default 4 MiB) and 8 MiB tables (default 2 MiB)
//     flush and compact less often for the same data.
//   - A block cache (default 64 MiB; LevelDB's own default is 8 MiB) keeps
//     more of the tree's nodes that fell out of iavl's own node cache off
//     the disk.
//
// These change neither the file format nor any hash, so existing homes
// open as before.
func levelDBOptions(o Options) *opt.Options {
	return &opt.Options{
		Filter:                 filter.NewBloomFilter(10), // as cosmos-db's default
		Compression:            opt.NoCompression,
		WriteBuffer:            32 << 20,
		CompactionTableSize:    8 << 20,
		BlockCacheCapacity:     o.BlockCacheMB << 20,
		DisableBlockCache:      o.BlockCacheMB == 0,
		OpenFilesCacheCapacity: openTables(),
		BlockSize:              o.BlockSizeKB << 10, // 0: LevelDB's 4 KiB
		DisableSeeksCompaction: o.NoSeekCompaction,
	}
}

// OpenMemory opens a store that lives in memory only, for tests and benchmarks.
func OpenMemory() *Store {
	s, err := load(iavldb.NewMemDB(), DefaultOptions())
	if err != nil {
		panic(err) // a fresh memory DB cannot fail to load
	}
	return s
}

func load(db iavldb.DB, o Options) (*Store, error) {
	tree := iavl.NewMutableTree(db, o.NodeCache, o.NoFastIndex, iavl.NewNopLogger())
	if _, err := tree.Load(); err != nil {
		return nil, fmt.Errorf("store: load: %w", err)
	}
	// The reader walks the tree (no fast index: that index holds only the
	// latest values and is the writer's) with a cache of its own.
	reader := iavl.NewMutableTree(db, max(o.NodeCache/2, 1000), true, iavl.NewNopLogger())
	fast, err := tree.IsFastCacheEnabled()
	if err != nil {
		return nil, fmt.Errorf("store: load: %w", err)
	}
	s := &Store{tree: tree, reader: reader, db: db, async: fast && !o.NoFastIndex && !o.SyncCommit}
	s.latest.Store(tree.Version())
	s.committed.Store(tree.Version())
	s.fastVersion = tree.Version()
	return s, nil
}

// Close waits for a save in flight and releases the database.
func (s *Store) Close() error {
	if s.mem != nil {
		return s.mem.close()
	}
	err := s.waitSaved()
	return errors.Join(err, s.db.Close())
}

// Version is the latest committed version (the height of the last committed
// block), 0 before the first commit. Its save may still be running: a
// Snapshot of it then waits for the save; Saved never waits.
func (s *Store) Version() int64 { return s.committed.Load() }

// Saved is the latest version on disk, which readers that must not wait
// (the API) read; it is Version or, while a save runs, the one before.
func (s *Store) Saved() int64 { return s.latest.Load() }

// SavedSignal returns a channel closed once the latest committed version
// is on disk (at once when it is).
func (s *Store) SavedSignal() <-chan struct{} {
	if p := s.saving.Load(); p != nil {
		return p.done
	}
	done := make(chan struct{})
	close(done)
	return done
}

// LastCommitHash is the root hash of the latest committed version.
func (s *Store) LastCommitHash() []byte {
	if s.mem != nil {
		return bytes.Clone(s.mem.hash)
	}
	if p := s.saving.Load(); p != nil && p.version == s.committed.Load() {
		return p.hash
	}
	v := s.latest.Load()
	if v == 0 {
		return s.tree.WorkingHash()
	}
	snap, err := s.Snapshot(v)
	if err != nil {
		return s.tree.WorkingHash()
	}
	return snap.Hash()
}

// WorkingHash is the root hash including uncommitted writes. It waits for
// the last version's save, whose tree it builds on.
func (s *Store) WorkingHash() []byte {
	if s.mem != nil {
		s.memApply()
		return s.mem.tree().RootHash()
	}
	if err := s.waitSaved(); err != nil {
		panic(err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flush()
	return s.tree.WorkingHash()
}

// flush hands the buffered writes to the tree in the order they were made,
// so the tree (and its root hash) is exactly what writing them directly
// would have built. Callers hold mu: inserting into the tree clones nodes,
// and iavl's clone changes the original node, which a SharedSnapshot of the
// last version may be walking.
func (s *Store) flush() {
	if s.async {
		if s.unsaved.t == nil {
			s.unsaved = s.block.sorted
		} else {
			s.block.sorted.each(func(e *entry) { s.unsaved.put(e) })
		}
	}
	s.block.replay(func(key, value []byte) {
		if value == nil {
			if _, _, err := s.tree.Remove(key); err != nil {
				panic(fmt.Sprintf("store: delete %q: %v", key, err))
			}
			return
		}
		if _, err := s.tree.Set(key, value); err != nil {
			panic(fmt.Sprintf("store: set %q: %v", key, err))
		}
	})
}

// Commit commits the working version and returns its hash and number. With
// async saving (the default) the version is written to disk on a goroutine
// after Commit returns (save.go); Version reports it at once, Saved once it
// is on disk.
func (s *Store) Commit() ([]byte, int64, error) {
	if s.mem != nil {
		return s.memCommit()
	}
	if err := s.waitSaved(); err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	s.flush()
	version := s.tree.WorkingVersion()
	// The application's pinned versions are read from the state being
	// committed, here on the block's thread, before the next block writes.
	to := s.pruneTo(version)
	if !s.async {
		hash, err := s.save(nil, to)
		s.mu.Unlock()
		if err != nil {
			return nil, 0, err
		}
		s.committed.Store(version)
		return hash, version, nil
	}
	hash := s.tree.WorkingHash()
	writes := s.unsaved
	s.unsaved = sortedWrites{}
	s.mu.Unlock()
	s.startSave(hash, version, to, writes)
	return hash, version, nil
}

// Rollback discards uncommitted writes.
func (s *Store) Rollback() {
	if s.mem != nil {
		if s.mem.dirty {
			panic("store: the memiavl engine cannot roll back writes its tree has taken (after WorkingHash)")
		}
		s.block.reset()
		return
	}
	if err := s.waitSaved(); err != nil {
		panic(err.Error())
	}
	s.block.reset()
	s.unsaved.reset()
	s.tree.Rollback()
}

// Get implements KV on the working version. A storage failure panics: state
// that cannot be read must halt the node rather than fork it.
func (s *Store) Get(key []byte) []byte {
	if v, ok := s.block.get(key); ok {
		return v
	}
	if s.mem != nil {
		return s.mem.tree().Get(key)
	}
	if p := s.inFlight(); p != nil {
		if v, ok := p.writes.get(key); ok {
			return v
		}
		return s.readFast(key)
	}
	v, err := s.tree.Get(key)
	if err != nil {
		panic(fmt.Sprintf("store: get %q: %v", key, err))
	}
	return v
}

// Set implements KV. The write is buffered until the block's WorkingHash.
func (s *Store) Set(key, value []byte) {
	if value == nil {
		panic(fmt.Sprintf("store: set %q: attempt to store nil value", key))
	}
	s.block.set(key, value)
}

// Delete implements KV.
func (s *Store) Delete(key []byte) { s.block.set(key, nil) }

// Iterate implements KV on the working version: the block's buffered writes
// merged with the tree. The tree's own iterator over unflushed writes would
// range over and sort all of them on every call; the buffer is sorted
// already, so a walk costs what its prefix holds.
func (s *Store) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	end := PrefixEnd(prefix)
	if s.mem != nil {
		it := s.mem.tree().Iterator(prefix, end, true)
		defer it.Close()
		mergeIterate(&s.block.sorted, prefix, end, walk(it), fn)
		return
	}
	if p := s.inFlight(); p != nil {
		// Only this thread starts a save, so the index holds the last
		// version until the walk ends.
		parent := func(f func(k, v []byte) bool) {
			mergeIterate(&p.writes, prefix, end, func(g func(k, v []byte) bool) { s.walkFast(prefix, end, g) }, f)
		}
		mergeIterate(&s.block.sorted, prefix, end, parent, fn)
		return
	}
	it, err := s.tree.Iterator(prefix, end, true)
	if err != nil {
		panic(fmt.Sprintf("store: iterate %q: %v", prefix, err))
	}
	defer it.Close()
	mergeIterate(&s.block.sorted, prefix, end, walk(it), fn)
}

// walk is a tree iterator as mergeIterate's parent walk.
func walk(it treeIterator) func(f func(k, v []byte) bool) {
	return func(f func(k, v []byte) bool) {
		for ; it.Valid(); it.Next() {
			if !f(it.Key(), it.Value()) {
				return
			}
		}
	}
}

// Snapshot is a committed version, immutable and safe for concurrent reads.
//
// Its reads go through the store's reader tree, which shares nothing with
// the tree Commit writes but the (thread-safe) LevelDB; every read holds
// the store's read lock only so that pruning does not delete nodes under it.
type Snapshot struct {
	tree snapTree
	mu   *sync.RWMutex
}

// snapTree is a committed version as a Snapshot reads it: iavl's
// ImmutableTree (iavlSnap) or a copy kept by the memiavl engine (memSnap).
type snapTree interface {
	Version() int64
	Hash() []byte
	Get(key []byte) ([]byte, error)
	Iterator(start, end []byte, ascending bool) (treeIterator, error)
	GetMembershipProof(key []byte) (*ics23.CommitmentProof, error)
	GetNonMembershipProof(key []byte) (*ics23.CommitmentProof, error)
}

// treeIterator is what both trees' iterators offer.
type treeIterator interface {
	Valid() bool
	Next()
	Key() []byte
	Value() []byte
	Close() error
}

type iavlSnap struct{ *iavl.ImmutableTree }

func (t iavlSnap) Iterator(start, end []byte, ascending bool) (treeIterator, error) {
	return t.ImmutableTree.Iterator(start, end, ascending)
}

// Snapshot opens committed version v; v must still be retained. A version
// still being saved is opened once its save is done.
func (s *Store) Snapshot(v int64) (*Snapshot, error) {
	if s.mem != nil {
		return s.memSnapshot(v)
	}
	if v > s.latest.Load() && v <= s.committed.Load() {
		if err := s.waitSaved(); err != nil {
			return nil, err
		}
	}
	s.pruneMu.RLock()
	defer s.pruneMu.RUnlock()
	if latest := s.latest.Load(); v <= 0 || v > latest {
		return nil, fmt.Errorf("store: version %d is not committed (latest %d)", v, latest)
	}
	t, err := s.reader.GetImmutable(v)
	if err != nil {
		return nil, fmt.Errorf("store: version %d: %w", v, err)
	}
	return &Snapshot{tree: iavlSnap{t}, mu: &s.pruneMu}, nil
}

// LatestSnapshot opens the latest version on disk (Saved), for readers
// that want the newest state and must not wait: under the memiavl engine,
// which keeps few versions, the version Saved names may be gone by the
// time a Snapshot of it is asked for, and this never fails for that.
func (s *Store) LatestSnapshot() (*Snapshot, error) {
	if s.mem != nil {
		return s.memLatest()
	}
	return s.Snapshot(s.Saved())
}

// SharedSnapshot opens committed version v through the writer's node
// database: a Get of the latest version is then one read of iavl's
// fast-node index (a key that is absent usually costs no disk read at all,
// through LevelDB's bloom filter) instead of a walk down the tree, but every
// read waits while the block's writes are applied and committed (the end of
// FinalizeBlock and Commit). That is the right trade for CheckTx,
// which reads the latest version many times per tx (an import's batch asks
// for 500 absent keys) and which CometBFT never runs during a commit anyway
// (the mempool is locked then); API reads use Snapshot.
func (s *Store) SharedSnapshot(v int64) (*Snapshot, error) {
	if s.mem != nil {
		return s.memSnapshot(v)
	}
	if v > s.latest.Load() && v <= s.committed.Load() {
		if err := s.waitSaved(); err != nil {
			return nil, err
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if latest := s.latest.Load(); v <= 0 || v > latest {
		return nil, fmt.Errorf("store: version %d is not committed (latest %d)", v, latest)
	}
	t, err := s.tree.GetImmutable(v)
	if err != nil {
		return nil, fmt.Errorf("store: version %d: %w", v, err)
	}
	return &Snapshot{tree: iavlSnap{t}, mu: &s.mu}, nil
}

// Version is the snapshot's version.
func (sn *Snapshot) Version() int64 { return sn.tree.Version() }

// Hash is the snapshot's root hash: the AppHash in the header of block
// Version()+1.
func (sn *Snapshot) Hash() []byte { return sn.tree.Hash() }

// Get returns the value at key or nil.
func (sn *Snapshot) Get(key []byte) []byte {
	sn.mu.RLock()
	defer sn.mu.RUnlock()
	v, err := sn.tree.Get(key)
	if err != nil {
		panic(fmt.Sprintf("store: snapshot get %q: %v", key, err))
	}
	return v
}

// Iterate calls fn in ascending order for keys with prefix.
func (sn *Snapshot) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	sn.IterateRange(prefix, PrefixEnd(prefix), true, fn)
}

// iterateChunk is how many entries IterateRange reads under the lock before
// it releases it and calls back.
const iterateChunk = 256

// IterateRange calls fn for keys in [start, end) in the given order.
//
// Entries are read in chunks under the store's read lock and handed to fn
// with the lock released: fn may read the snapshot again (a nested read lock
// would deadlock behind a waiting Commit), and a long walk does not hold
// block commits back.
func (sn *Snapshot) IterateRange(start, end []byte, ascending bool, fn func(key, value []byte) bool) {
	type kv struct{ k, v []byte }
	for {
		var chunk []kv
		sn.mu.RLock()
		it, err := sn.tree.Iterator(start, end, ascending)
		if err != nil {
			sn.mu.RUnlock()
			panic(fmt.Sprintf("store: snapshot iterate: %v", err))
		}
		for ; it.Valid() && len(chunk) < iterateChunk; it.Next() {
			chunk = append(chunk, kv{bytes.Clone(it.Key()), bytes.Clone(it.Value())})
		}
		more := it.Valid()
		it.Close()
		sn.mu.RUnlock()
		for _, e := range chunk {
			if !fn(e.k, e.v) {
				return
			}
		}
		if !more {
			return
		}
		last := chunk[len(chunk)-1].k
		if ascending {
			start = append(bytes.Clone(last), 0) // the smallest key after last
		} else {
			end = last // end is exclusive
		}
	}
}

// Prove returns the value at key (nil if absent) and an ICS-23 proof of its
// presence or absence under the snapshot's root hash.
func (sn *Snapshot) Prove(key []byte) ([]byte, *ics23.CommitmentProof, error) {
	v := sn.Get(key)
	var (
		p   *ics23.CommitmentProof
		err error
	)
	sn.mu.RLock()
	defer sn.mu.RUnlock()
	if v != nil {
		p, err = sn.tree.GetMembershipProof(key)
	} else {
		p, err = sn.tree.GetNonMembershipProof(key)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: prove %q: %w", key, err)
	}
	return v, p, nil
}

// VerifyProof checks an ICS-23 proof that key holds value (or, with a nil
// value, that key is absent) under root.
func VerifyProof(root []byte, proof *ics23.CommitmentProof, key, value []byte) bool {
	if value == nil {
		return ics23.VerifyNonMembership(ics23.IavlSpec, root, proof, key)
	}
	return ics23.VerifyMembership(ics23.IavlSpec, root, proof, key, value)
}

// PrefixEnd returns the smallest key greater than every key with prefix, or
// nil when there is none.
func PrefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// ReadOnly turns a Reader into a KV for code that must not write: an
// Overlay over it buffers a transaction's writes and is dropped, never
// written. Set and Delete panic.
func ReadOnly(r Reader) KV { return readOnly{r} }

type readOnly struct{ Reader }

func (readOnly) Set(key, _ []byte) { panic(fmt.Sprintf("store: write of %q to a read-only view", key)) }
func (readOnly) Delete(key []byte) {
	panic(fmt.Sprintf("store: delete of %q in a read-only view", key))
}

// Overlay buffers one transaction's writes over a parent KV. Write applies
// them to the parent in sorted key order; dropping the overlay discards them.
type Overlay struct {
	parent KV
	writes sortedWrites
}

// NewOverlay starts an empty overlay over parent.
func NewOverlay(parent KV) *Overlay { return &Overlay{parent: parent} }

// Get reads the overlay first, then the parent.
func (o *Overlay) Get(key []byte) []byte {
	if v, ok := o.writes.get(key); ok {
		return v
	}
	return o.parent.Get(key)
}

// Set buffers a write.
func (o *Overlay) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	o.writes.put(&entry{key: string(key), value: bytes.Clone(value)})
}

// Delete buffers a delete.
func (o *Overlay) Delete(key []byte) { o.writes.put(&entry{key: string(key)}) }

// Iterate merges the parent's keys with the buffered writes, in order.
func (o *Overlay) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	parent := func(f func(k, v []byte) bool) { o.parent.Iterate(prefix, f) }
	mergeIterate(&o.writes, prefix, PrefixEnd(prefix), parent, fn)
}

// Write applies the buffered writes to the parent in ascending key order and
// empties the overlay.
func (o *Overlay) Write() {
	o.writes.each(func(e *entry) {
		if e.value == nil {
			o.parent.Delete([]byte(e.key))
		} else {
			o.parent.Set([]byte(e.key), e.value)
		}
	})
	o.writes.reset()
}
