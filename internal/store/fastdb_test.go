package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
)

// writeVersion sets keys m/000..m/(n-1) to values tagged with tag, deletes
// m/003, and commits.
func writeVersion(t *testing.T, s *Store, n int, tag string) []byte {
	t.Helper()
	for i := 0; i < n; i++ {
		s.Set([]byte(fmt.Sprintf("m/%03d", i)), []byte(fmt.Sprintf("%s-%d", tag, i)))
	}
	s.Delete([]byte("m/003"))
	h, _, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// copyDir copies a LevelDB directory (no subdirectories).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFastIndexBehindTheTreeIsRebuilt: a crash between the tree's write and
// the fast index's leaves fast.db a version behind state.db. Reopened, the
// store answers from the tree's latest version, not from the stale index.
func TestFastIndexBehindTheTreeIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenWith(dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	writeVersion(t, s, 50, "v1")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !exists(filepath.Join(dir, "fast.db")) {
		t.Fatal("a new store made no fast.db")
	}
	stale := filepath.Join(t.TempDir(), "fast.db")
	copyDir(t, filepath.Join(dir, "fast.db"), stale)

	s, err = OpenWith(dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	s.Set([]byte("m/003"), []byte("back")) // deleted in v1, set again
	writeVersion(t, s, 60, "v2")           // and m/003 deleted again
	s.Set([]byte("new"), []byte("only in v3"))
	s.Delete([]byte("m/010"))
	root3, _, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// The crash: state.db has version 3, fast.db is as after version 1.
	if err := os.RemoveAll(filepath.Join(dir, "fast.db")); err != nil {
		t.Fatal(err)
	}
	copyDir(t, stale, filepath.Join(dir, "fast.db"))

	s, err = OpenWith(dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Version() != 3 || !bytes.Equal(s.LastCommitHash(), root3) {
		t.Fatalf("reopened at version %d, root %x; want 3, %x", s.Version(), s.LastCommitHash(), root3)
	}
	for key, want := range map[string]string{"m/001": "v2-1", "m/055": "v2-55", "new": "only in v3", "m/003": "", "m/010": ""} {
		if got := string(s.Get([]byte(key))); got != want {
			t.Errorf("Get(%s) = %q after reopening over a stale fast index, want %q", key, got, want)
		}
	}
}

// TestHomeWithoutFastDBOpensAsItWas: a home made before fast.db keeps the
// fast index in state.db, and opens and writes there, with the same roots
// as a store in the new layout.
func TestHomeWithoutFastDBOpensAsItWas(t *testing.T) {
	dir := t.TempDir()
	db, err := dbm.NewGoLevelDBWithOpts("state", dir, levelDBOptions(DefaultOptions()))
	if err != nil {
		t.Fatal(err)
	}
	old := iavl.NewMutableTree(iavldb.NewWrapper(db), 1000, false, iavl.NewNopLogger())
	if _, err := old.Set([]byte("m/001"), []byte("before")); err != nil {
		t.Fatal(err)
	}
	oldRoot, _, err := old.SaveVersion()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := OpenWith(dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got := string(s.Get([]byte("m/001"))); got != "before" || !bytes.Equal(s.LastCommitHash(), oldRoot) {
		t.Fatalf("old home reads %q, root %x", got, s.LastCommitHash())
	}
	rootOld := writeVersion(t, s, 20, "v2")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(dir, "fast.db")) {
		t.Fatal("opening an old home made a fast.db beside its fast index")
	}

	n := t.TempDir()
	s, err = OpenWith(n, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Set([]byte("m/001"), []byte("before"))
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if rootNew := writeVersion(t, s, 20, "v2"); !bytes.Equal(rootOld, rootNew) {
		t.Fatalf("the same writes gave root %x in one LevelDB and %x in two", rootOld, rootNew)
	}
}
