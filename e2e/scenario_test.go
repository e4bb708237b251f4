package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/scenariotest"
	"github.com/pnyx-party/pnyx/proof"
)

// TestScenariosOnANode runs every module's scenario files — the ones their
// own tests run in-process and `pnyx demo` tells — through a real node and
// its HTTP API, proofs and certificates checked against the genesis
// validators. The files share one node; each gets its own ID suffix, so
// none sees another's chapters. The node logs at info level, and no
// member a file names may appear in the log: ballots and credential
// requests must not leave a trace that links them to a member.
func TestScenariosOnANode(t *testing.T) {
	logs := &syncBuffer{}
	tn := startNodeLogged(t, logs)
	trusted, err := proof.TrustedFromGenesis(tn.r.Node.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	files, err := scenario.Files(pnyx.Scenarios, pnyx.DemoOrder)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(path.Base(path.Dir(path.Dir(f)))+"/"+path.Base(f), func(t *testing.T) {
			sfx := make([]byte, 3)
			rand.Read(sfx)
			r := scenariotest.RunFile(t, filepath.Join("..", f), scenario.Target{URL: tn.r.APIURL, Admin: tn.admin, Suffix: "-" + hex.EncodeToString(sfx), Proofs: true, Trusted: trusted})
			log := logs.String()
			for _, name := range r.Names() {
				if strings.Contains(log, r.ID(name)) || strings.Contains(log, hex.EncodeToString(r.Key(name).Public().(ed25519.PublicKey))) {
					t.Errorf("the node's log names %s", name)
				}
			}
		})
	}
	if logs.Len() == 0 {
		t.Fatal("no log captured")
	}
}
