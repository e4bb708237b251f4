package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/kpi"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/proof"
)

// KPI reads (routes.go lists them). Rule sets, periods, chapter scorecards,
// rankings and histograms are public; a member's scorecard and appeals are
// signed reads, served to the member or an official with scope, like
// balances; no per-member ranking exists.

// kpiNow is the time a period's state is judged at: the last block's.
func (s *Server) kpiNow() int64 {
	st, err := s.node.Status()
	if err != nil {
		return 0
	}
	return st.BlockTime.Unix()
}

func (s *Server) kpiVersions(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"height": snap.Version(), "versions": nonNil(kpi.Versions(snap))})
	return nil
}

func (s *Server) kpiVersion(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return codes.BadRequest.Errorf("version must be a positive number")
	}
	return s.writeRecord(w, r, snap, kpi.VersionKey(n))
}

func (s *Server) kpiProposal(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	return s.writeRecord(w, r, snap, kpi.ProposalKey(r.PathValue("id")))
}

func (s *Server) kpiPeriod(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	pv, err := kpi.ViewPeriod(snap, r.PathValue("period"), s.kpiNow())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pv)
	return nil
}

func (s *Server) kpiRanking(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	return s.writeRecord(w, r, snap, kpi.RankingKey(r.PathValue("period"), r.PathValue("scorecard")))
}

// KPIHistogram is the JSON shape of a chapter's score histogram.
type KPIHistogram struct {
	Height    int64        `json:"height"`
	Period    string       `json:"period"`
	Scorecard string       `json:"scorecard"`
	Chapter   string       `json:"chapter"`
	MinBucket int          `json:"min_bucket"`
	Buckets   []kpi.Bucket `json:"buckets"`
}

func (s *Server) kpiHistogram(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	p, sc, ch := r.PathValue("period"), r.PathValue("scorecard"), r.PathValue("chapter")
	_, v, err := kpi.ForPeriod(snap, p)
	if err != nil {
		return err
	}
	if card, ok := v.RuleSet.Scorecard(sc); !ok || card.Subject != kpi.SubjectMember {
		return codes.NotFound.Errorf("rule set version %d has no member scorecard %q", v.Version, sc)
	}
	if _, ok := org.GetChapter(snap, ch); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", ch)
	}
	writeJSON(w, http.StatusOK, KPIHistogram{Height: snap.Version(), Period: p, Scorecard: sc, Chapter: ch, MinBucket: kpi.MinBucket, Buckets: kpi.Histogram(snap, p, sc, ch)})
	return nil
}

// KPICard is the JSON shape of a scorecard read. With ?prove=1 it carries
// a state proof of every record its score is computed from (the proof
// package's format), which `pnyx verify kpi` checks offline and recomputes
// the score from.
type KPICard struct {
	Height int64 `json:"height"`
	kpi.Card
	Proof json.RawMessage `json:"proof,omitempty"`
}

func (s *Server) kpiMemberCard(w http.ResponseWriter, r *http.Request) error {
	snap, m, err := s.personal(r)
	if err != nil {
		return err
	}
	return s.kpiCard(w, r, snap, m.ID, kpi.SubjectMember)
}

func (s *Server) kpiChapterCard(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := org.GetChapter(snap, id); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", id)
	}
	return s.kpiCard(w, r, snap, id, kpi.SubjectChapter)
}

func (s *Server) kpiCard(w http.ResponseWriter, r *http.Request, snap *store.Snapshot, subj, kind string) error {
	c, err := kpi.MakeCard(snap, r.PathValue("period"), r.PathValue("scorecard"), subj, s.kpiNow())
	if err != nil {
		return err
	}
	if c.Kind != kind {
		return codes.NotFound.Errorf("scorecard %s scores a %s, not a %s", c.Scorecard, c.Kind, kind)
	}
	out := KPICard{Height: snap.Version(), Card: c}
	if wantProof(r) {
		keys, err := kpi.ScoreInputs(snap, c.Period, c.Scorecard, subj)
		if err != nil {
			return err
		}
		p, err := s.proveMany(r, snap, keys)
		if err != nil {
			return err
		}
		if out.Proof, err = proof.Marshal(p); err != nil {
			return codes.Internal.Errorf("encode proof: %v", err)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) kpiAppeal(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	a, ok := kpi.GetAppeal(snap, r.PathValue("id"))
	if !ok {
		return codes.NotFound.Errorf("appeal %q does not exist", r.PathValue("id"))
	}
	if a.Kind == kpi.SubjectMember {
		// A member's appeal is about their scorecard: personal.
		key, err := s.caller(r)
		if err != nil {
			return err
		}
		m, _ := members.Get(snap, a.Subject)
		if err := mayRead(snap, key, m); err != nil {
			return err
		}
	}
	return s.writeRecord(w, r, snap, kpi.AppealKey(a.ID))
}
