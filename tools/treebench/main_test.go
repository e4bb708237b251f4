package main

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// TestMemiavlHoldsPnyxsTree: memiavl, fed the same writes in the same
// versions as pnyx's store in internal/bench's TestStoreBench, ends at the
// root that test keeps, so the two compare the same tree.
func TestMemiavlHoldsPnyxsTree(t *testing.T) {
	want, err := os.ReadFile("../../internal/bench/testdata/store-root.txt")
	if err != nil {
		t.Fatal(err)
	}
	r, err := build(t.TempDir(), 3000, 700, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(r.root); got != strings.TrimSpace(string(want)) {
		t.Fatalf("memiavl's root %s, pnyx's store's %s", got, want)
	}
}
