package api

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

// qrBytes is what one QR code holds at low error correction (version 40,
// byte mode), the level the portal's card uses.
const qrBytes = 2953

// qrText is the length of the portal's QR text for p: a prefix of 13
// characters and base64url of the deflated JSON (web/src/pages/cardproof.tsx).
func qrText(t *testing.T, p *proof.StateProof) int {
	t.Helper()
	indented, err := proof.Marshal(p) // as the API serves it
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer // as the portal's JSON.stringify writes it again
	if err := json.Compact(&raw, indented); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(raw.Bytes())
	w.Close()
	return 13 + base64.RawURLEncoding.EncodedLen(b.Len())
}

// TestCompactProofCheckedWithItsAnchor: on a chain of 18 validators, the
// party's network, a record's whole proof is too long for the card's QR
// code; its entries alone (a compact proof) fit, and with the anchor any
// node serves for the header's height (signed header, validator set,
// handoffs) they verify as the whole proof does. An anchor of another
// height does not make them verify, and bad heights get stable codes.
func TestCompactProofCheckedWithItsAnchor(t *testing.T) {
	c := newTestChain(t)
	c.do(c.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "Seoul", Parent: "hq"})
	c.approve(testKey("bob"))
	latest := c.app.Store().Version()
	n := newHeaderNodeOf(t, c, 18)
	n.release(latest + 1)
	srv := New(c.app, n, Options{RequestTimeout: 5 * time.Second})

	_, whole := provenRecord(t, srv, n, "/v1/chapters/seoul")
	compact := proof.StateProof{Format: whole.Format, ChainID: whole.ChainID, StateVersion: whole.StateVersion, Entries: whole.Entries}
	wholeLen, compactLen := qrText(t, whole), qrText(t, &compact)
	t.Logf("QR text with 18 validators: whole proof %d characters, compact %d (a QR code holds %d)", wholeLen, compactLen, qrBytes)
	if wholeLen <= qrBytes || compactLen > qrBytes/2 {
		t.Fatalf("whole proof %d, compact %d characters: the compact form is not what makes a card's proof fit a QR code", wholeLen, compactLen)
	}

	get := func(path string) (*httptest.ResponseRecorder, *proof.StateProof) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			return rec, nil
		}
		p, err := proof.Unmarshal(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return rec, p
	}
	_, anchor := get(fmt.Sprintf("/v1/anchors/%d", whole.Header.Height))
	if anchor == nil {
		t.Fatal("no anchor for the proof's header")
	}
	if len(anchor.Entries) != 0 || anchor.StateVersion != whole.StateVersion || anchor.ChainID != whole.ChainID {
		t.Fatalf("anchor: %d entries, state %d of %s; want none, state %d of %s", len(anchor.Entries), anchor.StateVersion, anchor.ChainID, whole.StateVersion, whole.ChainID)
	}
	completed := *anchor
	completed.Entries = compact.Entries
	if err := proof.Verify(&completed, n.vals); err != nil {
		t.Fatalf("the compact proof with its anchor does not verify: %v", err)
	}

	// The anchor of the header before commits to another state.
	_, earlier := get(fmt.Sprintf("/v1/anchors/%d", whole.Header.Height-1))
	if earlier == nil {
		t.Fatal("no anchor for the header before")
	}
	wrong := *earlier
	wrong.Entries, wrong.StateVersion = compact.Entries, compact.StateVersion
	if err := proof.Verify(&wrong, n.vals); err == nil {
		t.Fatal("entries verified under the anchor of another height")
	}

	for path, want := range map[string]codes.Code{
		"/v1/anchors/abc": codes.BadRequest,
		"/v1/anchors/1":   codes.BadRequest,
		fmt.Sprintf("/v1/anchors/%d", latest+1+1_000): codes.NotFound,
	} {
		rec, _ := get(path)
		var e wire.ErrorBody
		if rec.Code == http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code != want {
			t.Errorf("GET %s: %d %s, want code %v", path, rec.Code, rec.Body, want)
		}
	}
}
