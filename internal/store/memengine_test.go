package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

func openMemEngine(t *testing.T, dir string, o string) *Store {
	t.Helper()
	opts, err := ParseOptions("engine=memiavl," + o)
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenWith(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// randomBlock writes, deletes and rewrites keys as blocks do: new keys at
// random places, counters set twice in a block, deletes of earlier keys.
func randomBlock(rng *rand.Rand, n int, writes ...KV) {
	for i := 0; i < n; i++ {
		k := []byte(fmt.Sprintf("k/%06d", rng.IntN(5000)))
		for _, w := range writes {
			switch rng.IntN(10) {
			case 0:
				w.Delete(k)
			default:
				w.Set(k, []byte(strconv.Itoa(i)))
			}
		}
	}
}

// The memiavl engine and iavl build the same tree: version by version the
// same working and committed hashes, the same reads and walks, and proofs
// that verify against the hash.
func TestMemiavlEngineKeepsIavlsHashes(t *testing.T) {
	ia := OpenMemory()
	mem := openMemEngine(t, t.TempDir(), "snapshots=7")
	defer mem.Close()
	for v := int64(1); v <= 40; v++ {
		rng := rand.New(rand.NewPCG(uint64(v), 1))
		for i := 0; i < 60; i++ {
			k := []byte(fmt.Sprintf("k/%06d", rng.IntN(5000)))
			val := []byte(strconv.Itoa(i))
			del := rng.IntN(8) == 0
			for _, s := range []*Store{ia, mem} {
				if del {
					s.Delete(k)
				} else {
					s.Set(k, val)
				}
			}
		}
		if a, b := ia.WorkingHash(), mem.WorkingHash(); !bytes.Equal(a, b) {
			t.Fatalf("version %d: working hash %x under iavl, %x under memiavl", v, a, b)
		}
		ha, va, err := ia.Commit()
		if err != nil {
			t.Fatal(err)
		}
		hb, vb, err := mem.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if va != vb || !bytes.Equal(ha, hb) || !bytes.Equal(mem.LastCommitHash(), ha) {
			t.Fatalf("commit: version %d hash %x under iavl, version %d hash %x under memiavl", va, ha, vb, hb)
		}
		sa, _ := ia.Snapshot(va)
		sb, err := mem.Snapshot(vb)
		if err != nil {
			t.Fatal(err)
		}
		var walkA, walkB [][]byte
		sa.Iterate([]byte("k/00"), func(k, v []byte) bool { walkA = append(walkA, k, v); return true })
		sb.Iterate([]byte("k/00"), func(k, v []byte) bool { walkB = append(walkB, k, v); return true })
		if len(walkA) != len(walkB) {
			t.Fatalf("version %d: a walk gives %d entries under iavl, %d under memiavl", v, len(walkA)/2, len(walkB)/2)
		}
		for i := range walkA {
			if !bytes.Equal(walkA[i], walkB[i]) {
				t.Fatalf("version %d: walks differ at %d", v, i/2)
			}
		}
		for _, k := range [][]byte{[]byte("k/000010"), []byte(fmt.Sprintf("k/%06d", v*97%5000)), []byte("absent")} {
			value, p, err := sb.Prove(k)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(value, sa.Get(k)) || !VerifyProof(sb.Hash(), p, k, value) || !VerifyProof(ha, p, k, value) {
				t.Fatalf("version %d: the proof of %q (value %q) does not verify against the app hash", v, k, value)
			}
		}
	}
}

// A reopened memiavl home is at its last commit, hash and values.
func TestMemiavlEngineReopens(t *testing.T) {
	dir := t.TempDir()
	s := openMemEngine(t, dir, "snapshots=5")
	rng := rand.New(rand.NewPCG(3, 3))
	var hash []byte
	for v := 0; v < 12; v++ {
		randomBlock(rng, 50, s)
		s.Set([]byte("version"), []byte(strconv.Itoa(v+1)))
		var err error
		if hash, _, err = s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{}
	snap, _ := s.Snapshot(12)
	snap.Iterate(nil, func(k, v []byte) bool { want[string(k)] = string(v); return true })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openMemEngine(t, dir, "snapshots=5")
	defer s.Close()
	if s.Version() != 12 || !bytes.Equal(s.LastCommitHash(), hash) {
		t.Fatalf("reopened at version %d hash %x, committed 12 with %x", s.Version(), s.LastCommitHash(), hash)
	}
	snap, err := s.Snapshot(12)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	snap.Iterate(nil, func(k, v []byte) bool {
		if want[string(k)] != string(v) {
			t.Fatalf("reopened: %q holds %q, was %q", k, v, want[string(k)])
		}
		got++
		return true
	})
	if got != len(want) {
		t.Fatalf("reopened with %d keys, committed %d", got, len(want))
	}
}

// Readers of kept versions run while the writer commits and memiavl
// switches to a new snapshot every few versions, unmapping the old one. A
// read either sees its version's values or fails with ErrVersionGone; it
// never reads unmapped memory (the test process would crash) or another
// version's value. Run with -race as well.
func TestMemiavlEngineReadersSurviveSnapshotSwitches(t *testing.T) {
	s := openMemEngine(t, t.TempDir(), "snapshots=3,keep=3")
	defer s.Close()
	commit := func(v int) {
		s.Set([]byte("version"), []byte(strconv.Itoa(v)))
		for i := 0; i < 200; i++ {
			s.Set([]byte(fmt.Sprintf("k/%03d/%d", i, v%7)), []byte(strconv.Itoa(v)))
		}
		if _, _, err := s.Commit(); err != nil {
			t.Error(err)
		}
	}
	commit(1)
	var stop atomic.Bool
	var reads, gone atomic.Int64
	var wg sync.WaitGroup
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				func() {
					defer func() {
						if p := recover(); p != nil {
							if err, ok := p.(error); ok && errors.Is(err, ErrVersionGone) {
								gone.Add(1)
								return
							}
							panic(p)
						}
					}()
					v := s.Version()
					snap, err := s.Snapshot(v)
					if err != nil {
						return // moved on between the two calls
					}
					for i := 0; i < 50; i++ {
						if got := string(snap.Get([]byte("version"))); got != strconv.FormatInt(v, 10) {
							t.Errorf("a snapshot of version %d reads version %q", v, got)
							return
						}
						n := 0
						snap.Iterate([]byte("k/01"), func(_, _ []byte) bool { n++; return true })
						if i%10 == 0 {
							value, p, err := snap.Prove([]byte("version"))
							if err != nil || !VerifyProof(snap.Hash(), p, []byte("version"), value) {
								t.Errorf("version %d: a proof does not verify (%v)", v, err)
								return
							}
						}
						reads.Add(1)
					}
				}()
			}
		}()
	}
	for v := 2; v <= 120; v++ {
		commit(v)
	}
	stop.Store(true)
	wg.Wait()
	if reads.Load() == 0 {
		t.Fatal("no reader read")
	}
	// A rewrite still running at the next interval skips that one, so a
	// loaded machine switches less often than every third version.
	if s.mem.generation < 2 {
		t.Fatalf("only %d snapshot switches in 120 versions at an interval of 3", s.mem.generation)
	}
	t.Logf("%d reads, %d of a version retired by a switch, %d switches", reads.Load(), gone.Load(), s.mem.generation)
}

// The memiavl engine says what it cannot do.
func TestMemiavlEngineRefusals(t *testing.T) {
	dir := t.TempDir()
	ia, err := OpenWith(dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ia.Set([]byte("a"), []byte("1"))
	ia.Commit()
	ia.Close()
	if _, err := OpenWith(dir, Options{Engine: "memiavl"}); err == nil {
		t.Fatal("an iavl home opened under the memiavl engine")
	}
	s := openMemEngine(t, t.TempDir(), "keep=2")
	defer s.Close()
	for v := 0; v < 4; v++ {
		s.Set([]byte("a"), []byte{byte(v)})
		s.Commit()
	}
	if _, err := s.Snapshot(2); err == nil {
		t.Fatal("version 2 of 4 opened with keep=2")
	}
	if _, err := s.Snapshot(3); err != nil {
		t.Fatalf("version 3 of 4 with keep=2: %v", err)
	}
	if err := s.SetRetention(5, func(Reader) []int64 { return nil }); err == nil {
		t.Fatal("a retention was accepted by the memiavl engine")
	}
	if _, err := ParseOptions("engine=rocks"); err == nil {
		t.Fatal("an unknown engine was accepted")
	}
}

// Large blocks start a snapshot rewrite by their writes, long before the
// version interval: a restart then replays a bounded log.
func TestMemiavlEngineRewritesByWrites(t *testing.T) {
	s := openMemEngine(t, t.TempDir(), "snapshots=100000,snapshotwrites=500")
	defer s.Close()
	for v := 1; v <= 200 && s.mem.generation == 0; v++ {
		for i := 0; i < 100; i++ {
			s.Set([]byte(fmt.Sprintf("k/%d/%d", v, i)), []byte("x"))
		}
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if s.mem.generation == 0 {
		t.Fatal("20,000 writes in 200 versions started no rewrite at 500 writes")
	}
	if snap := s.mem.db.SnapshotVersion(); snap == 0 {
		t.Fatalf("the engine switched, but to snapshot version %d", snap)
	}
}
