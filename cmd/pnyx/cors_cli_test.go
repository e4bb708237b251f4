package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `pnyx start --cors-origin` takes exact origins only, and refuses a
// wildcard or a URL with a path before it touches the home (the API's
// behaviour with a list is internal/api's TestCORSAllowList; the browser
// test web/e2e/kpi.test.mjs starts a node with the flag).
func TestStartRefusesABadCORSOrigin(t *testing.T) {
	for _, bad := range []string{"*", "https://members.example.org/portal", "members.example.org"} {
		home := filepath.Join(t.TempDir(), "home")
		out, err := pnyx(t, "start", "--home", home, "--cors-origin", bad)
		if err == nil || !strings.Contains(err.Error(), "CORS origin") {
			t.Fatalf("--cors-origin %q: %v\n%s", bad, err, out)
		}
		if _, err := os.Stat(home); !os.IsNotExist(err) {
			t.Fatalf("--cors-origin %q: the home was created before the flag was checked", bad)
		}
	}
}
