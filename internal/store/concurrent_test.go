package store

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
)

// Snapshots read through their own tree while Commit writes, shared
// snapshots through the writer's: under -race this fails on any state
// shared without a lock, and every read must see exactly its version (each
// commit rewrites "ver" and 200 keys with its number).
func TestSnapshotReadsDuringCommits(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	write := func(v int) {
		s.Set([]byte("ver"), []byte(strconv.Itoa(v)))
		for i := 0; i < 200; i++ {
			s.Set([]byte(fmt.Sprintf("k/%03d/%d", i, v%3)), []byte(strconv.Itoa(v)))
		}
	}
	write(1)
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for r := 0; r < 4; r++ {
		open := s.Snapshot
		if r%2 == 1 {
			open = s.SharedSnapshot // CheckTx's: through the writer's node database
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				v := s.Version()
				sn, err := open(v)
				if err != nil {
					errs <- err
					return
				}
				if got := string(sn.Get([]byte("ver"))); got != strconv.Itoa(int(v)) {
					errs <- fmt.Errorf("snapshot %d reads ver=%s", v, got)
					return
				}
				n := 0
				sn.Iterate([]byte("k/"), func(k, val []byte) bool { n++; return true })
				if _, p, err := sn.Prove([]byte("ver")); err != nil || !VerifyProof(sn.Hash(), p, []byte("ver"), []byte(strconv.Itoa(int(v)))) {
					errs <- fmt.Errorf("snapshot %d: proof of ver does not verify (%v)", v, err)
					return
				}
			}
		}()
	}
	for v := 2; v <= 40; v++ {
		write(v)
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}
