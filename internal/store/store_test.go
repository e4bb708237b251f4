package store

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
)

func TestOverlayIteratesMergedInOrder(t *testing.T) {
	s := OpenMemory()
	for _, k := range []string{"p/a", "p/c", "p/e", "q/z"} {
		s.Set([]byte(k), []byte("base-"+k))
	}
	o := NewOverlay(s)
	o.Set([]byte("p/b"), []byte("new-b"))
	o.Set([]byte("p/c"), []byte("new-c"))
	o.Delete([]byte("p/e"))
	o.Set([]byte("p/f"), []byte("new-f"))
	var got []string
	o.Iterate([]byte("p/"), func(k, v []byte) bool {
		got = append(got, string(k)+"="+string(v))
		return true
	})
	want := "[p/a=base-p/a p/b=new-b p/c=new-c p/f=new-f]"
	if fmt.Sprint(got) != want {
		t.Fatalf("iterate = %v, want %s", got, want)
	}
	// Stopping early stops.
	n := 0
	o.Iterate([]byte("p/"), func(k, v []byte) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("early stop visited %d", n)
	}
	// Nothing reached the tree until Write.
	if s.Get([]byte("p/b")) != nil || s.Get([]byte("p/e")) == nil {
		t.Fatal("overlay leaked before Write")
	}
	o.Write()
	if string(s.Get([]byte("p/b"))) != "new-b" || s.Get([]byte("p/e")) != nil {
		t.Fatal("Write did not apply")
	}
}

// The root hash must not depend on the order a map hands out keys: the
// overlay writes sorted.
func TestOverlayWriteIsOrderIndependent(t *testing.T) {
	a, b := OpenMemory(), OpenMemory()
	oa, ob := NewOverlay(a), NewOverlay(b)
	for i := 0; i < 300; i++ {
		oa.Set([]byte(fmt.Sprintf("k%03d", i)), []byte("v"))
		ob.Set([]byte(fmt.Sprintf("k%03d", 299-i)), []byte("v"))
	}
	oa.Write()
	ob.Write()
	if !bytes.Equal(a.WorkingHash(), b.WorkingHash()) {
		t.Fatal("same writes in another order gave another root hash")
	}
}

func TestProofsAndPersistence(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Set([]byte("mem/m/1"), []byte(`{"id":"1"}`))
	s.Set([]byte("mem/m/3"), []byte(`{"id":"3"}`))
	hash1, v1, err := s.Commit()
	if err != nil || v1 != 1 {
		t.Fatalf("commit: %v %d", err, v1)
	}
	s.Set([]byte("mem/m/1"), []byte(`{"id":"1","status":"x"}`))
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}

	// Version 1 still proves the old value; absence is provable too.
	snap, err := s.Snapshot(1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snap.Hash(), hash1) {
		t.Fatal("snapshot hash differs from commit hash")
	}
	v, p, err := snap.Prove([]byte("mem/m/1"))
	if err != nil || string(v) != `{"id":"1"}` {
		t.Fatalf("prove: %v %q", err, v)
	}
	if !VerifyProof(hash1, p, []byte("mem/m/1"), v) {
		t.Fatal("membership proof does not verify")
	}
	if VerifyProof(hash1, p, []byte("mem/m/1"), []byte(`{"id":"1","status":"x"}`)) {
		t.Fatal("proof verifies a value that was not there")
	}
	abs, ap, err := snap.Prove([]byte("mem/m/2"))
	if err != nil || abs != nil {
		t.Fatalf("absence: %v %q", err, abs)
	}
	if !VerifyProof(hash1, ap, []byte("mem/m/2"), nil) {
		t.Fatal("non-membership proof does not verify")
	}
	if VerifyProof(hash1, ap, []byte("mem/m/3"), nil) {
		t.Fatal("non-membership proof verifies for a present key")
	}

	// Uncommitted writes vanish on reopen; committed ones stay.
	s.Set([]byte("mem/m/9"), []byte("uncommitted"))
	latest := s.LastCommitHash()
	s.Close()
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Version() != 2 || !bytes.Equal(s2.LastCommitHash(), latest) {
		t.Fatalf("reopened at version %d", s2.Version())
	}
	if s2.Get([]byte("mem/m/9")) != nil {
		t.Fatal("an uncommitted write survived a restart")
	}
}

// Iteration crosses chunk boundaries in both directions, stops early, and
// lets the callback read the snapshot again.
func TestSnapshotIterateInChunks(t *testing.T) {
	s := OpenMemory()
	n := 3*iterateChunk + 7
	for i := 0; i < n; i++ {
		s.Set([]byte(fmt.Sprintf("k/%05d", i)), []byte(fmt.Sprint(i)))
	}
	s.Set([]byte("z"), []byte("outside"))
	s.Commit()
	snap, _ := s.Snapshot(1)
	for _, asc := range []bool{true, false} {
		var got []string
		snap.IterateRange([]byte("k/"), PrefixEnd([]byte("k/")), asc, func(k, v []byte) bool {
			if string(snap.Get(k)) != string(v) {
				t.Fatalf("nested read of %s differs", k)
			}
			got = append(got, string(k))
			return true
		})
		if len(got) != n {
			t.Fatalf("ascending=%v: %d entries, want %d", asc, len(got), n)
		}
		for i := 1; i < len(got); i++ {
			if (got[i] > got[i-1]) != asc {
				t.Fatalf("ascending=%v: out of order at %d: %s after %s", asc, i, got[i], got[i-1])
			}
		}
	}
	count := 0
	snap.Iterate([]byte("k/"), func(_, _ []byte) bool { count++; return count < iterateChunk+3 })
	if count != iterateChunk+3 {
		t.Fatalf("early stop after %d", count)
	}
}

// A home written with other LevelDB blocks, or without a block cache,
// holds the same tree: the same hashes, and it opens and reads under the
// default options and under its own.
func TestStoreOptionsChangeNoHashNorFormat(t *testing.T) {
	if _, err := ParseOptions("blocksize=-4"); err == nil {
		t.Fatal("a negative block size was accepted")
	}
	if _, err := ParseOptions("commit=later"); err == nil {
		t.Fatal("commit=later was accepted")
	}
	write := func(dir string, o Options) []byte {
		s, err := OpenWith(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5000; i++ {
			s.Set([]byte(fmt.Sprintf("m/%07d", i*7919%5000)), bytes.Repeat([]byte{byte(i)}, 40))
		}
		h, _, err := s.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return h
	}
	plain := write(t.TempDir(), DefaultOptions())
	for _, c := range []struct {
		opts  string
		check func(Options) bool
	}{
		{"blocksize=1", func(o Options) bool { return o.BlockSizeKB == 1 }},
		// LevelDB's own 4 KiB, what every home written before the default
		// became 32 KiB has.
		{"blocksize=4", func(o Options) bool { return o.BlockSizeKB == 4 && levelDBOptions(o).BlockSize == 4<<10 }},
		{"blockcache=0", func(o Options) bool { return o.BlockCacheMB == 0 && levelDBOptions(o).DisableBlockCache }},
		{"commit=sync", func(o Options) bool { return o.SyncCommit }},
	} {
		t.Run(c.opts, func(t *testing.T) {
			o, err := ParseOptions(c.opts)
			if err != nil || !c.check(o) {
				t.Fatalf("ParseOptions(%s) = %+v, %v", c.opts, o, err)
			}
			dir := t.TempDir()
			if h := write(dir, o); !bytes.Equal(h, plain) {
				t.Fatalf("%s gave root %x, the default %x", c.opts, h, plain)
			}
			// LevelDB writes its first table when it reopens a home and
			// flushes the journal, so the table is written (and then read)
			// under the option here.
			for _, reopen := range []Options{o, DefaultOptions()} {
				s, err := OpenWith(dir, reopen)
				if err != nil {
					t.Fatal(err)
				}
				got := s.Get([]byte("m/0004999"))
				snap, err := s.Snapshot(s.Version())
				if err != nil {
					t.Fatal(err)
				}
				old := snap.Get([]byte("m/0000001"))
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if len(got) != 40 || len(old) != 40 {
					t.Fatalf("a home written with %s read back %x and %x under %+v", c.opts, got, old, reopen)
				}
			}
			if tables, _ := filepath.Glob(filepath.Join(dir, "state.db", "*.ldb")); len(tables) == 0 {
				t.Fatal("no LevelDB table was written; the test read nothing from a table")
			}
		})
	}
}
