package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/store"
)

// A read whose version the memiavl engine retired while the request ran
// is answered 503 unavailable, to be asked again; any other panic goes on.
func TestARetiredVersionIsUnavailable(t *testing.T) {
	rec := httptest.NewRecorder()
	func() {
		defer versionGone(rec)
		panic(store.ErrVersionGone)
	}()
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"name":"unavailable"`) {
		t.Fatalf("answered %d %s", rec.Code, rec.Body.String())
	}
	other := func() (p any) {
		defer func() { p = recover() }()
		defer versionGone(httptest.NewRecorder())
		panic("something else")
	}()
	if other != "something else" {
		t.Fatalf("another panic came out as %v", other)
	}
}
