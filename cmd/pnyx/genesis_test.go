package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/launch"
)

// TestGenesisFetchKeepsOnlyThePublishedGenesis: a member's machine gets
// the genesis its tools trust from any node, but keeps it only when its
// SHA-256 is the one HQ published; a file already in place is never
// replaced.
func TestGenesisFetchKeepsOnlyThePublishedGenesis(t *testing.T) {
	t.Parallel()
	home, r := startNode(t, "pnyx-genesis", launch.Quiet())
	published, err := os.ReadFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(published)
	member := t.TempDir()
	out := filepath.Join(member, "config", "genesis.json")
	fetch := func(hash string, extra ...string) (string, error) {
		return pnyx(t, append([]string{"--home", member, "--api", r.APIURL, "genesis", "fetch", "--sha256", hash}, extra...)...)
	}

	// Another hash (a lying node, another network, a typo): nothing kept.
	other := sha256.Sum256([]byte("another genesis"))
	if got, err := fetch(hex.EncodeToString(other[:])); err == nil || !strings.Contains(err.Error(), "nothing written") {
		t.Fatalf("fetch with another hash: %v\n%s", err, got)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a genesis was kept under a wrong hash: %v", err)
	}
	if got, err := fetch("12ab"); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Fatalf("fetch with a short hash: %v\n%s", err, got)
	}

	// The published hash: the node's file, byte for byte, under HOME/config.
	got, err := fetch(strings.ToUpper(hex.EncodeToString(sum[:])))
	if err != nil || !strings.Contains(got, "genesis.json written to "+out) || !strings.Contains(got, "chain pnyx-genesis, 1 validators") {
		t.Fatalf("fetch: %v\n%s", err, got)
	}
	if kept, _ := os.ReadFile(out); string(kept) != string(published) {
		t.Fatal("the kept genesis differs from the node's")
	}
	if got, err := fetch(hex.EncodeToString(sum[:])); err != nil || !strings.Contains(got, "already holds this genesis") {
		t.Fatalf("fetch again: %v\n%s", err, got)
	}

	// A different file in place is refused and left as it was.
	elsewhere := filepath.Join(t.TempDir(), "genesis.json")
	if err := os.WriteFile(elsewhere, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := fetch(hex.EncodeToString(sum[:]), "--out", elsewhere); err == nil || !strings.Contains(err.Error(), "holds another genesis") {
		t.Fatalf("fetch over another file: %v\n%s", err, got)
	}
	if kept, _ := os.ReadFile(elsewhere); string(kept) != "{}" {
		t.Fatal("fetch replaced a file that was in place")
	}
}
