package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx"
	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/scenariotest"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/proof"
)

// TestScenariosOnANode runs every module's scenario files — the ones their
// own tests run in-process and `pnyx demo` tells — through a real node and
// its HTTP API, proofs and certificates checked against the genesis
// validators. The files share one node; each gets its own ID suffix, so
// none sees another's chapters. The node logs at info level, and no
// member a file names may appear in the log: ballots and credential
// requests must not leave a trace that links them to a member. At the end
// the search index is rebuilt from the blocks and must answer as before.
func TestScenariosOnANode(t *testing.T) {
	// Waits for election and petition windows bound its time: it runs
	// alongside the four-validator network.
	t.Parallel()
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
	indexed := false // whether a petition file, which feeds the index, ran
	for _, f := range files {
		t.Run(path.Base(path.Dir(path.Dir(f)))+"/"+path.Base(f), func(t *testing.T) {
			indexed = indexed || strings.HasPrefix(f, "modules/petition/")
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
	if !indexed {
		return
	}

	// The search index the files built, rebuilt from the blocks by
	// `pnyx reindex` with the node stopped, answers exactly as the live one.
	queries := []struct {
		kind string
		q    client.Query
	}{
		{"all", client.Query{Text: "당원"}}, {"all", client.Query{Text: "청년"}}, {"comments", client.Query{Text: "policy"}},
		{"all", client.Query{Text: "청년 policy"}}, {"comments", client.Query{Stance: petition.For}},
		{"petitions", client.Query{State: petition.Expired}}, {"comments", client.Query{Text: "zzqspam"}},
		{"petitions", client.Query{State: petition.Answered}}, {"all", client.Query{Text: "budget"}},
	}
	ctx := ctxT(t)
	snapshot := func() string {
		var out []any
		for _, q := range queries {
			q.q.Limit = 100
			res, err := tn.c.Search(ctx, q.kind, q.q)
			if err != nil {
				t.Fatal(err)
			}
			res.Height = 0
			out = append(out, res)
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	before := snapshot()
	p0, c0, err := tn.r.Index.Counts()
	if err != nil || p0 == 0 || c0 == 0 {
		t.Fatalf("live index: %d petitions, %d comments (%v)", p0, c0, err)
	}
	tn.stop()
	x, err := launch.Reindex(tn.home, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, c, _ := x.Counts(); p != p0 || c != c0 {
		t.Fatalf("reindexed %d petitions, %d comments; the live index held %d, %d", p, c, p0, c0)
	}
	x.Close()
	tn.start()
	if after := snapshot(); after != before {
		t.Fatalf("rebuilt index answers differently:\nlive    %s\nrebuilt %s", before, after)
	}
}
