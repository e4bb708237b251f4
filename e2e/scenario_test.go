package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"path"
	"path/filepath"
	"testing"

	"github.com/pnyx-party/pnyx"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/scenariotest"
)

// TestScenariosOnANode runs every module's scenario files — the ones their
// own tests run in-process and `pnyx demo` tells — through a real node and
// its HTTP API. The files share one node; each gets its own ID suffix, so
// none sees another's chapters.
func TestScenariosOnANode(t *testing.T) {
	tn := startNode(t)
	files, err := scenario.Files(pnyx.Scenarios, pnyx.DemoOrder)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(path.Base(path.Dir(path.Dir(f)))+"/"+path.Base(f), func(t *testing.T) {
			sfx := make([]byte, 3)
			rand.Read(sfx)
			scenariotest.RunFile(t, filepath.Join("..", f), scenario.Target{URL: tn.r.APIURL, Admin: tn.admin, Suffix: "-" + hex.EncodeToString(sfx), Proofs: true})
		})
	}
}
