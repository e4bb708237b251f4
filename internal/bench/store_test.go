package bench

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/golden"
	"github.com/pnyx-party/pnyx/internal/store"
)

var update = flag.Bool("update", false, "rewrite testdata/store-root.json")

// storeVector is testdata/store-root.json: the writes (Options) and the
// root pnyx's store ends at; tools/treebench's test reads the same file
// and wants the same root from memiavl.
type storeVector struct {
	Options StoreOptions `json:"options"`
	Root    string       `json:"root"`
}

var storeRootOptions = StoreOptions{Members: 3000, PerBlock: 700, Facts: 2000, FactsPerBlock: 900}

const storeRootFile = "testdata/store-root.json"

// TestStoreBenchBuildsTheRegistrysTree: bench store ends in its summary
// line, and the root it prints is the hash of a store holding exactly
// RegistryWrites' and FactWrites' keys, committed in the same versions, so
// another tree implementation printing the same root holds the same tree.
// The root is kept in testdata for tools/treebench's test of the other
// tree.
func TestStoreBenchBuildsTheRegistrysTree(t *testing.T) {
	o := storeRootOptions
	var out bytes.Buffer
	if err := Store(context.Background(), &out, io.Discard, o); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^members=3000 members_per_s=\d+ cpu_us_per_member_first=[0-9.]+ cpu_us_per_member_last=[0-9.]+ facts=2000 facts_per_s=\d+ cpu_us_per_fact_first=[0-9.]+ cpu_us_per_fact_last=[0-9.]+ rss_mb=\d+ disk_mb=\d+ root=([0-9a-f]{64})\n$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("summary line: %q", out.String())
	}

	st := store.OpenMemory()
	commit := func() []byte {
		root, _, err := st.Commit()
		if err != nil {
			t.Fatal(err)
		}
		return root
	}
	var root []byte
	for from := 0; from < o.Members; from += o.PerBlock {
		RegistryWrites(from, min(o.PerBlock, o.Members-from), o.PerBlock, st.Set)
		root = commit()
	}
	subjects := map[string]bool{}
	for from := 0; from < o.Facts; from += o.FactsPerBlock {
		FactWrites(from, min(o.FactsPerBlock, o.Facts-from), o.Members, func(k, v []byte) {
			subjects[string(k)] = true
			st.Set(k, v)
		})
		root = commit()
	}
	count := func(prefix string) (n int) {
		st.Iterate([]byte(prefix), func(k, v []byte) bool { n++; return true })
		return n
	}
	if got := count("mem/"); got != 2*o.Members {
		t.Errorf("%d keys under mem/, want two per member (%d)", got, 2*o.Members)
	}
	if got := count("kpi/m/s/"); got != len(subjects) || got < o.Facts/2 {
		t.Errorf("%d tallies for %d subjects picked by %d facts", got, len(subjects), o.Facts)
	}
	if got, want := m[1], hex.EncodeToString(root); got != want {
		t.Errorf("bench root %s, the same writes give %s", got, want)
	}
	vector, err := json.MarshalIndent(storeVector{Options: o, Root: m[1]}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, storeRootFile, append(vector, '\n'), *update,
		"RegistryWrites, FactWrites or the tree's hashing changed: run go test ./internal/bench -run TestStoreBench -update, then (cd tools/treebench && go test .)")
}

// The store's memiavl engine builds the same tree from the same writes:
// pnyx bench store under PNYX_STORE=engine=memiavl reaches the vector's
// root, snapshot switches included.
func TestStoreBenchUnderMemiavlReachesTheSameRoot(t *testing.T) {
	raw, err := os.ReadFile(storeRootFile)
	if err != nil {
		t.Fatal(err)
	}
	var v storeVector
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	t.Setenv(store.OptionsEnv, "engine=memiavl,snapshots=2")
	var out bytes.Buffer
	if err := Store(context.Background(), &out, io.Discard, v.Options); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.TrimSpace(out.String()), "root="+v.Root) {
		t.Fatalf("under memiavl: %q, want root %s", out.String(), v.Root)
	}
}
