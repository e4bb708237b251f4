package store

import (
	"fmt"
	"testing"
)

// commitN commits n versions, each writing one key.
func commitN(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		s.Set([]byte(fmt.Sprintf("k/%d", s.Version()+1)), []byte("v"))
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStoreKeepsEveryVersionUnlessTheOperatorChoosesRetention: the
// default store is an archive; pruning only happens once asked for.
func TestStoreKeepsEveryVersionUnlessTheOperatorChoosesRetention(t *testing.T) {
	s := OpenMemory()
	commitN(t, s, 2*PruneEvery+1)
	if _, err := s.Snapshot(1); err != nil {
		t.Fatalf("a store without a chosen retention pruned version 1: %v", err)
	}
	if err := s.SetRetention(5, nil); err == nil {
		t.Fatal("a retention without pinned versions was accepted")
	}
	if err := s.SetRetention(-1, func(Reader) []int64 { return nil }); err == nil {
		t.Fatal("a negative retention was accepted")
	}
}

// TestRetentionNeverPrunesAPinnedVersion: with a retention of 5 versions,
// the pinned version 7 and everything after it stay readable; versions
// before it are pruned; once unpinned, it goes at the next pruning.
func TestRetentionNeverPrunesAPinnedVersion(t *testing.T) {
	s := OpenMemory()
	pins := []int64{7}
	if err := s.SetRetention(5, func(Reader) []int64 { return pins }); err != nil {
		t.Fatal(err)
	}
	commitN(t, s, 2*PruneEvery)
	if err := s.WaitSaved(); err != nil {
		t.Fatal(err)
	}
	for _, v := range []int64{7, 8, 100, 2*PruneEvery - 4} {
		if _, err := s.Snapshot(v); err != nil {
			t.Fatalf("version %d unreadable with 7 pinned: %v", v, err)
		}
	}
	if _, err := s.Snapshot(6); err == nil {
		t.Fatal("version 6 (unpinned, older than the retention) was not pruned")
	}
	pins = nil
	commitN(t, s, PruneEvery)
	// The pruning runs with the save of the version that triggers it.
	if err := s.WaitSaved(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Snapshot(7); err == nil {
		t.Fatal("version 7 stayed after its pin was released")
	}
	if _, err := s.Snapshot(3*PruneEvery - 4); err != nil {
		t.Fatalf("a recent version was pruned: %v", err)
	}
}
