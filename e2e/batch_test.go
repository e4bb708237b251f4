package e2e

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// TestBatchSubmission: POST /v1/txs/batch answers each tx on its own — the
// good ones wait in the mempool and commit, a tampered one is rejected with
// its code, and a malformed request as a whole is refused.
func TestBatchSubmission(t *testing.T) {
	tn := startNode(t)
	ctx := ctxT(t)
	admin := tn.c.Signer(tn.admin)
	var good [][]byte
	for range 3 { // one signer, consecutive nonces, all pending together
		raw, err := admin.Build(ctx, token.TypeBurn, token.BurnBody{Amount: 1})
		if err != nil {
			t.Fatal(err)
		}
		good = append(good, raw)
	}
	tampered, err := tx.Decode(good[2])
	if err != nil {
		t.Fatal(err)
	}
	tampered.Nonce = 99 // the signature no longer covers the tx
	bad := tampered.Encode()

	res, err := tn.c.SubmitBatch(ctx, [][]byte{good[0], good[1], bad, good[2]})
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range []int{0, 1, 3} {
		if r := res[k]; r.Code != codes.OK || r.Stage != "check" || r.Hash != hex.EncodeToString(tx.Hash(good[i])) {
			t.Errorf("result %d = %+v, want accepted", k, r)
		}
	}
	if r := res[2]; r.Code != codes.BadSignature || r.Stage != "check" || r.Log == "" {
		t.Errorf("tampered tx: %+v, want bad_signature at check", r)
	}
	for _, raw := range good {
		if _, err := tn.r.Node.WaitTx(ctx, tx.Hash(raw)); err != nil {
			t.Fatal(err)
		}
	}
	adminID := members.DeriveID(hex.EncodeToString(tn.admin.Public().(ed25519.PublicKey)))
	var rec wire.Record
	if err := tn.c.Get(ctx, "/v1/members/"+adminID+"/balance", tn.admin, &rec); err != nil {
		t.Fatal(err)
	}
	var bal members.Member // the balance route answers with the member record, which holds the points
	if err := json.Unmarshal(rec.Record, &bal); err != nil || bal.Points != 97 {
		t.Errorf("balance after 3 burns = %s, want 97 points", rec.Record)
	}

	// Resubmitting a committed tx answers with its outcome.
	res, err = tn.c.SubmitBatch(ctx, [][]byte{good[0]})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Stage != "commit" || res[0].Code != codes.OK || res[0].Height == 0 {
		t.Errorf("resubmitted committed tx: %+v", res[0])
	}

	base := tn.r.APIURL + "/v1/txs/batch"
	s, b := postBody(t, base, `{"txs": []}`)
	if e := decodeError(b); s != 400 || e.Code != codes.BadRequest {
		t.Errorf("empty batch: HTTP %d %s", s, b)
	}
	s, b = postBody(t, base, `{"txs": ["not base64!"]}`)
	var br wire.SubmitBatchResponse
	if err := json.Unmarshal(b, &br); s != 200 || err != nil || len(br.Results) != 1 || br.Results[0].Code != codes.BadRequest {
		t.Errorf("bad base64 in a batch: HTTP %d %s", s, b)
	}
	s, b = postBody(t, base, `{"txs": [`+strings.Repeat(`"AA==",`, wire.MaxBatchTxs)+`"AA=="]}`)
	if e := decodeError(b); s != 400 || e.Code != codes.BadRequest {
		t.Errorf("oversize batch: HTTP %d %s", s, b)
	}
}

func decodeError(b []byte) wire.ErrorDetail {
	var e wire.ErrorBody
	json.Unmarshal(b, &e)
	return e.Error
}
