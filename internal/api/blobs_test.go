package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/auth"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/wire"
)

// TestBlobUploadNeedsASecretaryAndABudget covers finding 4 of issue 12: blob
// upload needed no authentication and had no quota (320 MiB in 2.8 s).
func TestBlobUploadNeedsASecretaryAndABudget(t *testing.T) {
	c := newTestChain(t)
	sec, member := testKey("secretary"), testKey("member")
	c.approve(sec)
	c.approve(member)
	c.do(c.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "서울", Parent: "hq"})
	c.do(c.admin, org.TypeGrantRole, org.RoleBody{Member: memberID(sec), Role: org.Secretary, Chapter: "seoul"})

	now := time.Unix(1_800_000_000, 0)
	srv := New(c.app, stubNode{}, Options{Now: func() time.Time { return now }, BlobDir: t.TempDir(), BlobBytesPerHour: 100_000, BlobUploadsPerHour: 3})
	doc := func(n int, fill string) ([]byte, string) {
		b := []byte(strings.Repeat(fill, n))
		sum := sha256.Sum256(b)
		return b, hex.EncodeToString(sum[:])
	}
	put := func(body []byte, hash string, k ed25519.PrivateKey) (int, codes.Code, string) {
		req := httptest.NewRequest("PUT", "/v1/blobs/"+hash, bytes.NewReader(body))
		if k != nil {
			auth.Sign(req, testChain, k, now)
			now = now.Add(time.Second) // each signature is accepted once
		}
		status, out := serve(srv, req)
		var e wire.ErrorBody
		json.Unmarshal([]byte(out), &e)
		return status, e.Error.Code, out
	}
	small, smallHash := doc(70_000, "a")

	if status, code, out := put(small, smallHash, nil); status != http.StatusForbidden || code != codes.Forbidden {
		t.Errorf("unsigned upload: HTTP %d %s", status, out)
	}
	for name, k := range map[string]ed25519.PrivateKey{"member without the role": member, "non-member key": testKey("stranger")} {
		if status, code, out := put(small, smallHash, k); status != http.StatusForbidden || code != codes.Forbidden || !strings.Contains(out, "secretary or admin") {
			t.Errorf("%s: HTTP %d %s", name, status, out)
		}
	}
	// Over the size limit: refused before the body is read.
	big, bigHash := doc(MaxBlobBytes+1, "b")
	if status, code, out := put(big, bigHash, sec); status != http.StatusBadRequest || code != codes.TooLarge {
		t.Errorf("over-size upload: HTTP %d %s", status, out)
	}
	// A secretary of any chapter uploads, and the blob is served; an admin too.
	if status, _, out := put(small, smallHash, sec); status != http.StatusCreated {
		t.Fatalf("secretary's upload: HTTP %d %s", status, out)
	}
	if status, got := serve(srv, httptest.NewRequest("GET", "/v1/blobs/"+smallHash, nil)); status != 200 || got != string(small) {
		t.Fatalf("read back: HTTP %d, %d bytes", status, len(got))
	}
	other, otherHash := doc(1000, "c")
	if status, _, out := put(other, otherHash, c.admin); status != http.StatusCreated {
		t.Fatalf("admin's upload: HTTP %d %s", status, out)
	}
	// The secretary's byte budget (100,000 an hour) holds no second 70,000.
	second, secondHash := doc(70_000, "d")
	if status, code, out := put(second, secondHash, sec); status != http.StatusServiceUnavailable || code != codes.Unavailable || !strings.Contains(out, "budget") {
		t.Errorf("over budget: HTTP %d %s", status, out)
	}
	// It renews the next hour.
	now = now.Add(time.Hour)
	if status, _, out := put(second, secondHash, sec); status != http.StatusCreated {
		t.Errorf("next hour: HTTP %d %s", status, out)
	}
}

// An uploader also has an hourly count of uploads, whatever their size.
func TestBlobUploadCountBudget(t *testing.T) {
	c := newTestChain(t)
	now := time.Unix(1_800_000_000, 0)
	srv := New(c.app, stubNode{}, Options{Now: func() time.Time { return now }, BlobDir: t.TempDir(), BlobUploadsPerHour: 2})
	for i, want := range []int{http.StatusCreated, http.StatusCreated, http.StatusServiceUnavailable} {
		body := []byte{byte(i)}
		sum := sha256.Sum256(body)
		req := httptest.NewRequest("PUT", "/v1/blobs/"+hex.EncodeToString(sum[:]), bytes.NewReader(body))
		auth.Sign(req, testChain, c.admin, now)
		if status, out := serve(srv, req); status != want {
			t.Errorf("upload %d: HTTP %d %s, want %d", i+1, status, out, want)
		}
	}
}

// sourceFunc is a BlobSource.
type sourceFunc func(ctx context.Context, hash string) error

func (f sourceFunc) Fetch(ctx context.Context, hash string) error { return f(ctx, hash) }

// A read of a blob the node lacks asks the BlobSource (package blobsync),
// serves what it stored, and passes its refusal on with its code.
func TestBlobReadFetchesWhatTheNodeLacks(t *testing.T) {
	c := newTestChain(t)
	dir := t.TempDir()
	doc := []byte("minutes held by a peer")
	sum := sha256.Sum256(doc)
	hash := hex.EncodeToString(sum[:])
	var asked []string
	src := sourceFunc(func(ctx context.Context, h string) error {
		asked = append(asked, h)
		if h != hash {
			return codes.NotFound.Errorf("no committed transaction references %s", h)
		}
		return os.WriteFile(filepath.Join(dir, h), doc, 0o644)
	})
	srv := New(c.app, stubNode{}, Options{BlobDir: dir, BlobSource: src})
	if status, got := serve(srv, httptest.NewRequest("GET", "/v1/blobs/"+hash, nil)); status != 200 || got != string(doc) {
		t.Fatalf("lacking blob: HTTP %d %q", status, got)
	}
	other := strings.Repeat("0", 64)
	if status, got := serve(srv, httptest.NewRequest("GET", "/v1/blobs/"+other, nil)); status != http.StatusNotFound || !strings.Contains(got, "references") {
		t.Fatalf("unreferenced blob: HTTP %d %s", status, got)
	}
	// Held now: served from disk without asking again.
	serve(srv, httptest.NewRequest("GET", "/v1/blobs/"+hash, nil))
	if len(asked) != 2 {
		t.Fatalf("source asked %d times: %v", len(asked), asked)
	}
}
