package netdrill

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/privval"

	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/scenariotest"
	"github.com/pnyx-party/pnyx/modules/validator"
	"github.com/pnyx-party/pnyx/proof"
)

// TestValidatorDrill adds a fifth validator by transaction and removes it
// again, on namespaced hosts under load. The supreme council's decision and
// the addition run as testdata/add-validator.txt through a loopback proxy
// to v0's API; replica r0 then signs with the key the council named.
// Killing v1 proves r0 signs (v0, v2, v3 hold 30 of 50, less than 2/3; the
// chain goes on only with r0's 10). After the removal, killing r0 and v1
// proves it is gone (30 of 40 suffice). Then lost=0 and divergent_heights=0.
func TestValidatorDrill(t *testing.T) {
	skipUnlessDrills(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	c, err := NewCluster(ctx, t.TempDir(), Options{Validators: 4, Replica: true, Workers: 4, NodeArgv: TestNodeArgv})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v0, v1, r0 := c.Index("v0"), c.Index("v1"), c.Index("r0")
	target, _ := url.Parse(c.APIURL(v0))
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }, Transport: c.client.Transport})
	defer proxy.Close()

	load := c.StartLoad(ctx)
	t0 := time.Now()
	run := scenariotest.RunFile(t, "testdata/add-validator.txt", scenario.Target{URL: proxy.URL, Admin: c.Admin, Suffix: "-d"})
	if t.Failed() {
		load.Stop()
		t.FailNow()
	}
	key := run.Key("r0")
	// r0 runs with the key the council named (its own was never a
	// validator's, and it has signed nothing).
	if err := c.Kill(r0, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	cfgDir := filepath.Join(c.Homes[r0], "config")
	privval.NewFilePV(cmted25519.PrivKey(key), filepath.Join(cfgDir, "priv_validator_key.json"), filepath.Join(c.Homes[r0], "data", "priv_validator_state.json")).Save()
	if err := c.Start(r0); err != nil {
		t.Fatal(err)
	}
	all := c.all()
	if err := c.WaitHeight(ctx, all, c.MaxHeight(ctx, all)+3); err != nil {
		t.Fatal(err)
	}
	// An auditor holding only genesis.json checks a proof signed by the
	// new set: the proof's handoff leads there from genesis.
	genesis := filepath.Join(c.Homes[v0], "config", "genesis.json")
	checkProofAgainstGenesis(ctx, t, c, v0, genesis, 1)
	if err := c.Kill(v1, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	tk := time.Now()
	if err := c.progress(ctx, others(c, v1)); err != nil {
		load.Stop()
		t.Fatalf("without v1 the chain needs r0's signatures, and stopped: %v", err)
	}
	withR0 := time.Since(tk)
	if err := c.Start(v1); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitHeight(ctx, all, c.MaxHeight(ctx, all)+1); err != nil {
		t.Fatal(err)
	}
	pub := hex.EncodeToString(key.Public().(ed25519.PublicKey))
	if _, err := c.SendAs(ctx, v0, c.Admin, validator.TypeSet, validator.SetBody{PubKey: pub, Power: 0, Meeting: "vcouncil-d.1", Motion: 2}); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitHeight(ctx, all, c.MaxHeight(ctx, all)+3); err != nil {
		t.Fatal(err)
	}
	checkProofAgainstGenesis(ctx, t, c, v0, genesis, 2)
	for _, i := range []int{r0, v1} {
		if err := c.Kill(i, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.progress(ctx, others(c, r0, v1)); err != nil {
		load.Stop()
		t.Fatalf("r0 removed, v0, v2, v3 hold 30 of 40 and should go on: %v", err)
	}
	if err := c.Start(v1); err != nil {
		t.Fatal(err)
	}
	before := load.Acked()
	sleep(ctx, time.Second)
	load.WaitAcked(ctx, before+1, settleTimeout)
	afterRepair := load.Acked() - before
	acked := load.Stop()
	r, err := c.Check(ctx, acked)
	if err != nil {
		t.Fatal(err)
	}
	r.AfterRepair = afterRepair
	r.Drill, r.Recover, r.TxPerSec = "validator_add_remove", withR0, float64(len(acked))/time.Since(t0).Seconds()
	t.Log(r)
	if !r.OK() {
		t.Errorf("%s: want acknowledged>0 after_repair>0 lost=0 divergent_heights=0", r)
	}
}

// checkProofAgainstGenesis reads the root chapter with its proof from node
// i and verifies it offline against the validators genesis names, as
// `pnyx verify proof --genesis` does, expecting at least handoffs changes
// of the set between genesis and the proof's header.
func checkProofAgainstGenesis(ctx context.Context, t *testing.T, c *Cluster, i int, genesis string, handoffs int) {
	t.Helper()
	var rec struct {
		Proof json.RawMessage `json:"proof"`
	}
	if err := c.getJSON(ctx, i, "/v1/chapters/hq?prove=1", &rec); err != nil {
		t.Fatal(err)
	}
	p, err := proof.Unmarshal(rec.Proof)
	if err != nil {
		t.Fatal(err)
	}
	trusted, _, err := proof.TrustedFromGenesisFile(genesis)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(p, trusted); err != nil {
		t.Fatalf("proof at height %d with %d handoffs, against genesis: %v", p.Header.Height, len(p.Handoffs), err)
	}
	if len(p.Handoffs) < handoffs {
		t.Fatalf("proof at height %d carries %d handoffs, want %d", p.Header.Height, len(p.Handoffs), handoffs)
	}
}
