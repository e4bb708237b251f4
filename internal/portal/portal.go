// Package portal serves the member portal: the TypeScript app under web/,
// built by Vite into dist/ and embedded in the binary, so `pnyx start` shows
// it at / on the API's own origin with nothing else to install.
//
// The API mounts it for every GET or HEAD that no API route takes:
//
//	if portal.Serves(r) { portal.Handler().ServeHTTP(w, r) }
//
// Headers follow from what the portal is — the place where members' keys
// sign — so they are strict: a Content-Security-Policy that allows only this
// origin (no inline script, no third-party origin, no framing), no referrer,
// no MIME sniffing. Files under /assets/ carry a content hash in their name
// and are cached for a year as immutable; index.html is never cached, so a
// new release reaches members on their next visit. Any other path without a
// file extension is a client route and gets index.html.
//
// dist/ is committed: `make test` rebuilds web/ into a temporary folder and
// fails if the result differs from it (make portal-check).
package portal

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// CSP is the Content-Security-Policy of every portal response.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
	"frame-ancestors 'none'; worker-src 'self'"

var files, _ = fs.Sub(dist, "dist")

// Serves says whether r is a request for the portal rather than the API:
// a GET or HEAD outside /v1/, /openapi.json and /metrics.
func Serves(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	return !strings.HasPrefix(p, "/v1/") && p != "/v1" && p != "/openapi.json" && p != "/metrics"
}

// Handler serves the embedded portal.
func Handler() http.Handler {
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name != "" && name != "index.html" {
			if st, err := fs.Stat(files, name); err == nil && !st.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					h.Set("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					h.Set("Cache-Control", "no-cache")
				}
				fileServer.ServeHTTP(w, r)
				return
			}
			// A missing asset or file is a 404, not the app: a stale
			// hashed name must fail loudly rather than load HTML as script.
			if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" {
				h.Set("Cache-Control", "no-cache")
				http.NotFound(w, r)
				return
			}
		}
		serveIndex(w, r)
	})
}

func serveIndex(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(files, "index.html")
	if err != nil {
		http.Error(w, "portal not built: run make portal", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(b)
}

// Files returns the built portal (index.html, assets/…), for tests and tools.
func Files() fs.FS { return files }
