// Package blobsync makes every node hold every document that a committed
// transaction references by hash (issue 12, build 3): assembly minutes over
// 64 KiB travel as a SHA-256 on chain and as a blob uploaded to one node's
// API, so without this only that node could serve them.
//
// A Syncer follows the node's committed blocks (node-side, outside block
// execution), notes each blob hash a successful transaction references
// (Refs), and fetches the ones this node lacks from its peers' APIs
// (GET PEER/v1/blobs/HASH, `pnyx start --blob-peer URL`), trying the peers
// in order. A blob is stored only after its content hashes to its name, and
// at most MaxBytes are read from a peer, so a peer serving wrong or endless
// bytes is refused and the next peer asked:
//
//	st := blobsync.Store{Dir: filepath.Join(home, "data", "blobs")}
//	s := blobsync.Start(n, &blobsync.Fetcher{Store: st, Peers: peers}, filepath.Join(home, "data", "blobsync.json"))
//	defer s.Stop()
//
// The API asks Syncer.Fetch for a referenced blob it lacks when a client
// reads it, so a reader need not wait for the next retry. Hashes no
// committed transaction references are never fetched: a client cannot make
// the node fetch arbitrary documents.
package blobsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pnyx-party/pnyx/codes"
)

// MaxBytes bounds one blob, as the API's upload limit does (16 MiB).
const MaxBytes = 16 << 20

// DefaultTimeout bounds one fetch from one peer: 16 MiB at ~300 KB/s.
const DefaultTimeout = time.Minute

// Store is a folder of blobs, each in a file named by the hex SHA-256 of
// its content (the layout the API's PUT /v1/blobs writes).
type Store struct{ Dir string }

// ValidHash reports whether h is 64 lowercase hex digits.
func ValidHash(h string) bool {
	b, err := hex.DecodeString(h)
	return err == nil && len(b) == sha256.Size && hex.EncodeToString(b) == h
}

func (s Store) path(hash string) (string, error) {
	if !ValidHash(hash) {
		return "", codes.BadRequest.Errorf("blob hash must be 64 lowercase hex digits")
	}
	return filepath.Join(s.Dir, hash), nil
}

// Has reports whether the store holds hash.
func (s Store) Has(hash string) bool {
	p, err := s.path(hash)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// Put stores content under hash once it hashes to it; a mismatch stores
// nothing. The file appears whole or not at all (temporary file, rename).
func (s Store) Put(hash string, content []byte) error {
	p, err := s.path(hash)
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) != hash {
		return fmt.Errorf("content hashes to %x, not %s", sum, hash)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.Dir, ".fetch-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// Fetcher fetches blobs from peers' APIs into a Store.
type Fetcher struct {
	Store Store
	// Peers are API base URLs (http://10.0.0.5:26680), asked in order.
	Peers []string
	// Client defaults to one with DefaultTimeout per request.
	Client *http.Client
}

// ErrNoPeers is Fetch's error when no peer is configured.
var ErrNoPeers = errors.New("blobsync: no blob peers configured (pnyx start --blob-peer URL)")

// Fetch stores hash from the first peer that serves content hashing to it,
// within MaxBytes. It does nothing if the store holds hash already. Its
// error names every peer's failure.
func (f *Fetcher) Fetch(ctx context.Context, hash string) error {
	if !ValidHash(hash) {
		return fmt.Errorf("blobsync: %q is no blob hash", hash)
	}
	if f.Store.Has(hash) {
		return nil
	}
	if len(f.Peers) == 0 {
		return ErrNoPeers
	}
	var errs []string
	for _, peer := range f.Peers {
		err := f.fetchFrom(ctx, peer, hash)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Sprintf("%s: %v", peer, err))
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("blobsync: blob %s from no peer: %s", hash, strings.Join(errs, "; "))
}

func (f *Fetcher) fetchFrom(ctx context.Context, peer, hash string) error {
	c := f.Client
	if c == nil {
		c = &http.Client{Timeout: DefaultTimeout}
	}
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(peer, "/")+"/v1/blobs/"+hash, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > MaxBytes {
		return fmt.Errorf("%d bytes, over the %d-byte limit", resp.ContentLength, MaxBytes)
	}
	content, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return err
	}
	if len(content) > MaxBytes {
		return fmt.Errorf("over the %d-byte limit", MaxBytes)
	}
	// Put checks the content against its name: nothing unverified is
	// stored, so nothing unverified is ever served.
	return f.Store.Put(hash, content)
}
