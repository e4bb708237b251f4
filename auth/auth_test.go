package auth

import (
	"crypto/ed25519"
	"errors"
	"net/http/httptest"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	now := time.Unix(1_800_000_000, 0)
	req := httptest.NewRequest("GET", "/v1/members/m1/balance?prove=1", nil)
	Sign(req, "pnyx-1", key, now)
	got, err := Verify(req, "pnyx-1", now.Add(time.Minute))
	if err != nil || !got.Equal(key.Public()) {
		t.Fatalf("verify: %v", err)
	}
	// Another chain, another path, a stale time, no header: all refused.
	if _, err := Verify(req, "pnyx-2", now); err == nil {
		t.Error("accepted on another chain")
	}
	other := httptest.NewRequest("GET", "/v1/members/m2/balance?prove=1", nil)
	other.Header = req.Header.Clone()
	if _, err := Verify(other, "pnyx-1", now); err == nil {
		t.Error("accepted for another URI")
	}
	if _, err := Verify(req, "pnyx-1", now.Add(10*time.Minute)); err == nil {
		t.Error("accepted a stale request")
	}
	if _, err := Verify(httptest.NewRequest("GET", "/", nil), "pnyx-1", now); !errors.Is(err, ErrMissing) {
		t.Errorf("unsigned: %v", err)
	}
}
