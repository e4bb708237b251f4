package chain

import (
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/tx"
)

// TestPreverify: a signature verified by Preverify is not verified again,
// and Preverify refuses what CheckTx would refuse for encoding or signature
// without letting it through.
func TestPreverify(t *testing.T) {
	h := newHarness(t)
	raw := h.sign(h.admin, token.TypeBurn, token.BurnBody{Amount: 1})
	if err := h.app.Preverify(raw); err != nil {
		t.Fatalf("Preverify of a good tx: %v", err)
	}
	h.do(h.admin, token.TypeBurn, token.BurnBody{Amount: 1}) // the same bytes
	if hits := h.app.Stats().SigCacheHits; hits != 1 {
		t.Fatalf("cache hits = %d, want 1", hits)
	}

	env, _ := tx.Decode(h.sign(h.admin, token.TypeBurn, token.BurnBody{Amount: 1}))
	env.Nonce += 7 // no longer what was signed
	bad := env.Encode()
	if err := h.app.Preverify(bad); codes.Of(err) != codes.BadSignature {
		t.Fatalf("Preverify of a tampered tx: %v, want bad_signature", err)
	}
	h.reject(bad, codes.BadSignature)
	if err := h.app.Preverify([]byte{1, 2}); codes.Of(err) != codes.Malformed {
		t.Fatalf("Preverify of garbage: %v, want malformed", err)
	}
}
