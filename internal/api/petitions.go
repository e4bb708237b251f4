package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

// indexFor returns the index once it has caught up with the committed state
// (briefly waiting), so a client reads its own committed writes.
func (s *Server) indexFor(ctx context.Context) (*index.Index, error) {
	x := s.opts.Index
	if x == nil {
		return nil, codes.Unavailable.Errorf("this node serves no search index")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_ = x.WaitFor(ctx, s.app.Store().Saved()) // a lagging index still answers
	return x, nil
}

// kst is the party's calendar: dates in queries are days in Korea.
var kst = time.FixedZone("KST", 9*3600)

// parseDay reads Unix seconds or YYYY-MM-DD (KST); endOfDay moves a date to
// its last second, so ?to=2026-03-01 includes that day.
func parseDay(v string, endOfDay bool) (int64, error) {
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		return n, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, kst)
	if err != nil {
		return 0, codes.BadRequest.Errorf("%q is neither YYYY-MM-DD nor Unix seconds", v)
	}
	if endOfDay {
		t = t.Add(24*time.Hour - time.Second)
	}
	return t.Unix(), nil
}

// queryOf reads an index.Query from the URL.
func queryOf(r *http.Request) (index.Query, error) {
	v := r.URL.Query()
	q := index.Query{Text: v.Get("q"), Petition: v.Get("petition"), Chapter: v.Get("chapter"), Category: v.Get("category"),
		Author: v.Get("author"), Stance: v.Get("stance"), State: v.Get("state"), Sort: v.Get("sort"), Cursor: v.Get("cursor")}
	var err error
	if q.From, err = parseDay(v.Get("from"), false); err != nil {
		return q, err
	}
	if q.To, err = parseDay(v.Get("to"), true); err != nil {
		return q, err
	}
	if l := v.Get("limit"); l != "" {
		if q.Limit, err = strconv.Atoi(l); err != nil || q.Limit < 1 || q.Limit > index.MaxLimit {
			return q, codes.BadRequest.Errorf("limit must be 1-%d", index.MaxLimit)
		}
	}
	return q, nil
}

func (s *Server) listPetitions(w http.ResponseWriter, r *http.Request) error {
	x, err := s.indexFor(r.Context())
	if err != nil {
		return err
	}
	q, err := queryOf(r)
	if err != nil {
		return err
	}
	ps, next, err := x.SearchPetitions(q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.PetitionPage{Height: x.Height(), Petitions: ps, Next: next})
	return nil
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	x, err := s.indexFor(r.Context())
	if err != nil {
		return err
	}
	q, err := queryOf(r)
	if err != nil {
		return err
	}
	kind := r.URL.Query().Get("kind")
	out := wire.SearchResult{Height: x.Height()}
	switch kind {
	case "", "all", "petitions", "comments":
	default:
		return codes.BadRequest.Errorf("kind must be all, petitions or comments")
	}
	if (kind == "" || kind == "all") && q.Cursor != "" {
		return codes.BadRequest.Errorf("a cursor pages one kind: add kind=petitions or kind=comments")
	}
	if kind != "comments" && q.Stance == "" {
		pq := q
		pq.Petition = ""
		if q.Petition == "" {
			if out.Petitions, out.PetitionsNext, err = x.SearchPetitions(pq); err != nil {
				return err
			}
		}
	}
	if kind != "petitions" && q.State == "" {
		if out.Comments, out.CommentsNext, err = x.SearchComments(q); err != nil {
			return err
		}
	}
	if len(out.Petitions) == 0 && len(out.Comments) == 0 && q.Cursor == "" && q.Text != "" {
		out.DidYouMean = x.Suggest(q.Text)
	}
	if out.Petitions == nil && kind != "comments" {
		out.Petitions = []index.Petition{}
	}
	if out.Comments == nil && kind != "petitions" {
		out.Comments = []index.Comment{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// recordAt is a state record and, when asked, its proof.
func (s *Server) recordAt(r *http.Request, snap *store.Snapshot, key []byte) (wire.Record, error) {
	val := snap.Get(key)
	if val == nil {
		return wire.Record{}, codes.NotFound.Errorf("no record at %q", key)
	}
	rec := wire.Record{Height: snap.Version(), Key: string(key), Record: val}
	if wantProof(r) {
		p, err := s.prove(r.Context(), snap, key)
		if err != nil {
			return rec, err
		}
		raw, err := proof.Marshal(p)
		if err != nil {
			return rec, codes.Internal.Errorf("encode proof: %v", err)
		}
		rec.Proof = raw
	}
	return rec, nil
}

func (s *Server) getPetition(w http.ResponseWriter, r *http.Request) error {
	x, err := s.indexFor(r.Context())
	if err != nil {
		return err
	}
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := petition.Get(snap, id); !ok {
		return codes.NotFound.Errorf("petition %q does not exist", id)
	}
	p, err := x.GetPetition(id)
	if err != nil {
		return err
	}
	rec, err := s.recordAt(r, snap, petition.PetitionKey(id))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.PetitionView{Petition: p, Chain: rec, AgreementsByChapter: chapterCounts(petition.CountsByChapter(snap, id))})
	return nil
}

// chapterCounts converts the module's counts to their wire shape.
func chapterCounts(cs []petition.ChapterCount) []wire.ChapterCount {
	out := make([]wire.ChapterCount, len(cs))
	for i, c := range cs {
		out[i] = wire.ChapterCount(c)
	}
	return out
}

func (s *Server) petitionThread(w http.ResponseWriter, r *http.Request) error {
	x, err := s.indexFor(r.Context())
	if err != nil {
		return err
	}
	limit := 0
	if l := r.URL.Query().Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > index.MaxLimit {
			return codes.BadRequest.Errorf("limit must be 1-%d", index.MaxLimit)
		}
	}
	cs, next, err := x.Thread(r.PathValue("id"), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.CommentPage{Height: x.Height(), Comments: cs, Next: next})
	return nil
}

func (s *Server) getComment(w http.ResponseWriter, r *http.Request) error {
	x, err := s.indexFor(r.Context())
	if err != nil {
		return err
	}
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := petition.GetComment(snap, id); !ok {
		return codes.NotFound.Errorf("comment %q does not exist", id)
	}
	c, vs, err := x.GetComment(id)
	if err != nil {
		return err
	}
	rec, err := s.recordAt(r, snap, petition.CommentKey(id))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.CommentView{Comment: c, Versions: vs, Chain: rec})
	return nil
}

func (s *Server) myAgreement(w http.ResponseWriter, r *http.Request) error {
	key, err := s.caller(r)
	if err != nil {
		return err
	}
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := petition.Get(snap, id); !ok {
		return codes.NotFound.Errorf("petition %q does not exist", id)
	}
	mid, ok := members.ByKey(snap, key)
	if !ok {
		return codes.Forbidden.Errorf("key %x belongs to no member", []byte(key)[:8])
	}
	out := wire.AgreementView{Petition: id, Member: mid}
	if _, agreed := petition.HasAgreed(snap, id, mid); agreed || wantProof(r) {
		out.Agreed = agreed
		if wantProof(r) {
			// A proof of presence, or of absence when the member did not agree.
			p, err := s.prove(r.Context(), snap, petition.AgreementKey(id, mid))
			if err != nil {
				return err
			}
			raw, err := proof.Marshal(p)
			if err != nil {
				return codes.Internal.Errorf("encode proof: %v", err)
			}
			out.Chain = raw
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
