package auth

import (
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	now := time.Unix(1_800_000_000, 0)
	req := httptest.NewRequest("GET", "/v1/members/m1/balance?prove=1", nil)
	Sign(req, "pnyx-1", key, now)
	got, err := Verify(req, "pnyx-1", now.Add(MaxSkew))
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
	if _, err := Verify(req, "pnyx-1", now.Add(MaxSkew+time.Second)); err == nil {
		t.Error("accepted a stale request")
	}
	if _, err := Verify(httptest.NewRequest("GET", "/", nil), "pnyx-1", now); !errors.Is(err, ErrMissing) {
		t.Errorf("unsigned: %v", err)
	}
}

// Replays accepts each signature once while it is in its window, forgets it
// after, and refuses new ones rather than forget live ones when full.
func TestReplaysAcceptOnce(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	now := time.Unix(1_800_000_000, 0)
	signed := func(path string, at time.Time) *http.Request {
		req := httptest.NewRequest("GET", path, nil)
		Sign(req, "pnyx-1", key, at)
		return req
	}
	r := NewReplays(2)
	a := signed("/v1/members/m1", now)
	if _, err := r.Verify(a, "pnyx-1", now); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Verify(a, "pnyx-1", now.Add(MaxSkew)); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replay: %v", err)
	}
	// The same request a second later is a new signature.
	if _, err := r.Verify(signed("/v1/members/m1", now.Add(time.Second)), "pnyx-1", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// Full of live signatures: refused, not forgotten.
	if _, err := r.Verify(signed("/v1/members/m2", now), "pnyx-1", now.Add(time.Second)); !errors.Is(err, ErrBusy) {
		t.Fatalf("full: %v", err)
	}
	// Once out of the window the old ones are dropped, and room is made.
	later := now.Add(2*MaxSkew + 2*time.Second)
	if _, err := r.Verify(signed("/v1/members/m2", later), "pnyx-1", later); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if len(r.seen) != 1 || len(r.queue) != 1 {
		t.Fatalf("kept %d signatures (%d queued), want 1", len(r.seen), len(r.queue))
	}
	// An invalid request is not remembered and says why.
	if _, err := r.Verify(httptest.NewRequest("GET", "/", nil), "pnyx-1", later); !errors.Is(err, ErrMissing) {
		t.Fatalf("unsigned: %v", err)
	}
}
