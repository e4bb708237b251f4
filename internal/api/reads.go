package api

import (
	"crypto/ed25519"
	"encoding/hex"
	"net/http"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/wire"
)

// officialRoles may read the personal records of members in their scope.
var officialRoles = []org.Role{org.Admin, org.Registrar, org.Treasurer}

// mayRead reports whether the holder of key may read member's records: the
// member themself, or an active official with scope over the member's chapter.
func mayRead(snap store.Reader, key ed25519.PublicKey, member members.Member) error {
	if id, ok := members.ByKey(snap, key); ok && id == member.ID {
		return nil
	}
	if officialOver(snap, key, member.Chapter) {
		return nil
	}
	return noScope(key)
}

// officialOver reports whether key belongs to an active member holding one
// of officialRoles over chapter.
func officialOver(snap store.Reader, key ed25519.PublicKey, chapter string) bool {
	id, ok := members.ByKey(snap, key)
	if !ok {
		return false
	}
	if me, _ := members.Get(snap, id); me.Status != members.Active {
		return false
	}
	for _, role := range officialRoles {
		if org.HasRole(snap, id, role, chapter) {
			return true
		}
	}
	return false
}

// personal loads a member for a signed read and checks the reader.
func (s *Server) personal(r *http.Request) (*store.Snapshot, members.Member, error) {
	key, err := s.caller(r)
	if err != nil {
		return nil, members.Member{}, err
	}
	snap, err := s.latest()
	if err != nil {
		return nil, members.Member{}, err
	}
	m, ok := members.Get(snap, r.PathValue("id"))
	if !ok {
		// The same answer as mayRead's refusal, so that no key can learn
		// which member IDs exist (finding 10 of issue 12).
		return nil, m, noScope(key)
	}
	return snap, m, mayRead(snap, key, m)
}

// noScope is the one answer to a reader who may not read a member's
// records, whether or not the member exists: byte for byte the same body
// for any member ID.
func noScope(key ed25519.PublicKey) error {
	return codes.Forbidden.Errorf("key %x may not read this member's records: only the member or an official (admin, registrar, treasurer) with scope over the member's chapter may (an unknown member answers the same)", []byte(key)[:8])
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	key, err := hex.DecodeString(r.PathValue("key"))
	if err != nil || len(key) != ed25519.PublicKeySize {
		return codes.BadRequest.Errorf("key must be 64 hex digits")
	}
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id, _ := members.ByKey(snap, key)
	writeJSON(w, http.StatusOK, wire.Account{Key: hex.EncodeToString(key), NextNonce: chain.NextNonce(snap, key), Member: id, Height: snap.Version()})
	return nil
}

func (s *Server) chapters(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"height": snap.Version(), "chapters": org.Subtree(snap, org.Root(snap))})
	return nil
}

func (s *Server) chapter(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := org.GetChapter(snap, id); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", id)
	}
	return s.writeRecord(w, r, snap, org.ChapterKey(id))
}

func (s *Server) chapterRoles(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := org.GetChapter(snap, id); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", id)
	}
	writeJSON(w, http.StatusOK, map[string]any{"height": snap.Version(), "chapter": id, "grants": nonNil(org.GrantsAt(snap, id))})
	return nil
}

func (s *Server) chapterMembers(w http.ResponseWriter, r *http.Request) error {
	key, err := s.caller(r)
	if err != nil {
		return err
	}
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := org.GetChapter(snap, id); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", id)
	}
	// Listing a chapter's members is for officials only, never for members.
	if !officialOver(snap, key, id) {
		return codes.Forbidden.Errorf("key %x is no official (admin, registrar, treasurer) over chapter %s", []byte(key)[:8], id)
	}
	limit, err := parseLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	ids := members.InChapter(snap, id, r.URL.Query().Get("after"), limit)
	out := make([]members.Member, 0, len(ids))
	for _, mid := range ids {
		if m, ok := members.Get(snap, mid); ok {
			out = append(out, m)
		}
	}
	next := ""
	if len(ids) == limit {
		next = ids[len(ids)-1]
	}
	writeJSON(w, http.StatusOK, map[string]any{"height": snap.Version(), "chapter": id, "members": out, "next_after": next})
	return nil
}

func (s *Server) member(w http.ResponseWriter, r *http.Request) error {
	snap, m, err := s.personal(r)
	if err != nil {
		return err
	}
	return s.writeRecord(w, r, snap, members.MemberKey(m.ID))
}

func (s *Server) memberRoles(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	writeJSON(w, http.StatusOK, map[string]any{"height": snap.Version(), "member": id, "grants": nonNil(org.GrantsOf(snap, id))})
	return nil
}

func (s *Server) supply(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	return s.writeRecord(w, r, snap, token.SupplyKey())
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
