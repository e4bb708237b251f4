package api

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/tx"
)

const testChain = "pnyx-api-test"

// stubNode is a Node for routes that read committed state only; any other
// call panics through the nil embedded interface.
type stubNode struct{ Node }

func (stubNode) MempoolSize() int { return 0 }

// testChainApp runs a chain.App without a node, one block per send, so API
// routes can be tested over real state.
type testChainApp struct {
	t      *testing.T
	app    *chain.App
	height int64
	now    time.Time
	nonces map[string]uint64
	admin  ed25519.PrivateKey
}

func testKey(name string) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, name)
	return ed25519.NewKeyFromSeed(seed)
}

func keyHex(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }

func memberID(k ed25519.PrivateKey) string { return members.DeriveID(keyHex(k)) }

func newTestChain(t *testing.T) *testChainApp {
	t.Helper()
	c := &testChainApp{t: t, app: chain.New(store.OpenMemory(), modules.New(), chain.Options{}), now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), nonces: map[string]uint64{}, admin: testKey("admin")}
	raw, _ := json.Marshal(modules.DefaultGenesis(keyHex(c.admin)))
	if _, err := c.app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChain, Time: c.now, InitialHeight: 1, AppStateBytes: raw}); err != nil {
		t.Fatal(err)
	}
	c.block()
	return c
}

func (c *testChainApp) block(txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	c.height++
	c.now = c.now.Add(5 * time.Second)
	resp, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: c.height, Time: c.now})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatal(err)
	}
	<-c.app.Persisted() // as the node does before announcing the block
	return resp.TxResults
}

// do commits one tx signed by k and fails the test unless it succeeds.
func (c *testChainApp) do(k ed25519.PrivateKey, typ string, body any) {
	c.t.Helper()
	env := &tx.Envelope{ChainID: testChain, Type: typ, Nonce: c.nonces[keyHex(k)]}
	if err := env.SetBody(body); err != nil {
		c.t.Fatal(err)
	}
	env.Sign(k)
	if res := c.block(env.Encode())[0]; res.Code != 0 {
		c.t.Fatalf("%s: code %d %s", typ, res.Code, res.Log)
	}
	c.nonces[keyHex(k)]++
}

// approve makes k a member at chapter hq.
func (c *testChainApp) approve(k ed25519.PrivateKey) {
	c.t.Helper()
	c.do(c.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: keyHex(k), Chapter: "hq", Class: members.General}}})
}

// serve sends req to srv and returns the status and body.
func serve(srv *Server, req *http.Request) (int, string) {
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}
