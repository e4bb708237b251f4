package blobsync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/tx"
)

func hashOf(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// peer serves content for every blob GET and counts requests.
func peer(t *testing.T, content []byte, hits *atomic.Int32) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(content)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A peer serving wrong bytes is refused, nothing of it is stored, and the
// blob comes from the next peer.
func TestFetchRefusesWrongBytesAndAsksTheNextPeer(t *testing.T) {
	doc := []byte(strings.Repeat("회의록\n", 1000))
	hash := hashOf(doc)
	var badHits, goodHits atomic.Int32
	st := Store{Dir: t.TempDir()}
	f := &Fetcher{Store: st, Peers: []string{peer(t, []byte("forged minutes"), &badHits), peer(t, doc, &goodHits)}}
	if err := f.Fetch(context.Background(), hash); err != nil {
		t.Fatal(err)
	}
	if badHits.Load() != 1 || goodHits.Load() != 1 {
		t.Fatalf("asked the forging peer %d times, the honest one %d", badHits.Load(), goodHits.Load())
	}
	if got, err := os.ReadFile(filepath.Join(st.Dir, hash)); err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("stored %d bytes, %v", len(got), err)
	}
	if entries, _ := os.ReadDir(st.Dir); len(entries) != 1 {
		t.Fatalf("store holds %d files, want only the blob", len(entries))
	}

	// Only forgers: an error naming each, nothing stored.
	other := []byte("other minutes")
	f = &Fetcher{Store: st, Peers: []string{peer(t, []byte("x"), &badHits), peer(t, []byte("y"), &badHits)}}
	err := f.Fetch(context.Background(), hashOf(other))
	if err == nil || strings.Count(err.Error(), "hashes to") != 2 {
		t.Fatalf("forgers only: %v", err)
	}
	if st.Has(hashOf(other)) {
		t.Fatal("a forged blob was stored")
	}
}

// A peer that sends more than MaxBytes is cut off and refused.
func TestFetchBoundsTheSize(t *testing.T) {
	huge := bytes.Repeat([]byte{'a'}, MaxBytes+1)
	var hits atomic.Int32
	st := Store{Dir: t.TempDir()}
	f := &Fetcher{Store: st, Peers: []string{peer(t, huge, &hits)}}
	if err := f.Fetch(context.Background(), hashOf(huge)); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("over-size blob: %v", err)
	}
	if st.Has(hashOf(huge)) {
		t.Fatal("over-size blob stored")
	}
}

// blocks is a fixed chain for a Syncer.
type blocks []node.CommittedBlock

func (bs blocks) Follow(ctx context.Context, from int64, fn func(node.CommittedBlock) error) error {
	for _, b := range bs {
		if b.Height >= from {
			if err := fn(b); err != nil {
				return err
			}
		}
	}
	<-ctx.Done()
	return ctx.Err()
}

func minutesTx(t *testing.T, body assembly.MinutesBody) []byte {
	e := &tx.Envelope{ChainID: "c", Type: assembly.TypeMinutes, Signer: make([]byte, 32), Signature: make([]byte, 64)}
	if err := e.SetBody(body); err != nil {
		t.Fatal(err)
	}
	return e.Encode()
}

// Refs takes the blob hashes of successful minutes transactions only: not
// inline minutes, not failed transactions.
func TestRefs(t *testing.T) {
	doc, failed := []byte("minutes"), []byte("failed minutes")
	b := node.CommittedBlock{Height: 1,
		Txs: [][]byte{
			minutesTx(t, assembly.MinutesBody{Meeting: "m.1", Hash: hashOf(doc), Size: len(doc)}),
			minutesTx(t, assembly.MinutesBody{Meeting: "m.2", Hash: hashOf(doc), Size: len(doc), Content: string(doc)}),
			minutesTx(t, assembly.MinutesBody{Meeting: "m.3", Hash: hashOf(failed), Size: len(failed)}),
		},
		Results: []*abci.ExecTxResult{{}, {}, {Code: 7}}}
	if got := Refs(b); len(got) != 1 || got[0] != hashOf(doc) {
		t.Fatalf("refs %v", got)
	}
}

// A Syncer fetches what committed blocks reference, serves Fetch for
// referenced hashes only, and remembers its height across restarts.
func TestSyncerFetchesReferencedBlobs(t *testing.T) {
	doc := []byte(strings.Repeat("minutes ", 100))
	var hits atomic.Int32
	st := Store{Dir: t.TempDir()}
	f := &Fetcher{Store: st, Peers: []string{peer(t, doc, &hits)}}
	chain := blocks{{Height: 1}, {Height: 2, Txs: [][]byte{minutesTx(t, assembly.MinutesBody{Meeting: "m.1", Hash: hashOf(doc), Size: len(doc)})}, Results: []*abci.ExecTxResult{{}}}}
	statePath := filepath.Join(t.TempDir(), "blobsync.json")
	s := Start(chain, f, statePath)
	ctx := context.Background()
	for !st.Has(hashOf(doc)) {
		// The background fetch, or this one, stores it; either way only
		// once it is noted as referenced.
		s.Fetch(ctx, hashOf(doc))
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Fetch(ctx, hashOf([]byte("never referenced"))); err == nil || !strings.Contains(err.Error(), "references") {
		t.Fatalf("unreferenced hash: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if h, missing, _, _ := s.Status(); h != 2 || missing != 0 {
		t.Fatalf("height %d, %d missing", h, missing)
	}
	raw, _ := os.ReadFile(statePath)
	if !strings.Contains(string(raw), `"height":2`) {
		t.Fatalf("state %s", raw)
	}
}

// Readers of a referenced blob no peer has share the retry schedule: they
// get code unavailable, and the peers are not asked once per read.
func TestReadersCannotMakeTheNodeHammerPeers(t *testing.T) {
	old := RetryMin
	RetryMin = time.Hour
	defer func() { RetryMin = old }()
	doc := []byte("minutes nobody serves")
	var hits atomic.Int32
	f := &Fetcher{Store: Store{Dir: t.TempDir()}, Peers: []string{peer(t, []byte("wrong"), &hits)}}
	chain := blocks{{Height: 1, Txs: [][]byte{minutesTx(t, assembly.MinutesBody{Meeting: "m.1", Hash: hashOf(doc), Size: len(doc)})}, Results: []*abci.ExecTxResult{{}}}}
	s := Start(chain, f, filepath.Join(t.TempDir(), "blobsync.json"))
	defer s.Stop()
	for hits.Load() == 0 { // the background fetch's first try
		time.Sleep(10 * time.Millisecond)
	}
	for range 5 {
		if err := s.Fetch(context.Background(), hashOf(doc)); codes.Of(err) != codes.Unavailable {
			t.Fatalf("read of a blob no peer serves: %v", err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("peer asked %d times for one background try and 5 reads", n)
	}
	if _, missing, _, lastErr := s.Status(); missing != 1 || !strings.Contains(lastErr, "hashes to") {
		t.Fatalf("%d missing, last error %q", missing, lastErr)
	}
}
