package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

func getBody(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func postBody(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func postRaw(t *testing.T, url string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, wire.RawTxType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestAPIDocumentsItselfAndFailsClearly: the OpenAPI document lists the
// routes, /metrics exports chain metrics, and every bad request gets a JSON
// error with a stable code.
func TestAPIDocumentsItselfAndFailsClearly(t *testing.T) {
	tn := startNode(t)
	base := tn.r.APIURL

	status, body := getBody(t, base+"/openapi.json")
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if status != 200 || json.Unmarshal(body, &doc) != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi: %d %s", status, body)
	}
	for _, p := range []string{"/v1/txs", "/v1/members/{id}/balance", "/v1/chapters/{id}", "/v1/token/supply",
		"/v1/search", "/v1/petitions", "/v1/petitions/{id}", "/v1/petitions/{id}/comments", "/v1/petitions/{id}/agreement", "/v1/comments/{id}"} {
		if doc.Paths[p] == nil {
			t.Errorf("openapi lacks %s", p)
		}
	}

	// A committed tx shows in the metrics.
	if _, err := tn.c.Signer(tn.admin).Send(ctxT(t), token.TypeBurn, token.BurnBody{Amount: 1}); err != nil {
		t.Fatal(err)
	}
	status, body = getBody(t, base+"/metrics")
	for _, m := range []string{"pnyx_block_height", "pnyx_txs_succeeded_total 1", "pnyx_api_requests_total"} {
		if status != 200 || !strings.Contains(string(body), m) {
			t.Errorf("metrics lack %q", m)
		}
	}
	// The block thread's time by phase: every block so far executed,
	// hashed and committed; it may not have waited for a save.
	for _, phase := range []string{"execute", "save_wait", "hash", "commit"} {
		m := regexp.MustCompile(`(?m)^pnyx_block_seconds_total\{phase="` + phase + `"\} (\S+)$`).FindSubmatch(body)
		if m == nil {
			t.Errorf("metrics lack the block's %s time", phase)
		} else if v, err := strconv.ParseFloat(string(m[1]), 64); err != nil || v < 0 || (v == 0 && phase != "save_wait") {
			t.Errorf("the blocks' %s time is %s", phase, m[1])
		}
	}

	expectError := func(status int, body []byte, wantStatus int, want codes.Code) {
		t.Helper()
		var e wire.ErrorBody
		if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != want || e.Error.Name != want.String() || e.Error.Message == "" || status != wantStatus {
			var tr wire.TxResult
			if json.Unmarshal(body, &tr) == nil && tr.Code == want && status == wantStatus && tr.Log != "" {
				return
			}
			t.Errorf("got HTTP %d %s, want HTTP %d with code %d (%s)", status, body, wantStatus, want, want)
		}
	}
	s, b := postBody(t, base+"/v1/txs", `{"tx": 12}`)
	expectError(s, b, 400, codes.BadRequest)
	s, b = postBody(t, base+"/v1/txs", `{"tx":"not base64!"}`)
	expectError(s, b, 400, codes.BadRequest)
	s, b = postBody(t, base+"/v1/txs", `{"tx":"`+base64.StdEncoding.EncodeToString([]byte{1, 2, 3})+`"}`)
	expectError(s, b, 400, codes.Malformed)
	big := base64.StdEncoding.EncodeToString(make([]byte, tx.MaxTxBytes+1))
	s, b = postBody(t, base+"/v1/txs", `{"tx":"`+big+`"}`)
	expectError(s, b, 400, codes.TooLarge)
	// The same submission as raw bytes, the form the client uses.
	s, b = postRaw(t, base+"/v1/txs", []byte{1, 2, 3})
	expectError(s, b, 400, codes.Malformed)
	s, b = postRaw(t, base+"/v1/txs", make([]byte, tx.MaxTxBytes+1))
	expectError(s, b, 400, codes.TooLarge)
	s, b = postRaw(t, base+"/v1/txs", make([]byte, 4*tx.MaxTxBytes))
	expectError(s, b, 400, codes.TooLarge)
	s, b = postRaw(t, base+"/v1/txs?wait=soon", []byte{1, 2, 3})
	expectError(s, b, 400, codes.BadRequest)
	s, b = getBody(t, base+"/v1/members/m0000000000000000000a/balance")
	expectError(s, b, 403, codes.Forbidden)
	s, b = getBody(t, base+"/v1/chapters/nowhere")
	expectError(s, b, 404, codes.NotFound)
	s, b = getBody(t, base+"/v1/nothing-here")
	expectError(s, b, 404, codes.NotFound)
	s, b = getBody(t, base+"/v1/txs/xyz")
	expectError(s, b, 400, codes.BadRequest)
}

// TestProofsOnAnIdleChain: after the last transactions the chain idles (the
// app hash stops changing, so CometBFT makes no more blocks for a while);
// a proven read must still be answered at once and verify.
func TestProofsOnAnIdleChain(t *testing.T) {
	tn := startNode(t)
	ctx := ctxT(t)
	res, err := tn.c.Signer(tn.admin).Send(ctx, token.TypeBurn, token.BurnBody{Amount: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The block after the tx carries its proof header; after it, nothing.
	if err := tn.r.WaitForBlocks(ctx, res.Height+1); err != nil {
		t.Fatal(err)
	}
	latest := tn.r.Node.LatestHeight()
	if _, err := tn.r.Node.SignedHeader(latest + 1); err == nil {
		t.Skip("the chain made another block; nothing idle to test")
	}
	var rec wire.Record
	if err := tn.c.Get(ctx, "/v1/token/supply?prove=1", nil, &rec); err != nil {
		t.Fatalf("proven read on an idle chain: %v", err)
	}
	p, err := proof.Unmarshal(rec.Proof)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(p, nil); err != nil {
		t.Fatal(err)
	}
	if v, _ := p.Value([]byte(rec.Key)); !bytes.Equal(v, rec.Record) {
		t.Fatal("proven value differs from the record served")
	}
}
