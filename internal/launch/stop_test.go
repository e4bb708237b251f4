package launch_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// TestStopAnswersClientsWaitingForACommit: a node asked to stop while a
// client waits for its transaction to commit (a halted chain here; a
// partitioned validator in the fault drills) stops at once and cleanly —
// it does not sit out the API's shutdown grace and exit with an error —
// and the client is told the tx is not committed yet and to look it up
// later, not left with a dropped connection.
func TestStopAnswersClientsWaitingForACommit(t *testing.T) {
	home := initHome(t)
	r := startHalted(t, home, 2)

	key, err := keys.Load(home, launch.AdminKeyName)
	if err != nil {
		t.Fatal(err)
	}
	env := &tx.Envelope{ChainID: r.Node.ChainID(), Type: org.TypeCreateChapter}
	if err := env.SetBody(org.CreateChapterBody{ID: "seoul", Name: "서울특별시당", Parent: "hq"}); err != nil {
		t.Fatal(err)
	}
	env.Sign(key)
	type answer struct {
		status int
		res    wire.ErrorBody
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		body, _ := json.Marshal(map[string]any{"tx": env.Encode(), "wait": true})
		resp, err := http.Post(r.APIURL+"/v1/txs", "application/json", bytes.NewReader(body))
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var a answer
		a.status = resp.StatusCode
		a.err = json.NewDecoder(resp.Body).Decode(&a.res)
		got <- a
	}()
	// The tx is in the mempool once the node counts it; the handler waits.
	deadline := time.Now().Add(10 * time.Second)
	for r.Node.MempoolSize() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the tx never reached the mempool")
		}
		time.Sleep(10 * time.Millisecond)
	}

	t0 := time.Now()
	if err := r.Stop(); err != nil {
		t.Errorf("Stop with a client waiting for a commit: %v", err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("Stop took %v with a client waiting; the wait should end when the node stops", d)
	}
	select {
	case a := <-got:
		if a.err != nil {
			t.Fatalf("the waiting client got no answer: %v", a.err)
		}
		if a.status != http.StatusServiceUnavailable || a.res.Error.Code != codes.Unavailable {
			t.Errorf("the waiting client got %d %+v, want 503 with code %d (unavailable)", a.status, a.res, codes.Unavailable)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting client got no answer")
	}
}

// TestStopDoesNotWaitForConnectionsWithoutARequest: an HTTP client that
// dials a second connection while its first comes free keeps the spare
// one open and sends nothing on it, more often over a slow link (CI's
// delay_loss drill). The server's graceful shutdown counts a connection
// that has not sent a request as busy for its first 5 s, as long as the
// whole stop grace, so a node asked to stop beside one exited with
// "stop: context deadline exceeded". A stop with only such connections
// open is quick and clean.
func TestStopDoesNotWaitForConnectionsWithoutARequest(t *testing.T) {
	home := initHome(t)
	r := startHalted(t, home, 2)
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.APIURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(100 * time.Millisecond) // accepted, no request
	t0 := time.Now()
	if err := r.Stop(); err != nil {
		t.Errorf("Stop with an open connection that sent nothing: %v", err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("Stop took %v", d)
	}
}
