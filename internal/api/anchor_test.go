package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

// headerNode signs headers over a testChainApp's states the way a CometBFT
// network makes them: header h carries the app hash of state h-1 and exists
// once block h is decided, which for the state's latest version v is true of
// header v and not yet of header v+1 — that one comes with the next block,
// which on a busy chain is seconds away. The test decides when it comes
// (release), and learns when the API asks for it (asked).
type headerNode struct {
	stubNode
	t     *testing.T
	c     *testChainApp
	vals  *types.ValidatorSet
	privs []types.PrivValidator

	mu       sync.Mutex
	released int64 // headers up to this height exist
	asked    chan int64
}

func newHeaderNode(t *testing.T, c *testChainApp) *headerNode {
	return newHeaderNodeOf(t, c, 1)
}

// newHeaderNodeOf is newHeaderNode with n validators signing every header.
func newHeaderNodeOf(t *testing.T, c *testChainApp, n int) *headerNode {
	vals, privs := types.RandValidatorSet(n, 10)
	return &headerNode{t: t, c: c, vals: vals, privs: privs, asked: make(chan int64, 64)}
}

// release makes headers up to h exist.
func (n *headerNode) release(h int64) {
	n.mu.Lock()
	n.released = h
	n.mu.Unlock()
}

func (n *headerNode) SignedHeader(h int64) (*types.SignedHeader, error) {
	n.mu.Lock()
	released := n.released
	n.mu.Unlock()
	if h > released {
		select {
		case n.asked <- h:
		default:
		}
		return nil, fmt.Errorf("%w: %d (stored ..%d)", node.ErrHeightNotAvailable, h, released)
	}
	prev, err := n.c.app.Store().Snapshot(h - 1)
	if err != nil {
		return nil, err
	}
	header := &types.Header{
		ChainID: testChain, Height: h, Time: time.Unix(1_800_000_000+h, 0).UTC(),
		ValidatorsHash: n.vals.Hash(), NextValidatorsHash: n.vals.Hash(), AppHash: prev.Hash(),
		ProposerAddress: n.vals.Validators[0].Address,
	}
	header.Version.Block = 11
	blockID := types.BlockID{Hash: header.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: make([]byte, 32)}}
	voteSet := types.NewVoteSet(testChain, h, 0, cmtproto.PrecommitType, n.vals)
	ext, err := types.MakeExtCommit(blockID, h, 0, voteSet, n.privs, header.Time, false)
	if err != nil {
		return nil, err
	}
	return &types.SignedHeader{Header: header, Commit: ext.ToCommit()}, nil
}

func (n *headerNode) Validators(int64) (*types.ValidatorSet, error) { return n.vals, nil }

// provenRecord reads path with ?prove=1 and checks the proof against the
// node's validators and the bytes served.
func provenRecord(t *testing.T, srv *Server, n *headerNode, path string) (wire.Record, *proof.StateProof) {
	t.Helper()
	r, p, err := readProven(srv, n, path)
	if err != nil {
		t.Fatal(err)
	}
	return r, p
}

func readProven(srv *Server, n *headerNode, path string) (wire.Record, *proof.StateProof, error) {
	var r wire.Record
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path+"?prove=1", nil))
	if rec.Code != http.StatusOK {
		return r, nil, fmt.Errorf("GET %s?prove=1: %d %s", path, rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		return r, nil, err
	}
	p, err := proof.Unmarshal(r.Proof)
	if err != nil {
		return r, nil, err
	}
	if err := proof.Verify(p, n.vals); err != nil {
		return r, nil, fmt.Errorf("GET %s: proof does not verify: %v", path, err)
	}
	if v, ok := p.Value([]byte(r.Key)); !ok || !bytes.Equal(v, r.Record) {
		return r, nil, fmt.Errorf("GET %s: the proof covers %q, not the record served %q", path, v, r.Record)
	}
	return r, p, nil
}

// TestProofOfUnchangedRecordNeedsNoNextBlock: a read with proof used to wait
// for the header after the latest state, which comes only with the next
// block — during a bulk import many seconds later (issue 17's read_p95_ms).
// A record the latest block did not change is proven at once against the
// header that already exists (the previous state's), and still verifies.
// Here the next block never comes: before the fix the read ran out of time
// (503); now it answers, proven at the previous version.
func TestProofOfUnchangedRecordNeedsNoNextBlock(t *testing.T) {
	c := newTestChain(t)
	c.do(c.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "Seoul", Parent: "hq"})
	c.approve(testKey("bob")) // a later block that leaves seoul alone
	latest := c.app.Store().Version()
	n := newHeaderNode(t, c)
	n.release(latest) // header latest+1 does not exist, and will not
	srv := New(c.app, n, Options{RequestTimeout: 3 * time.Second})

	rec, p := provenRecord(t, srv, n, "/v1/chapters/seoul")
	if p.StateVersion != latest-1 || p.Header.Height != latest {
		t.Fatalf("proven at state %d by header %d, want %d by %d", p.StateVersion, p.Header.Height, latest-1, latest)
	}
	snap, err := c.app.Store().Snapshot(latest)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snap.Get([]byte(rec.Key)), rec.Record) {
		t.Fatal("the record served is not the latest state's")
	}
}

// TestProofOfJustChangedRecordWaitsForItsHeader: a record the latest block
// changed is not served stale: the read waits for the header that commits
// to the new value, and answers with it once that header exists. Reads
// after it are never proven at an older state than one already served
// (a reader that checks proofs one after another, like package verified,
// refuses going back in time).
func TestProofOfJustChangedRecordWaitsForItsHeader(t *testing.T) {
	c := newTestChain(t)
	c.do(c.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "Seoul", Parent: "hq"})
	c.do(c.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "busan", Name: "Busan", Parent: "hq"})
	latest := c.app.Store().Version()
	n := newHeaderNode(t, c)
	n.release(latest)
	srv := New(c.app, n, Options{RequestTimeout: 30 * time.Second})

	type answer struct {
		rec wire.Record
		p   *proof.StateProof
		err error
	}
	done := make(chan answer, 1)
	go func() {
		r, p, err := readProven(srv, n, "/v1/chapters/busan")
		done <- answer{r, p, err}
	}()
	// The read must ask for the header of the next block and wait for it.
	for h := range n.asked {
		if h == latest+1 {
			break
		}
	}
	select {
	case a := <-done:
		t.Fatalf("answered before the header committing busan existed: %+v", a)
	default:
	}
	n.release(latest + 1)
	a := <-done
	if a.err != nil {
		t.Fatal(a.err)
	}
	if a.p.StateVersion != latest || a.rec.Height != latest {
		t.Fatalf("busan proven at %d (record at %d), want %d", a.p.StateVersion, a.rec.Height, latest)
	}
	// seoul is unchanged since latest-1, but header latest+1 exists now:
	// proven at latest, not behind busan.
	if _, p := provenRecord(t, srv, n, "/v1/chapters/seoul"); p.StateVersion != latest {
		t.Fatalf("seoul proven at %d after busan at %d", p.StateVersion, latest)
	}
}

// TestStoppingEndsAReadWaitingForItsHeader: a node asked to stop answers a
// read still waiting for the header of a block it will not make (a halted
// or partitioned validator) at once, as it answers a submission waiting
// for its commit: the HTTP server's graceful shutdown waits for every
// handler, and a read holding it for the wait's 10 s outlasted the 5 s
// grace, so the node exited with "stop: context deadline exceeded".
func TestStoppingEndsAReadWaitingForItsHeader(t *testing.T) {
	c := newTestChain(t)
	c.do(c.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "busan", Name: "Busan", Parent: "hq"})
	latest := c.app.Store().Version()
	n := newHeaderNode(t, c)
	n.release(latest) // the header committing busan never comes
	srv := New(c.app, n, Options{RequestTimeout: 30 * time.Second})

	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/chapters/busan?prove=1", nil))
		done <- rec
	}()
	for h := range n.asked {
		if h == latest+1 {
			break
		}
	}
	// What a shutdown that runs out of time names as running.
	if running := srv.InFlight(); len(running) != 1 || !strings.HasPrefix(running[0], "GET /v1/chapters/{id} for ") {
		t.Fatalf("in flight: %q", running)
	}
	srv.EndWaits()
	select {
	case rec := <-done:
		var body wire.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
		}
		if rec.Code != http.StatusServiceUnavailable || body.Error.Code != codes.Unavailable {
			t.Fatalf("got %d %s, want 503 with code %d (unavailable)", rec.Code, rec.Body, codes.Unavailable)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the read still waits for its header after the node began to stop")
	}
	if running := srv.InFlight(); len(running) != 0 {
		t.Fatalf("in flight after the answer: %q", running)
	}
}
