package portal_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/internal/portal"
)

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assetPath finds the hashed script the built index.html loads.
func assetPath(t *testing.T, index string) string {
	t.Helper()
	i := strings.Index(index, `src="/assets/`)
	if i < 0 {
		t.Fatalf("index.html loads no /assets/ script:\n%s", index)
	}
	rest := index[i+len(`src="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// Through the API's handler: pages come from the portal with strict headers,
// hashed assets are cached for a year, client routes fall back to the app,
// and the API's own paths are untouched.
func TestServedByTheAPI(t *testing.T) {
	h := api.New(nil, nil, api.Options{}).Handler()

	root := get(t, h, "GET", "/")
	index := body(t, root)
	if root.StatusCode != 200 || !strings.Contains(index, `<div id="app">`) {
		t.Fatalf("GET / = %d %q", root.StatusCode, index)
	}
	if csp := root.Header.Get("Content-Security-Policy"); csp != portal.CSP || !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	if cc := root.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Fatalf("index.html Cache-Control %q", cc)
	}
	if strings.Contains(index, "<script>") || strings.Contains(index, "<script type=\"module\">") {
		t.Fatal("index.html has an inline script")
	}
	if strings.Contains(index, "http://") || strings.Contains(index, "https://") {
		t.Fatal("index.html names another origin")
	}

	js := get(t, h, "GET", assetPath(t, index))
	if js.StatusCode != 200 || !strings.Contains(js.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("asset: %d %s", js.StatusCode, js.Header.Get("Content-Type"))
	}
	if cc := js.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Fatalf("asset Cache-Control %q", cc)
	}

	for _, route := range []string{"/join", "/me/card", "/index.html"} {
		r := get(t, h, "GET", route)
		if b := body(t, r); r.StatusCode != 200 || b != index {
			t.Errorf("client route %s: %d, not the app", route, r.StatusCode)
		}
	}
	for _, missing := range []string{"/assets/index-gone.js", "/robots.txt"} {
		if r := get(t, h, "GET", missing); r.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", missing, r.StatusCode)
		}
	}

	// The API keeps its own answers.
	nf := get(t, h, "GET", "/v1/no-such-route")
	if b := body(t, nf); nf.StatusCode != 404 || !strings.Contains(b, `"name":"not_found"`) {
		t.Fatalf("/v1/no-such-route: %d %s", nf.StatusCode, b)
	}
	if r := get(t, h, "POST", "/join"); r.StatusCode != 404 || r.Header.Get("Content-Security-Policy") != "" {
		t.Fatalf("POST /join reached the portal: %d", r.StatusCode)
	}
	oa := get(t, h, "GET", "/openapi.json")
	if b := body(t, oa); oa.StatusCode != 200 || !strings.Contains(b, `"openapi"`) {
		t.Fatalf("/openapi.json: %d", oa.StatusCode)
	}
	// /metrics needs a running app; the browser test checks it on a real node.
	if r := get(t, h, "HEAD", "/"); r.StatusCode != 200 {
		t.Fatalf("HEAD /: %d", r.StatusCode)
	}
}

// Every built file under assets/ carries a content hash in its name, so the
// long cache can never serve a stale file, and every script is loaded by
// index.html or by another script (a lazily loaded chunk).
func TestAssetsAreHashed(t *testing.T) {
	h := portal.Handler()
	index := body(t, get(t, h, "GET", "/"))
	var scripts []string
	text := map[string]string{}
	err := fs.WalkDir(portal.Files(), "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !strings.ContainsRune(p, '-') {
			t.Errorf("asset %s has no content hash in its name", p)
		}
		if strings.HasSuffix(p, ".js") {
			scripts = append(scripts, p)
			b, _ := fs.ReadFile(portal.Files(), p)
			text[p] = string(b)
		}
		return nil
	})
	if err != nil || len(scripts) == 0 {
		t.Fatalf("assets: %v (%d scripts)", err, len(scripts))
	}
	for _, p := range scripts {
		name := p[len("assets/"):]
		loaded := strings.Contains(index, name)
		for other, b := range text {
			loaded = loaded || (other != p && strings.Contains(b, name))
		}
		if !loaded {
			t.Errorf("script %s is loaded by nothing", p)
		}
	}
}
