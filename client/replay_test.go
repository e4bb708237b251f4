package client_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
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

// replayingNode answers signed requests as the API does: each signature is
// accepted once, and a repeated one is refused as a replay (counted in
// refused). A signed PUT must carry its whole body.
func replayingNode(t *testing.T, body []byte) (url string, refused *atomic.Int64) {
	replays := auth.NewReplays(0)
	refused = new(atomic.Int64)
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
		if r.Method == "PUT" {
			if got, _ := io.ReadAll(r.Body); string(got) != string(body) {
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(wire.ErrorBody{Error: wire.ErrorDetail{Code: codes.InvalidArgument, Name: codes.InvalidArgument.String(), Message: "body " + string(got)}})
				return
			}
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(map[string]string{"hash": r.URL.Path})
			return
		}
		json.NewEncoder(w).Encode(map[string]int{"points": 7})
	}))
	t.Cleanup(srv.Close)
	return srv.URL, refused
}

// Two clients holding one key read the same record in the same second: the
// node accepts each signature once, so the second client's first signature
// is refused as a replay, and the client signs the next second and reads.
func TestTwoClientsOneKeySameReadBothSucceed(t *testing.T) {
	url, refused := replayingNode(t, nil)
	_, key, _ := ed25519.GenerateKey(nil)
	a, b := client.New(url), client.New(url)
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

// A secretary uploads the same minutes from two processes (or retries from
// a fresh one after an answer was lost) within one second: the upload is
// signed like a read, so the second signature repeats the first. The client
// signs again the next second and sends the whole document again.
func TestTwoClientsOneKeySameUploadBothSucceed(t *testing.T) {
	minutes := []byte("minutes of the 3rd assembly")
	url, refused := replayingNode(t, minutes)
	_, key, _ := ed25519.GenerateKey(nil)
	a, b := client.New(url), client.New(url)
	ctx := context.Background()
	for try := 0; try < 20 && refused.Load() == 0; try++ {
		for _, c := range []*client.Client{a, b} {
			if _, err := c.PutBlob(ctx, minutes, key); err != nil {
				t.Fatalf("upload: %v", err)
			}
		}
	}
	if refused.Load() == 0 {
		t.Fatal("the two clients never signed the same upload in the same second")
	}
}
