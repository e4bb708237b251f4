package launch_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
)

// TestConsensusMetricsOnlyWhenAsked: without MetricsAddr nothing listens
// for metrics; with it, CometBFT's consensus metrics (height, rounds,
// missing validators, this validator's last signed height, mempool) are
// served there with pnyx's own (index lag, API latency by route, blobs
// missing); and a metrics address already taken fails the start
// naming it.
func TestConsensusMetricsOnlyWhenAsked(t *testing.T) {
	home := initHome(t)
	addr := fmt.Sprintf("127.0.0.1:%d", nodetest.FreePorts(t, 1)[0])

	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy()})
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, r, 2, 30*time.Second)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("something listens on %s without MetricsAddr", addr)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}

	r, err = launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", MetricsAddr: addr, Node: quietBusy()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	waitHeight(t, r, r.Node.LatestHeight()+2, 30*time.Second)
	// One API request, so the latency histogram has a route.
	if res, err := http.Get(r.APIURL + "/v1/status"); err == nil {
		res.Body.Close()
	}
	var body string
	for range 50 { // the listener starts with the node, just after Start
		res, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			body = string(b)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// (Peers and missed blocks appear once there is a peer or a miss; a
	// single validator has neither.)
	for _, m := range []string{"cometbft_consensus_height ", "cometbft_consensus_rounds", "cometbft_consensus_missing_validators",
		"cometbft_consensus_validator_last_signed_height", "cometbft_mempool_size",
		// pnyx's own, on the same listener (issue 12, build 4).
		"pnyx_block_height ", "pnyx_index_lag_blocks ", `pnyx_api_request_seconds_bucket{route="GET /v1/status"`, "pnyx_blobs_missing "} {
		if !strings.Contains(body, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}

	// The API's own /metrics, on the public API port, carries pnyx's
	// metrics but none of CometBFT's (its per-peer metrics name node IDs).
	res, err := http.Get(r.APIURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	apiBody, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(apiBody), "pnyx_index_lag_blocks ") || strings.Contains(string(apiBody), "cometbft_") {
		t.Errorf("API /metrics: pnyx's index lag %v, CometBFT's metrics %v", strings.Contains(string(apiBody), "pnyx_index_lag_blocks "), strings.Contains(string(apiBody), "cometbft_"))
	}

	// The same address again, while it is taken: the start names it.
	other := initHome(t)
	_, err = launch.Start(other, launch.Options{APIAddr: "127.0.0.1:0", MetricsAddr: addr, Node: quietBusy()})
	if err == nil || !strings.Contains(err.Error(), "metrics listen "+addr) {
		t.Fatalf("start with a taken metrics address: %v", err)
	}
}
