package bench

import (
	"bytes"
	"context"
	"encoding/hex"
	"flag"
	"io"
	"regexp"
	"testing"

	"github.com/pnyx-party/pnyx/internal/golden"
	"github.com/pnyx-party/pnyx/internal/store"
)

var update = flag.Bool("update", false, "rewrite testdata/store-root.txt")

// storeRootFile holds the root of 3,000 members' RegistryWrites, 700 per
// version: tools/treebench's test wants the same root from memiavl.
const storeRootFile = "testdata/store-root.txt"

// TestStoreBenchBuildsTheRegistrysTree: bench store ends in its summary
// line, and the root it prints is the hash of a store holding exactly
// RegistryWrites' keys, committed in the same versions, so another tree
// implementation printing the same root holds the same tree. The root is
// kept in testdata for tools/treebench's test of the other tree.
func TestStoreBenchBuildsTheRegistrysTree(t *testing.T) {
	var out bytes.Buffer
	if err := Store(context.Background(), &out, io.Discard, StoreOptions{Members: 3000, PerBlock: 700}); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^members=3000 members_per_s=\d+ cpu_us_per_member_first=[0-9.]+ cpu_us_per_member_last=[0-9.]+ rss_mb=\d+ disk_mb=\d+ root=([0-9a-f]{64})\n$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("summary line: %q", out.String())
	}

	st := store.OpenMemory()
	var root []byte
	for from := 0; from < 3000; from += 700 {
		RegistryWrites(from, min(700, 3000-from), 700, st.Set)
		var err error
		if root, _, err = st.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	var keys int
	st.Iterate([]byte("mem/"), func(k, v []byte) bool { keys++; return true })
	if keys != 6000 {
		t.Errorf("%d keys under mem/, want two per member (6000)", keys)
	}
	if got, want := m[1], hex.EncodeToString(root); got != want {
		t.Errorf("bench root %s, the same writes give %s", got, want)
	}
	golden.Check(t, storeRootFile, []byte(m[1]+"\n"), *update,
		"RegistryWrites or the tree's hashing changed: run go test ./internal/bench -run TestStoreBench -update, then (cd tools/treebench && go test .)")
}
