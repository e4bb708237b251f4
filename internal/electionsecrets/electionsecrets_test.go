package electionsecrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A trustee's seed is made once, stored 0600 in a 0700 folder of its own
// election and key, and read back the same.
func TestTrusteeSeedIsMadeOnceAndKeptPrivate(t *testing.T) {
	home := t.TempDir()
	s := For(home, "chair-1", "kim")
	a, err := s.TrusteeSeed()
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.TrusteeSeed()
	if err != nil || a != b {
		t.Fatalf("second read %x (%v), first %x", b, err, a)
	}
	if other, _ := For(home, "chair-1", "lee").TrusteeSeed(); other == a {
		t.Fatal("two keys share a seed")
	}
	fi, err := os.Stat(filepath.Join(home, "election", "chair-1", "kim", TrusteeSeedFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("seed file: %v %v", fi, err)
	}
	di, _ := os.Stat(filepath.Join(home, "election", "chair-1", "kim"))
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v", di.Mode().Perm())
	}
}

func TestBadFilesAreRefused(t *testing.T) {
	s := For(t.TempDir(), "e", "k")
	os.MkdirAll(s.Dir, 0o700)
	os.WriteFile(filepath.Join(s.Dir, TrusteeSeedFile), []byte("abcd\n"), 0o600)
	if _, err := s.TrusteeSeed(); err == nil || !strings.Contains(err.Error(), "not a 32-byte hex seed") {
		t.Fatalf("short seed: %v", err)
	}
	if _, err := (&Voter{Seed: "zz"}).Key(); err == nil {
		t.Fatal("a bad voter seed gave a key")
	}
}

// A voter's file does not exist before the request, is made with a seed,
// and keeps what is added to it.
func TestVoterRoundTrip(t *testing.T) {
	s := For(t.TempDir(), "e", "v1")
	if _, err := s.LoadVoter(); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadVoter before any request: %v", err)
	}
	v, err := s.NewOrLoadVoter()
	if err != nil || len(v.Seed) != 64 {
		t.Fatalf("%+v %v", v, err)
	}
	if _, err := v.Key(); err != nil {
		t.Fatal(err)
	}
	seq := uint64(7)
	v.Request, v.Tracking = &seq, []string{"ab"}
	if err := s.SaveVoter(v); err != nil {
		t.Fatal(err)
	}
	w, err := s.NewOrLoadVoter()
	if err != nil || w.Seed != v.Seed || w.Request == nil || *w.Request != 7 || len(w.Tracking) != 1 {
		t.Fatalf("read back %+v %v", w, err)
	}
}

// An issuer's RSA key is generated once and the same issuer comes back.
func TestIssuerKeyIsKept(t *testing.T) {
	s := For(t.TempDir(), "e", "i1")
	a, err := s.Issuer()
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Issuer()
	if err != nil {
		t.Fatal(err)
	}
	if a.PublicKey().N.Cmp(b.PublicKey().N) != 0 {
		t.Fatal("a second Issuer() made a new key")
	}
}

// A trustee's memory starts empty, is kept 0600 beside its seed and reads
// back what was saved.
func TestTrusteeMemoryRoundTrip(t *testing.T) {
	s := For(t.TempDir(), "chair-1", "kim")
	m, err := s.TrusteeMemory()
	if err != nil || m.Dealt != "" || len(m.Answered) != 0 {
		t.Fatalf("fresh memory %+v, %v", m, err)
	}
	m.Dealt, m.Answered = "abc", []int{2}
	if err := s.SaveTrusteeMemory(m); err != nil {
		t.Fatal(err)
	}
	back, err := s.TrusteeMemory()
	if err != nil || back.Dealt != "abc" || len(back.Answered) != 1 || back.Answered[0] != 2 {
		t.Fatalf("read back %+v, %v", back, err)
	}
	fi, err := os.Stat(filepath.Join(s.Dir, TrusteeMemoryFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("memory file: %v %v", fi, err)
	}
}
