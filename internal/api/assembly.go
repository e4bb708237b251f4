package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pnyx-party/pnyx/certificate"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/validator"
	"github.com/pnyx-party/pnyx/proof"
)

// MaxBlobBytes bounds one uploaded document.
const MaxBlobBytes = 16 << 20

func (s *Server) bodies(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	ch := r.URL.Query().Get("chapter")
	if _, ok := org.GetChapter(snap, ch); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", ch)
	}
	out := []assembly.Body{}
	prefix := "asm/bodies/" + ch + "/"
	snap.Iterate([]byte(prefix), func(k, _ []byte) bool {
		if b, ok := assembly.GetBody(snap, strings.TrimPrefix(string(k), prefix)); ok {
			out = append(out, b)
		}
		return true
	})
	writeJSON(w, http.StatusOK, map[string]any{"height": snap.Version(), "chapter": ch, "bodies": out})
	return nil
}

func (s *Server) body(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	return s.writeRecord(w, r, snap, assembly.BodyKey(r.PathValue("id")))
}

// parseWhen accepts a date (YYYY-MM-DD, UTC) or Unix seconds.
func parseWhen(v string, def int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return 0, codes.BadRequest.Errorf("%q is neither YYYY-MM-DD nor Unix seconds", v)
	}
	return t.Unix(), nil
}

func (s *Server) meetings(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ch := q.Get("chapter")
	if _, ok := org.GetChapter(snap, ch); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", ch)
	}
	from, err := parseWhen(q.Get("from"), 0)
	if err != nil {
		return err
	}
	to, err := parseWhen(q.Get("to"), 1<<53)
	if err != nil {
		return err
	}
	limit, err := parseLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	out := []assembly.Meeting{}
	base := "asm/mtgs/" + ch + "/"
	start := []byte(base + strconv.FormatInt(1e16+from, 10)[1:])
	end := []byte(base + strconv.FormatInt(1e16+to, 10)[1:] + "0")
	snap.IterateRange(start, end, true, func(k, _ []byte) bool {
		parts := strings.SplitN(strings.TrimPrefix(string(k), base), "/", 2)
		if m, ok := assembly.GetMeeting(snap, parts[len(parts)-1]); ok {
			out = append(out, m)
		}
		return len(out) < limit
	})
	writeJSON(w, http.StatusOK, map[string]any{"height": snap.Version(), "chapter": ch, "meetings": out})
	return nil
}

// MeetingRecord is the JSON shape of GET /v1/assembly/meetings/{id}.
type MeetingRecord struct {
	Height  int64              `json:"height"`
	Meeting assembly.Meeting   `json:"meeting"`
	Present int64              `json:"present"`
	Motions []assembly.Motion  `json:"motions"`
	Errata  []assembly.Erratum `json:"errata"`
	// RecordHash is what the chair and the secretary sign to finalize.
	RecordHash string          `json:"record_hash"`
	Proof      json.RawMessage `json:"proof,omitempty"`
}

func (s *Server) meetingRecord(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	m, ok := assembly.GetMeeting(snap, id)
	if !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", id)
	}
	rec := MeetingRecord{Height: snap.Version(), Meeting: m, Present: assembly.Present(snap, id), Motions: []assembly.Motion{}, Errata: []assembly.Erratum{}}
	for i := 1; i <= m.Motions; i++ {
		mo, _ := assembly.GetMotion(snap, id, i)
		rec.Motions = append(rec.Motions, mo)
	}
	for i := 1; i <= m.Errata; i++ {
		e, _ := assembly.GetErratum(snap, id, i)
		rec.Errata = append(rec.Errata, e)
	}
	rec.RecordHash = hex.EncodeToString(assembly.ComputeRecordHash(m, rec.Present, rec.Motions))
	if wantProof(r) {
		p, err := s.proveMany(r, snap, assembly.RecordKeys(m))
		if err != nil {
			return err
		}
		if rec.Proof, err = proof.Marshal(p); err != nil {
			return codes.Internal.Errorf("encode proof: %v", err)
		}
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

func (s *Server) attendance(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := assembly.GetMeeting(snap, id); !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", id)
	}
	limit, err := parseLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	prefix := "asm/att/" + id + "/"
	start := []byte(prefix)
	if after := r.URL.Query().Get("after"); after != "" {
		start = []byte(prefix + after + "\x00")
	}
	out := []assembly.Attendance{}
	snap.IterateRange(start, store.PrefixEnd([]byte(prefix)), true, func(_, v []byte) bool {
		var a assembly.Attendance
		if json.Unmarshal(v, &a) == nil {
			out = append(out, a)
		}
		return len(out) < limit
	})
	next := ""
	if len(out) == limit {
		next = out[len(out)-1].Member
	}
	writeJSON(w, http.StatusOK, map[string]any{"height": snap.Version(), "meeting": id, "present": assembly.Present(snap, id), "attendance": out, "next_after": next})
	return nil
}

func (s *Server) minutes(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	m, ok := assembly.GetMeeting(snap, id)
	if !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", id)
	}
	ref, key := m.Minutes, assembly.MinutesKey(id)
	if v := r.URL.Query().Get("erratum"); v != "" {
		n, err := strconv.Atoi(v)
		e, ok := assembly.GetErratum(snap, id, n)
		if err != nil || !ok || e.NewMinutes == nil {
			return codes.NotFound.Errorf("erratum %q of %s carries no minutes", v, id)
		}
		ref, key = e.NewMinutes, assembly.ErratumMinutesKey(id, n)
	}
	if ref == nil {
		return codes.NotFound.Errorf("meeting %s has no minutes yet", id)
	}
	var content []byte
	if ref.Inline {
		content = snap.Get(key)
	} else if content, err = s.readBlob(r.Context(), ref.Hash); err != nil {
		return err
	}
	if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) != ref.Hash {
		return codes.Internal.Errorf("stored minutes do not match their hash %s", ref.Hash)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Pnyx-Sha256", ref.Hash)
	w.Write(content)
	return nil
}

func (s *Server) certificate(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	no, err := strconv.Atoi(r.PathValue("no"))
	if err != nil {
		return codes.BadRequest.Errorf("motion number must be an integer")
	}
	m, ok := assembly.GetMeeting(snap, r.PathValue("id"))
	switch {
	case !ok:
		return codes.NotFound.Errorf("meeting %q does not exist", r.PathValue("id"))
	case no < 1 || no > m.Motions:
		return codes.NotFound.Errorf("meeting %s has no motion %d", m.ID, no)
	case m.State != assembly.Finalized:
		return codes.WrongState.Errorf("meeting %s is %s; certificates are issued for finalized meetings", m.ID, m.State)
	}
	var c *certificate.Certificate
	err = s.waitForHeader(r.Context(), snap, assembly.RecordKeys(m), func(at *store.Snapshot) error {
		var err error
		c, err = certificate.Build(s.app.ChainID(), at, r.PathValue("id"), no, s.node)
		if err != nil {
			return err
		}
		return proof.AddHandoffs(c.Proof, validator.ChangeHeights(at), s.node)
	})
	if err != nil {
		return err
	}
	raw, err := certificate.Marshal(c)
	if err != nil {
		return codes.Internal.Errorf("%v", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(raw)
	return nil
}

func (s *Server) blobPath(hash string) (string, error) {
	if s.opts.BlobDir == "" {
		return "", codes.Unavailable.Errorf("this node keeps no blob store")
	}
	h, err := hex.DecodeString(hash)
	if err != nil || len(h) != sha256.Size || hex.EncodeToString(h) != hash {
		return "", codes.BadRequest.Errorf("blob hash must be 64 lowercase hex digits")
	}
	return filepath.Join(s.opts.BlobDir, hash), nil
}

func (s *Server) readBlob(ctx context.Context, hash string) ([]byte, error) {
	p, err := s.blobPath(hash)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return s.fetchBlob(ctx, hash, p)
	}
	return b, err
}

// putBlob stores a document for an active secretary or admin (blobs.go),
// within MaxBlobBytes and the uploader's hourly budget. The signature covers
// the URI, which names the content's hash, so it covers the content too.
func (s *Server) putBlob(w http.ResponseWriter, r *http.Request) error {
	p, err := s.blobPath(r.PathValue("hash"))
	if err != nil {
		return err
	}
	key, err := s.caller(r)
	if err != nil {
		return err
	}
	snap, err := s.latest()
	if err != nil {
		return err
	}
	if err := mayUpload(snap, key); err != nil {
		return err
	}
	if r.ContentLength > MaxBlobBytes {
		return codes.TooLarge.Errorf("a blob is at most %d bytes, not %d", MaxBlobBytes, r.ContentLength)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBlobBytes))
	if err != nil {
		return codes.TooLarge.Errorf("a blob is at most %d bytes", MaxBlobBytes)
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != r.PathValue("hash") {
		return assembly.CodeMinutesMismatch.Errorf("content hashes to %x, not %s", sum, r.PathValue("hash"))
	}
	if _, err := os.Stat(p); err == nil {
		// Held already: nothing written, nothing charged.
		writeJSON(w, http.StatusCreated, map[string]any{"hash": r.PathValue("hash"), "size": len(body)})
		return nil
	}
	if err := s.blobs.charge(key, int64(len(body)), s.opts.Now()); err != nil {
		return err
	}
	if err := os.MkdirAll(s.opts.BlobDir, 0o755); err != nil {
		return codes.Internal.Errorf("%v", err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, body, 0o644); err != nil {
		return codes.Internal.Errorf("%v", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return codes.Internal.Errorf("%v", err)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"hash": r.PathValue("hash"), "size": len(body)})
	return nil
}

func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) error {
	b, err := s.readBlob(r.Context(), r.PathValue("hash"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(b)
	return nil
}
