package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/pnyx-party/pnyx/internal/bench"
)

// TestMemiavlHoldsPnyxsTree: memiavl, fed the writes internal/bench's
// TestStoreBench feeds pnyx's store (the options in its
// testdata/store-root.json), ends at the root that file keeps, so the two
// benches compare the same tree.
func TestMemiavlHoldsPnyxsTree(t *testing.T) {
	raw, err := os.ReadFile("../../internal/bench/testdata/store-root.json")
	if err != nil {
		t.Fatal(err)
	}
	var vector struct {
		Options bench.StoreOptions `json:"options"`
		Root    string             `json:"root"`
	}
	if err := json.Unmarshal(raw, &vector); err != nil || vector.Options.Members == 0 {
		t.Fatalf("store-root.json: %v", err)
	}
	r, err := build(t.TempDir(), vector.Options, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(r.Root); got != vector.Root {
		t.Fatalf("memiavl's root %s, pnyx's store's %s", got, vector.Root)
	}
}
