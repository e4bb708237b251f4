package api

// Reads the officials' console needs (web/src/console): a body's mandates,
// a meeting's quorum as it stands now, and the chair's signature waiting
// for the secretary's finalize. All are public: they say nothing an
// attendance list or a meeting record does not already say.

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/assembly"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/wire"
)

// QuorumView is the JSON shape of GET /v1/assembly/meetings/{id}/quorum.
type QuorumView struct {
	Height  int64                `json:"height"`
	Meeting string               `json:"meeting"`
	State   string               `json:"state"`
	Rule    assembly.Quorum      `json:"rule"`
	Quorum  assembly.QuorumCheck `json:"quorum"`
}

// MandateList is the JSON shape of GET /v1/assembly/bodies/{id}/mandates.
type MandateList struct {
	Height   int64              `json:"height"`
	Body     string             `json:"body"`
	Mandates []assembly.Mandate `json:"mandates"`
}

// EligibleCount is the JSON shape of GET /v1/chapters/{id}/eligible.
type EligibleCount struct {
	Height   int64  `json:"height"`
	Chapter  string `json:"chapter"`
	Class    string `json:"class,omitempty"`
	Eligible uint64 `json:"eligible"`
}

func (s *Server) consoleRoutes() []route {
	return []route{
		{"GET", "/v1/assembly/bodies/{id}/mandates", "Mandates in a body (chair, vice chair, secretary, members), active and ended", false, false, MandateList{}, s.bodyMandates},
		{"GET", "/v1/assembly/meetings/{id}/quorum", "A meeting's quorum as a decision taken now would count it: present, base, met", false, false, QuorumView{}, s.meetingQuorum},
		{"GET", "/v1/chapters/{id}/eligible", "How many active members (?class=general|responsible, or every class) a chapter and its subtree hold now: the electors an election created there would count", false, false, EligibleCount{}, s.eligibleCount},
		{"GET", "/v1/assembly/meetings/{id}/chair-signature", "The chair's signature over the meeting's record (assembly/chair-sign), waiting for the secretary's assembly/finalize", false, true, wire.Record{}, s.chairSignature},
		{"GET", "/v1/assembly/meetings/{id}/erratum-signature/{hash}", "The chair's signature over an erratum of the meeting that hashes to {hash} (assembly/chair-sign-erratum), waiting for the secretary's assembly/erratum", false, true, wire.Record{}, s.erratumSignature},
	}
}

func (s *Server) bodyMandates(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := assembly.GetBody(snap, id); !ok {
		return codes.NotFound.Errorf("body %q does not exist", id)
	}
	out := MandateList{Height: snap.Version(), Body: id, Mandates: []assembly.Mandate{}}
	prefix := "asm/mandate/" + id + "/"
	snap.Iterate([]byte(prefix), func(k, v []byte) bool {
		var md assembly.Mandate
		if !strings.Contains(strings.TrimPrefix(string(k), prefix), "/") && json.Unmarshal(v, &md) == nil {
			out.Mandates = append(out.Mandates, md)
		}
		return true
	})
	// The store orders mandates by member ID, which means nothing to a
	// reader and differs between chains: officers come first, in rank
	// order, then members in the order they were granted.
	sort.SliceStable(out.Mandates, func(i, j int) bool {
		a, b := out.Mandates[i], out.Mandates[j]
		if ra, rb := positionRank(a.Position), positionRank(b.Position); ra != rb {
			return ra < rb
		}
		if a.Height != b.Height {
			return a.Height < b.Height
		}
		return a.Member < b.Member
	})
	writeJSON(w, http.StatusOK, out)
	return nil
}

// positionRank orders a body's positions from chair to member.
func positionRank(p string) int {
	switch p {
	case assembly.Chair:
		return 0
	case assembly.ViceChair:
		return 1
	case assembly.Secretary:
		return 2
	case assembly.Member:
		return 3
	}
	return 4
}

func (s *Server) meetingQuorum(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	m, ok := assembly.GetMeeting(snap, id)
	if !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", id)
	}
	body, _ := assembly.GetBody(snap, m.Body)
	// A read, not a block: the wall clock stands in for the next block's time.
	q := assembly.QuorumNow(snap, m, time.Now().Unix())
	writeJSON(w, http.StatusOK, QuorumView{Height: snap.Version(), Meeting: id, State: m.State, Rule: body.Quorum, Quorum: q})
	return nil
}

func (s *Server) chairSignature(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := assembly.GetMeeting(snap, id); !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", id)
	}
	return s.writeRecord(w, r, snap, assembly.ChairSignatureKey(id))
}

func (s *Server) erratumSignature(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := assembly.GetMeeting(snap, id); !ok {
		return codes.NotFound.Errorf("meeting %q does not exist", id)
	}
	return s.writeRecord(w, r, snap, assembly.ErratumSignatureKey(id, r.PathValue("hash")))
}

// eligibleCount counts as election/create does (one read per chapter of the
// subtree, whatever the number of members), over the latest state rather
// than the block before creation, so the commissioner sees the number
// before creating; the election records its own count when created.
func (s *Server) eligibleCount(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, ok := org.GetChapter(snap, id); !ok {
		return codes.NotFound.Errorf("chapter %q does not exist", id)
	}
	class := members.Class(r.URL.Query().Get("class"))
	if class != "" && class != members.General && class != members.Responsible {
		return codes.BadRequest.Errorf("class must be %s, %s or empty", members.General, members.Responsible)
	}
	var n uint64
	for _, ch := range org.Subtree(snap, id) {
		n += members.ActiveCount(snap, ch.ID, class)
	}
	writeJSON(w, http.StatusOK, EligibleCount{Height: snap.Version(), Chapter: id, Class: string(class), Eligible: n})
	return nil
}
