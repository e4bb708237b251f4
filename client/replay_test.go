package client_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/auth"
	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/wire"
)

// Two clients holding one key read the same record in the same second: the
// node accepts each signature once, so the second client's first signature
// is refused as a replay, and the client signs the next second and reads.
func TestTwoClientsOneKeySameReadBothSucceed(t *testing.T) {
	replays := auth.NewReplays(0)
	var refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/status" {
			json.NewEncoder(w).Encode(wire.Status{ChainID: "pnyx-test"})
			return
		}
		if _, err := replays.Verify(r, "pnyx-test", time.Now()); err != nil {
			if errors.Is(err, auth.ErrReplayed) {
				refused.Add(1)
			}
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(wire.ErrorBody{Error: wire.ErrorDetail{Code: codes.Forbidden, Name: codes.Forbidden.String(), Message: err.Error()}})
			return
		}
		json.NewEncoder(w).Encode(map[string]int{"points": 7})
	}))
	defer srv.Close()
	_, key, _ := ed25519.GenerateKey(nil)
	a, b := client.New(srv.URL), client.New(srv.URL)
	ctx := context.Background()
	for try := 0; try < 20 && refused.Load() == 0; try++ {
		for _, c := range []*client.Client{a, b} {
			var out struct{ Points int }
			if err := c.Get(ctx, "/v1/members/m1/balance", key, &out); err != nil || out.Points != 7 {
				t.Fatalf("read: %v %+v", err, out)
			}
		}
	}
	if refused.Load() == 0 {
		t.Fatal("the two clients never signed the same read in the same second")
	}
}
