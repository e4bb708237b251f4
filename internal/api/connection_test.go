package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/auth"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// admittingNode accepts every submission into its (absent) mempool.
type admittingNode struct{ stubNode }

func (admittingNode) BroadcastTxSync(context.Context, []byte) (*abci.ResponseCheckTx, error) {
	return &abci.ResponseCheckTx{}, nil
}

// A request that names a member — a signed read, or a transaction signed by
// a member's key — is the last on its connection: the server closes it, so
// an anonymous ballot sent later from the same browser or client can never
// ride a connection the node has already tied to a member (issue 11 finding
// 3, issue 14 item 6). Anonymous submissions and public reads keep their
// connection.
func TestNamingRequestsCloseTheirConnection(t *testing.T) {
	c := newTestChain(t)
	alice := testKey("alice")
	c.approve(alice)
	srv := New(c.app, admittingNode{}, Options{})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	client := ts.Client()

	// reused sends req and reports whether it went on an earlier connection.
	reused := func(name string, req *http.Request) bool {
		t.Helper()
		var got httptrace.GotConnInfo
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { got = i }}))
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode >= 300 {
			t.Fatalf("%s: HTTP %d %s", name, res.StatusCode, b.String())
		}
		return got.Reused
	}
	get := func(path string) *http.Request {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		return req
	}
	signedGet := func(path string) *http.Request {
		req := get(path)
		auth.Sign(req, testChain, alice, time.Now())
		return req
	}
	post := func(raw []byte) *http.Request {
		req, _ := http.NewRequest("POST", ts.URL+"/v1/txs", bytes.NewReader(raw))
		req.Header.Set("Content-Type", wire.RawTxType)
		return req
	}
	signedTx := func() []byte {
		env := &tx.Envelope{ChainID: testChain, Type: "petition/agree", Nonce: 0}
		env.SetBody(map[string]string{"petition": "p1"})
		env.Sign(alice)
		return env.Encode()
	}
	anonymousTx := func() []byte {
		env := &tx.Envelope{ChainID: testChain, Type: "election/ballot", Signer: make(ed25519.PublicKey, ed25519.PublicKeySize), Signature: make([]byte, ed25519.SignatureSize)}
		env.SetBody(map[string]string{"election": "e1"})
		return env.Encode()
	}

	reused("public read", get("/v1/chapters"))
	if !reused("second public read", get("/v1/chapters")) {
		t.Fatal("public reads do not keep their connection; the test cannot tell closing apart")
	}
	reused("signed read", signedGet("/v1/members/"+memberID(alice)))
	if reused("public read after a signed read", get("/v1/chapters")) {
		t.Error("the connection that carried a signed read was used again")
	}
	reused("member-signed tx", post(signedTx()))
	if reused("anonymous tx after a member-signed tx", post(anonymousTx())) {
		t.Error("an anonymous submission rode the connection of a member-signed one")
	}
	if !reused("public read after an anonymous tx", get("/v1/chapters")) {
		t.Error("an anonymous submission closed its connection; only naming requests should")
	}
}
