package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pnyx-party/pnyx/internal/node"
)

func corsRequest(t *testing.T, h http.Handler, method, path, origin string, preflight bool) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	if preflight {
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// By default no other origin may read the API; with an allow-list, exactly
// the listed origins may, on the API's routes only, and never with
// credentials.
func TestCORSAllowList(t *testing.T) {
	healthy := healthNode{h: node.HealthReport{Health: node.Healthy, Height: 7}}
	const friend, stranger = "https://members.example.org", "https://evil.example"

	none := New(nil, healthy, Options{}).Handler()
	if w := corsRequest(t, none, "GET", "/v1/health", friend, false); w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("default: GET from %s answered %d with Allow-Origin %q", friend, w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
	if w := corsRequest(t, none, "OPTIONS", "/v1/txs", friend, true); w.Header().Get("Access-Control-Allow-Origin") != "" || w.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("default: a preflight got CORS headers: %v", w.Header())
	}

	h := New(nil, healthy, Options{CORSOrigins: []string{friend}}).Handler()
	w := corsRequest(t, h, "GET", "/v1/health", friend, false)
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != friend || w.Header().Get("Access-Control-Allow-Credentials") != "" || w.Header().Get("Vary") != "Origin" {
		t.Errorf("allowed GET: %d %v", w.Code, w.Header())
	}
	w = corsRequest(t, h, "OPTIONS", "/v1/txs", friend, true)
	if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != friend ||
		w.Header().Get("Access-Control-Allow-Methods") != "GET, POST, PUT" || w.Header().Get("Access-Control-Allow-Headers") != "Authorization, Content-Type" {
		t.Errorf("allowed preflight: %d %v", w.Code, w.Header())
	}
	if w := corsRequest(t, h, "GET", "/v1/health", stranger, false); w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("unlisted origin got Allow-Origin %q", w.Header().Get("Access-Control-Allow-Origin"))
	}
	if w := corsRequest(t, h, "OPTIONS", "/v1/txs", stranger, true); w.Code != http.StatusForbidden || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("unlisted preflight: %d %v", w.Code, w.Header())
	}
	// The portal's own pages are not an API: no CORS there.
	if w := corsRequest(t, h, "GET", "/", friend, false); w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the portal page answered cross-origin")
	}
	// Same-origin requests (no Origin header) are untouched.
	if w := corsRequest(t, h, "GET", "/v1/health", "", false); w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("no Origin: %d %v", w.Code, w.Header())
	}
}

func TestCheckCORSOrigins(t *testing.T) {
	if err := CheckCORSOrigins([]string{"https://members.example.org", "http://127.0.0.1:5173"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"*", "https://*.example.org", "members.example.org", "https://members.example.org/", "https://members.example.org/x", "ftp://x.org", "https://u@x.org", ""} {
		if CheckCORSOrigins([]string{bad}) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
