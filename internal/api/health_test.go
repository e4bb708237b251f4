package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/wire"
)

// healthNode is a Node that only reports its health; every other call
// panics through the nil embedded interface, so a route that got past the
// health check would fail the test.
type healthNode struct {
	Node
	h node.HealthReport
}

func (n healthNode) Health() node.HealthReport { return n.h }
func (n healthNode) Status() (node.Status, error) {
	return node.Status{Height: n.h.Height, Health: n.h.Health, HealthReason: n.h.Reason}, nil
}
func (n healthNode) MempoolSize() int { return 0 }

func get(t *testing.T, h http.Handler, path string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), "GET", path, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// TestHealthAndReadsOfADivergedNode covers finding 6 of issue 12: a halted
// node answered /v1/status with 200 and served a corrupted balance after
// an app-hash mismatch. /v1/health says what the node knows, 200 only when
// healthy; a diverged node answers reads with 503 (code unavailable).
func TestHealthAndReadsOfADivergedNode(t *testing.T) {
	for _, tc := range []struct {
		health node.Health
		status int
	}{{node.Healthy, 200}, {node.CatchingUp, 503}, {node.Halted, 503}, {node.Diverged, 503}} {
		s := New(nil, healthNode{h: node.HealthReport{Health: tc.health, Reason: "because", Height: 7}}, Options{})
		code, body := get(t, s.Handler(), "/v1/health")
		var h wire.Health
		if err := json.Unmarshal(body, &h); err != nil || code != tc.status || h.Health != string(tc.health) || h.Height != 7 {
			t.Errorf("%s: /v1/health %d %s", tc.health, code, body)
		}
	}
	s := New(nil, healthNode{h: node.HealthReport{Health: node.Diverged, Reason: "app hash", Height: 7}}, Options{})
	for _, path := range []string{"/v1/chapters", "/v1/members/m1/balance", "/v1/token/supply", "/v1/txs/" + strings.Repeat("00", 32)} {
		code, body := get(t, s.Handler(), path)
		var e wire.ErrorBody
		if err := json.Unmarshal(body, &e); err != nil || code != http.StatusServiceUnavailable || e.Error.Name != "unavailable" {
			t.Errorf("GET %s on a diverged node: %d %s", path, code, body)
		}
	}
}
