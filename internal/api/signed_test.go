package api

import (
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/auth"
	"github.com/pnyx-party/pnyx/modules/org"
)

// TestSignedReadsAreOnceAndLeakNoMembers covers finding 10 of issue 12:
// a captured signed read could be replayed for 5 minutes, and any key could
// tell which member IDs exist (403 against 404).
func TestSignedReadsAreOnceAndLeakNoMembers(t *testing.T) {
	c := newTestChain(t)
	alice, eve, reg, stranger := testKey("alice"), testKey("eve"), testKey("registrar"), testKey("stranger")
	for _, k := range []ed25519.PrivateKey{alice, eve, reg} {
		c.approve(k)
	}
	c.do(c.admin, org.TypeGrantRole, org.RoleBody{Member: memberID(reg), Role: org.Registrar, Chapter: "hq"})

	now := time.Unix(1_800_000_000, 0)
	srv := New(c.app, stubNode{}, Options{Now: func() time.Time { return now }})
	signed := func(path string, k ed25519.PrivateKey, at time.Time) *http.Request {
		req := httptest.NewRequest("GET", path, nil)
		auth.Sign(req, testChain, k, at)
		return req
	}
	alicePath := "/v1/members/" + memberID(alice)

	// The member and a scoped official read.
	for name, k := range map[string]ed25519.PrivateKey{"member": alice, "registrar": reg, "admin": c.admin} {
		if code, body := serve(srv, signed(alicePath, k, now)); code != http.StatusOK {
			t.Errorf("%s reading the member: HTTP %d %s", name, code, body)
		}
	}

	// A captured header is accepted once, never again within its window.
	req := signed(alicePath+"/balance", alice, now)
	replay := req.Clone(req.Context())
	if code, body := serve(srv, req); code != http.StatusOK {
		t.Fatalf("first use: HTTP %d %s", code, body)
	}
	now = now.Add(20 * time.Second)
	if code, body := serve(srv, replay); code != http.StatusForbidden || !strings.Contains(body, "used already") {
		t.Errorf("replayed header: HTTP %d %s", code, body)
	}

	// A time outside ±30 s is refused either way, before or after.
	for _, skew := range []time.Duration{-31 * time.Second, 31 * time.Second} {
		if code, body := serve(srv, signed(alicePath, alice, now.Add(skew))); code != http.StatusForbidden || !strings.Contains(body, "away from the server's clock") {
			t.Errorf("time %s off: HTTP %d %s", skew, code, body)
		}
	}
	if code, body := serve(srv, signed(alicePath, alice, now.Add(-29*time.Second))); code != http.StatusOK {
		t.Errorf("time 29 s old: HTTP %d %s", code, body)
	}

	// To a signer without scope, a member that exists and one that does not
	// answer byte for byte alike; a member and a non-member key alike.
	unknown := "/v1/members/" + memberID(testKey("nobody"))
	for name, k := range map[string]ed25519.PrivateKey{"member without scope": eve, "non-member key": stranger} {
		for _, suffix := range []string{"", "/balance", "/credential"} {
			code1, body1 := serve(srv, signed(alicePath+suffix, k, now))
			code2, body2 := serve(srv, signed(unknown+suffix, k, now))
			if code1 != http.StatusForbidden || code1 != code2 || body1 != body2 {
				t.Errorf("%s, %q: existing member HTTP %d %s; unknown HTTP %d %s", name, suffix, code1, body1, code2, body2)
			}
		}
	}
}
