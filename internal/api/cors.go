package api

// CORS for other front ends. The member portal is served on the API's own
// origin and needs none; a second front end on another origin (a chapter's
// own site, a kiosk app) may call the API only if the operator lists its
// origin (`pnyx start --cors-origin https://example.org`, repeatable). The
// default is no origin: browsers then refuse every cross-origin read.
//
// What an allowed origin gets: its Origin echoed in
// Access-Control-Allow-Origin (never "*"), the methods and headers the API
// uses (Authorization for signed reads, Content-Type for submissions), and
// no Access-Control-Allow-Credentials: the API uses no cookies, and a
// signed read proves its signer by its own signature. Only the API's
// routes (/v1/…, /openapi.json) answer cross-origin; the portal's pages do
// not.

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// CheckCORSOrigins validates an allow-list: each entry exactly
// scheme://host[:port], http or https, no path, no wildcard.
func CheckCORSOrigins(origins []string) error {
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Contains(u.Host, "*") ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Scheme+"://"+u.Host != o {
			return fmt.Errorf("CORS origin %q: want scheme://host[:port] exactly, such as https://members.example.org", o)
		}
	}
	return nil
}

// cors wraps h with the allow-list of Options.CORSOrigins; with none it
// returns h unchanged.
func (s *Server) cors(h http.Handler) http.Handler {
	if len(s.opts.CORSOrigins) == 0 {
		return h
	}
	allowed := map[string]bool{}
	for _, o := range s.opts.CORSOrigins {
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		api := strings.HasPrefix(r.URL.Path, "/v1/") || r.URL.Path == "/openapi.json"
		if origin == "" || !api {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		if !allowed[origin] {
			if r.Method == http.MethodOptions {
				// A refused preflight: no CORS headers, so the browser stops.
				w.WriteHeader(http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Expose-Headers", "X-Pnyx-Height, X-Pnyx-Sha256")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}
