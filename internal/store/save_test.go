package store

import (
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// model is what a version holds: key → value.
type model map[string]string

func (m model) get(k string) []byte {
	if v, ok := m[k]; ok {
		return []byte(v)
	}
	return nil
}

func (m model) walk(prefix string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k+"="+m[k])
		}
	}
	return out
}

func walkOf(r Reader, prefix string) []string {
	var out []string
	r.Iterate([]byte(prefix), func(k, v []byte) bool {
		out = append(out, string(k)+"="+string(v))
		return true
	})
	return out
}

// checkReads compares every key of the key space, and walks of a few
// prefixes, between r and want.
func checkReads(t *testing.T, what string, r Reader, want model) {
	t.Helper()
	for i := range 40 {
		k := fmt.Sprintf("k/%02d", i)
		if got, w := r.Get([]byte(k)), want.get(k); string(got) != string(w) || (got == nil) != (w == nil) {
			t.Fatalf("%s: %s = %q, want %q", what, k, got, w)
		}
	}
	for _, p := range []string{"k/", "k/0", "k/1", "k/3", "j/"} {
		if got, w := walkOf(r, p), want.walk(p); !slices.Equal(got, w) {
			t.Fatalf("%s: walk of %q:\n got %q\nwant %q", what, p, got, w)
		}
	}
}

// TestAsyncSaveReadsWhatASyncSaveReads tells one story on two stores, one
// saving each version inside Commit and one saving it on a goroutine that
// the test holds back: 30 blocks of sets, overwrites and deletes over 40
// keys, each block reading and walking the state while the last block's
// save is still in flight, with a View of each version read before and
// after the next save began. Every read matches the model of its version,
// and both stores commit the same hash at every version.
func TestAsyncSaveReadsWhatASyncSaveReads(t *testing.T) {
	sync, err := OpenWith(t.TempDir(), Options{NodeCache: 1000, SyncCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sync.Close()
	async, err := OpenWith(t.TempDir(), Options{NodeCache: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer async.Close()
	if !async.async || sync.async {
		t.Fatalf("async saving: %v and %v, want true and false", async.async, sync.async)
	}
	async.holdSave = make(chan struct{})
	defer close(async.holdSave) // before Close, which waits for the save

	rng := rand.New(rand.NewPCG(1, 2))
	state := model{}
	var lastView *View
	var lastModel model
	// views of versions the fast index has moved past, with their models
	var stale []*View
	staleModels := map[int64]model{}
	for block := 1; block <= 30; block++ {
		// The last block's save is held: the working version's reads come
		// from its writes and the fast index.
		if block > 1 && async.inFlight() == nil {
			t.Fatalf("block %d: the save of block %d is not in flight", block, block-1)
		}
		checkReads(t, fmt.Sprintf("block %d, before its writes", block), async, state)
		for range 12 {
			k := fmt.Sprintf("k/%02d", rng.IntN(40))
			if rng.IntN(4) == 0 {
				delete(state, k)
				sync.Delete([]byte(k))
				async.Delete([]byte(k))
			} else {
				v := fmt.Sprintf("%d.%d", block, rng.IntN(1000))
				state[k] = v
				sync.Set([]byte(k), []byte(v))
				async.Set([]byte(k), []byte(v))
			}
		}
		checkReads(t, fmt.Sprintf("block %d, after its writes", block), async, state)
		if lastView != nil {
			checkReads(t, fmt.Sprintf("view of %d while its save runs", lastView.Version()), lastView, lastModel)
		}
		if block > 1 {
			async.holdSave <- struct{}{}
			if err := async.WaitSaved(); err != nil {
				t.Fatal(err)
			}
		}
		if lastView != nil {
			checkReads(t, fmt.Sprintf("view of %d once saved", lastView.Version()), lastView, lastModel)
		}
		// The index now holds the last version: older views read their
		// own versions from the tree.
		for _, v := range stale[max(len(stale)-3, 0):] {
			checkReads(t, fmt.Sprintf("view of %d at block %d", v.Version(), block), v, staleModels[v.Version()])
		}
		if a, b := async.WorkingHash(), sync.WorkingHash(); string(a) != string(b) {
			t.Fatalf("block %d: working hashes differ", block)
		}
		ha, va, err := async.Commit()
		if err != nil {
			t.Fatal(err)
		}
		hs, vs, err := sync.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if string(ha) != string(hs) || va != vs || va != int64(block) {
			t.Fatalf("block %d: commits %d %X and %d %X", block, va, ha, vs, hs)
		}
		if async.Version() != int64(block) || async.Saved() != int64(block-1) {
			t.Fatalf("block %d: Version %d, Saved %d while the save is held", block, async.Version(), async.Saved())
		}
		if string(async.LastCommitHash()) != string(hs) {
			t.Fatalf("block %d: LastCommitHash is not the committed hash", block)
		}
		if lastView != nil {
			checkReads(t, fmt.Sprintf("view of %d after the next save began", lastView.Version()), lastView, lastModel)
			stale = append(stale, lastView)
			staleModels[lastView.Version()] = lastModel
		}
		if lastView, err = async.LatestView(); err != nil {
			t.Fatal(err)
		}
		lastModel = maps.Clone(state)
		checkReads(t, fmt.Sprintf("view of %d", block), lastView, lastModel)
	}
	async.holdSave <- struct{}{}
	if err := async.WaitSaved(); err != nil {
		t.Fatal(err)
	}
	snap, err := async.Snapshot(30)
	if err != nil {
		t.Fatal(err)
	}
	checkReads(t, "snapshot of the last version", snap, state)
	if string(snap.Hash()) != string(sync.LastCommitHash()) {
		t.Fatal("the saved version's hash is not the sync store's")
	}
}

// TestSnapshotOfAVersionBeingSavedWaitsForIt: Version counts a committed
// version at once; a Snapshot of it (what a block reading an earlier height
// asks for) waits for its save rather than failing, and Saved moves once
// it is done.
func TestSnapshotOfAVersionBeingSavedWaitsForIt(t *testing.T) {
	s, err := OpenWith(t.TempDir(), Options{NodeCache: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.holdSave = make(chan struct{})
	s.Set([]byte("a"), []byte("1"))
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		snap, err := s.Snapshot(1)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(snap.Get([]byte("a")))
	}()
	select {
	case v := <-got:
		t.Fatalf("the snapshot answered %q before its version was saved", v)
	case <-s.SavedSignal():
		t.Fatal("the save ended while held")
	default:
	}
	s.holdSave <- struct{}{}
	if v := <-got; v != "1" {
		t.Fatalf("snapshot of version 1 read %q", v)
	}
	<-s.SavedSignal()
	if s.Saved() != 1 {
		t.Fatalf("Saved = %d after the save", s.Saved())
	}
}

// copyTree copies the directory tree at from into to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestACrashDuringASaveLeavesTheVersionBefore: a node that dies while a
// version is being saved (here: its files copied while the save is held)
// restarts at the version before, readable as it was; CometBFT then
// replays the last block, which commits the hash the lost save would have
// written.
func TestACrashDuringASaveLeavesTheVersionBefore(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenWith(dir, Options{NodeCache: 1000})
	if err != nil {
		t.Fatal(err)
	}
	s.holdSave = make(chan struct{})
	block := func(s *Store, n int) ([]byte, int64) {
		t.Helper()
		for i := range 50 {
			s.Set([]byte(fmt.Sprintf("k/%02d", (i*7+n)%60)), []byte(fmt.Sprintf("%d.%d", n, i)))
		}
		s.Delete([]byte(fmt.Sprintf("k/%02d", n)))
		h, v, err := s.Commit()
		if err != nil {
			t.Fatal(err)
		}
		return h, v
	}
	h1, _ := block(s, 1)
	s.holdSave <- struct{}{}
	h2, v2 := block(s, 2) // its save is held: the "crash" comes now
	crashed := t.TempDir()
	copyTree(t, dir, crashed)
	s.holdSave <- struct{}{}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	r, err := OpenWith(crashed, Options{NodeCache: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Version() != v2-1 || string(r.LastCommitHash()) != string(h1) {
		t.Fatalf("restarted at version %d with hash %X, want %d and %X", r.Version(), r.LastCommitHash(), v2-1, h1)
	}
	if h, v := block(r, 2); v != v2 || string(h) != string(h2) {
		t.Fatalf("the replayed block committed %d %X, the lost save %d %X", v, h, v2, h2)
	}
}
