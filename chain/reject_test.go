package chain

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/tx"
)

// TestEnvelopeRejections sends every kind of bad envelope and checks its
// stable code in CheckTx and FinalizeBlock, and that nothing changed.
func TestEnvelopeRejections(t *testing.T) {
	h := newHarness(t)
	good := func() *tx.Envelope {
		env := &tx.Envelope{ChainID: testChainID, Type: org.TypeCreateChapter, Nonce: h.nonces[pubHex(h.admin)]}
		env.SetBody(org.CreateChapterBody{ID: "seoul", Name: "서울특별시당", Parent: "hq"})
		env.Sign(h.admin)
		return env
	}
	resign := func(e *tx.Envelope) []byte { e.Sign(h.admin); return e.Encode() }

	cases := []struct {
		name string
		raw  func() []byte
		want codes.Code
	}{
		{"empty", func() []byte { return nil }, codes.Malformed},
		{"truncated", func() []byte { r := good().Encode(); return r[:len(r)-1] }, codes.Malformed},
		{"trailing byte", func() []byte { return append(good().Encode(), 0) }, codes.Malformed},
		{"unknown version", func() []byte { r := good().Encode(); r[0] = 2; return r }, codes.Malformed},
		{"non-canonical body (spaces)", func() []byte {
			e := good()
			e.Body = []byte(`{"id": "seoul","name":"서울특별시당","parent":"hq"}`)
			return resign(e)
		}, codes.Malformed},
		{"unknown body field", func() []byte {
			e := good()
			e.Body = []byte(`{"id":"seoul","name":"서울특별시당","parent":"hq","memo":"x"}`)
			return resign(e)
		}, codes.Malformed},
		{"bad signature", func() []byte { r := good().Encode(); r[len(r)-1] ^= 1; return r }, codes.BadSignature},
		{"signature by another key", func() []byte {
			e := good()
			other := key("mallory")
			sig := ed25519.Sign(other, e.SignBytes())
			e.Signature = sig
			return e.Encode()
		}, codes.BadSignature},
		{"wrong chain", func() []byte { e := good(); e.ChainID = "pnyx-other"; return resign(e) }, codes.WrongChain},
		{"out-of-order nonce", func() []byte { e := good(); e.Nonce += 5; return resign(e) }, codes.BadNonce},
		{"unknown type", func() []byte { e := good(); e.Type = "member/teleport"; return resign(e) }, codes.UnknownType},
		{"oversize", func() []byte {
			e := good()
			e.Body = []byte(`{"id":"seoul","name":"` + strings.Repeat("x", tx.MaxTxBytes) + `","parent":"hq"}`)
			return resign(e)
		}, codes.TooLarge},
		{"missing role", func() []byte {
			stranger := key("stranger")
			e := &tx.Envelope{ChainID: testChainID, Type: org.TypeCreateChapter}
			e.SetBody(org.CreateChapterBody{ID: "seoul", Name: "서울", Parent: "hq"})
			e.Sign(stranger)
			return e.Encode()
		}, codes.Unauthorized},
		{"invalid argument", func() []byte {
			e := good()
			e.SetBody(org.CreateChapterBody{ID: "Seoul City", Name: "서울", Parent: "hq"})
			return resign(e)
		}, codes.InvalidArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			h.reject(c.raw(), c.want)
		})
	}
	h.t = t

	// A replay: the same signed tx twice. The first executes, the second is refused.
	raw := good().Encode()
	if res := h.block(raw)[0]; res.Code != 0 {
		t.Fatalf("first send failed: %s", res.Log)
	}
	h.nonces[pubHex(h.admin)]++
	msg := h.reject(raw, codes.BadNonce)
	if !strings.Contains(msg, "replayed") {
		t.Errorf("replay message %q does not say replayed", msg)
	}
}

// TestMempoolNoncesChain: several txs of one signer can wait in the mempool
// together, each with the next nonce; a gap or a duplicate is refused.
func TestMempoolNoncesChain(t *testing.T) {
	h := newHarness(t)
	var txs [][]byte
	for i := 0; i < 3; i++ {
		raw := h.sign(h.admin, token.TypeBurn, token.BurnBody{Amount: 1})
		if ct := h.check(raw); ct.Code != 0 {
			t.Fatalf("tx %d: %s", i, ct.Log)
		}
		h.nonces[pubHex(h.admin)]++
		txs = append(txs, raw)
	}
	if ct := h.check(txs[1]); codes.Code(ct.Code) != codes.BadNonce {
		t.Fatalf("duplicate in mempool: code %d", ct.Code)
	}
	for i, res := range h.block(txs...) {
		if res.Code != 0 {
			t.Fatalf("block tx %d: %s", i, res.Log)
		}
	}
	if b := token.GetBalance(h.snap(), idOf(h.admin)); b != 97 {
		t.Fatalf("balance %d, want 97", b)
	}
}

// TestSignatureVerifiedOncePerNode: FinalizeBlock reuses CheckTx's
// verification, and a tx never checked is still verified.
func TestSignatureVerifiedOncePerNode(t *testing.T) {
	h := newHarness(t)
	h.do(h.admin, token.TypeBurn, token.BurnBody{Amount: 1})
	if hits := h.app.Stats().SigCacheHits; hits != 1 {
		t.Fatalf("cache hits after a checked tx = %d, want 1", hits)
	}
	raw := h.sign(h.admin, token.TypeBurn, token.BurnBody{Amount: 1})
	if res := h.block(raw)[0]; res.Code != 0 {
		t.Fatal(res.Log)
	}
	if hits := h.app.Stats().SigCacheHits; hits != 1 {
		t.Fatalf("an unchecked tx hit the cache")
	}
}

// TestEmptyBlockKeepsAppHash: a block without txs changes nothing, so the
// app hash stays and CometBFT can let an idle chain rest.
func TestEmptyBlockKeepsAppHash(t *testing.T) {
	h := newHarness(t)
	h.do(h.admin, token.TypeBurn, token.BurnBody{Amount: 1})
	before := h.app.store.LastCommitHash()
	h.block()
	h.block()
	if after := h.app.store.LastCommitHash(); !bytes.Equal(before, after) {
		t.Fatalf("empty blocks changed the app hash: %x -> %x", before, after)
	}
	// A block whose only tx fails changes nothing either but the marker.
	h.rejectDo(h.admin, token.TypeBurn, token.BurnBody{Amount: 1 << 40}, codes.InsufficientPoints)
}
