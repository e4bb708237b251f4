package api

import (
	"context"
	"crypto/ed25519"
	"os"
	"sync"
	"time"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// Blob uploads (finding 4 of issue 12: anyone could write 320 MiB in 2.8 s)
// are signed per package auth by an active secretary or admin, whatever the
// chapter: the officials who record minutes. Each uploader has an hourly
// budget of bytes and uploads, kept in memory: a restart resets it, which
// bounds nothing an hour does not.
const (
	// DefaultBlobBytesPerHour is one uploader's byte budget an hour.
	DefaultBlobBytesPerHour = 128 << 20
	// DefaultBlobUploadsPerHour is one uploader's upload count an hour.
	DefaultBlobUploadsPerHour = 60
)

// blobUploaders are the roles that may upload.
var blobUploaders = []org.Role{org.Secretary, org.Admin}

// mayUpload refuses a key that is no active secretary or admin.
func mayUpload(snap store.Reader, key ed25519.PublicKey) error {
	id, ok := members.ByKey(snap, key)
	if ok {
		if me, _ := members.Get(snap, id); me.Status == members.Active {
			for _, g := range org.GrantsOf(snap, id) {
				for _, role := range blobUploaders {
					if g.Role == role {
						return nil
					}
				}
			}
		}
	}
	return codes.Forbidden.Errorf("key %x may not upload blobs: only an active secretary or admin may", []byte(key)[:8])
}

// blobBudget counts each uploader's bytes and uploads in the current hour.
type blobBudget struct {
	bytes   int64
	uploads int

	mu   sync.Mutex
	used map[string]*blobUse
}

type blobUse struct {
	hour           int64 // Unix hour the counts are for
	bytes, uploads int64
}

func newBlobBudget(bytes int64, uploads int) *blobBudget {
	if bytes <= 0 {
		bytes = DefaultBlobBytesPerHour
	}
	if uploads <= 0 {
		uploads = DefaultBlobUploadsPerHour
	}
	return &blobBudget{bytes: bytes, uploads: uploads, used: map[string]*blobUse{}}
}

// charge takes n bytes and one upload from key's budget at now, or refuses
// with code unavailable (HTTP 503) saying when the budget renews.
func (b *blobBudget) charge(key ed25519.PublicKey, n int64, now time.Time) error {
	hour := now.Unix() / 3600
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.used[string(key)]
	if u == nil || u.hour != hour {
		if len(b.used) > 10_000 { // only officials upload; drop past hours
			for k, old := range b.used {
				if old.hour != hour {
					delete(b.used, k)
				}
			}
		}
		u = &blobUse{hour: hour}
		b.used[string(key)] = u
	}
	if u.uploads+1 > int64(b.uploads) || u.bytes+n > b.bytes {
		renew := time.Unix((hour+1)*3600, 0).Sub(now).Round(time.Second)
		return codes.Unavailable.Errorf("blob upload budget used up: %d uploads and %d of %d bytes this hour (at most %d uploads); it renews in %s", u.uploads, u.bytes, b.bytes, b.uploads, renew)
	}
	u.uploads++
	u.bytes += n
	return nil
}

// BlobSource fetches a blob this node lacks into BlobDir, verified against
// its hash; package blobsync's Syncer is one. Its errors carry codes
// (not_found for a hash no committed transaction references).
type BlobSource interface {
	Fetch(ctx context.Context, hash string) error
}

// fetchBlob answers a read of a blob this node lacks: from BlobSource if
// there is one (which stores only verified bytes at p), else not found.
func (s *Server) fetchBlob(ctx context.Context, hash, p string) ([]byte, error) {
	if s.opts.BlobSource == nil {
		return nil, codes.NotFound.Errorf("this node holds no blob %s; upload it with PUT /v1/blobs/%s", hash, hash)
	}
	if err := s.opts.BlobSource.Fetch(ctx, hash); err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}
