package api

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

func (s *Server) electionGet(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	return s.writeRecord(w, r, snap, election.ElectionKey(r.PathValue("id")))
}

func (s *Server) electionTally(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	return s.writeRecord(w, r, snap, election.TallyKey(r.PathValue("id")))
}

// ballots reads cast ballots' bytes from the node's blocks.
func (s *Server) ballots() election.BallotSource {
	return election.BallotsFromBlocks(func(height int64) ([][]byte, error) {
		b, err := s.node.Block(height)
		if err != nil {
			return nil, err
		}
		txs := make([][]byte, len(b.Txs))
		for i, t := range b.Txs {
			txs[i] = t
		}
		return txs, nil
	})
}

// castBallot returns cast ballot seq with its bytes, base64.
func castBallot(snap store.Reader, src election.BallotSource, id string, seq uint64) (*election.CastBallot, string, error) {
	b, ok := election.GetBallot(snap, id, seq)
	if !ok {
		return nil, "", codes.NotFound.Errorf("ballot %d of election %s does not exist", seq, id)
	}
	raw, err := election.CastBallotBytes(src, b)
	if err != nil {
		return nil, "", codes.Unavailable.Errorf("%v", err)
	}
	return b, base64.StdEncoding.EncodeToString(raw), nil
}

func (s *Server) electionTracking(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id, code := r.PathValue("id"), strings.ToLower(r.PathValue("code"))
	if b, err := hex.DecodeString(code); err != nil || len(b) != 32 {
		return codes.BadRequest.Errorf("a tracking code is 64 hex digits (the full SHA-256)")
	}
	tk := election.TrackingKey(id, code)
	ref := snap.Get(tk)
	if ref == nil {
		return codes.NotFound.Errorf("no ballot with tracking code %s in election %s", code, id)
	}
	seq, _ := strconv.ParseUint(string(ref[2:]), 10, 64)
	ans := wire.TrackingAnswer{Height: snap.Version(), Kind: "cast"}
	var key []byte
	if ref[0] == 's' {
		ans.Kind, key = "spoiled", election.SpoiledKey(id, seq)
	} else {
		key = election.BallotKey(id, seq)
		if cur, ok := election.Current(snap, id, seq); ok {
			ans.Replaced = cur != seq
		}
		if _, ans.Ballot, err = castBallot(snap, s.ballots(), id, seq); err != nil {
			return err
		}
	}
	ans.Key, ans.Record = string(key), snap.Get(key)
	if wantProof(r) {
		p, err := s.proveMany(r, snap, [][]byte{tk, key})
		if err != nil {
			return err
		}
		raw, err := proof.Marshal(p)
		if err != nil {
			return codes.Internal.Errorf("encode proof: %v", err)
		}
		ans.Proof = raw
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// BallotPage is a page of the ballot box.
type BallotPage struct {
	Height  int64         `json:"height"`
	Cast    uint64        `json:"cast"`
	Ballots []BallotEntry `json:"ballots"`
}

// BallotEntry is a ballot box entry with the ballot's bytes.
type BallotEntry struct {
	election.CastBallot
	Ballot string `json:"ballot"` // base64, from block Height
}

func (s *Server) electionBallots(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	t, ok := election.GetTally(snap, id)
	if !ok {
		return codes.NotFound.Errorf("election %q does not exist", id)
	}
	limit, err := parseLimit(r, 100, 500)
	if err != nil {
		return err
	}
	from := uint64(0)
	if a := r.URL.Query().Get("after"); a != "" {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil {
			return codes.BadRequest.Errorf("after must be a ballot sequence number")
		}
		from = n + 1
	}
	page := BallotPage{Height: snap.Version(), Cast: t.Cast, Ballots: []BallotEntry{}}
	src := s.ballots()
	for seq := from; seq < t.Cast && len(page.Ballots) < limit; seq++ {
		b, raw, err := castBallot(snap, src, id, seq)
		if err != nil {
			return err
		}
		page.Ballots = append(page.Ballots, BallotEntry{CastBallot: *b, Ballot: raw})
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) electionRecord(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var reg election.Registry
	if v := r.URL.Query().Get("registry"); v == "1" || v == "true" {
		// Version 5: every requester proven in the registry as committed at
		// EligibleAt, which this node must still keep (state retention).
		e, ok := election.Get(snap, id)
		if !ok {
			return codes.NotFound.Errorf("election %q does not exist", id)
		}
		at, err := s.app.Store().Snapshot(e.EligibleAt)
		if err != nil {
			return codes.NotFound.Errorf("the registry at height %d, which version 5 proves requesters against, is no longer kept by this node (--state-retention): %v", e.EligibleAt, err)
		}
		reg = at
	}
	st, err := election.RecordStreamProven(snap, id, s.ballots(), reg)
	if err != nil {
		return codes.NotFound.Errorf("%v", err)
	}
	// The record is written as it is read, a block of ballots at a time.
	// The length is known beforehand, so a failure halfway (a block that
	// cannot be read) reaches the client as a short body, not as a record.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(st.Len(), 10))
	w.Header().Set("X-Pnyx-Height", strconv.FormatInt(snap.Version(), 10))
	if _, err := st.WriteTo(w); err != nil {
		panic(http.ErrAbortHandler) // the connection closes short of Content-Length
	}
	return nil
}

func (s *Server) electionState(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("key")
	if !strings.HasPrefix(key, "el/") {
		return codes.BadRequest.Errorf("only election state (el/…) is served here")
	}
	snap, err := s.latest()
	if err != nil {
		return err
	}
	if h := r.URL.Query().Get("height"); h != "" {
		v, err := strconv.ParseInt(h, 10, 64)
		if err != nil {
			return codes.BadRequest.Errorf("height must be a number")
		}
		if snap, err = s.app.Store().Snapshot(v); err != nil {
			return codes.NotFound.Errorf("height %d: %v", v, err)
		}
	}
	v := snap.Get([]byte(key))
	out := wire.StateValue{Height: snap.Version(), Key: key, Value: hex.EncodeToString(v), Found: v != nil}
	if wantProof(r) {
		p, err := s.prove(r.Context(), snap, []byte(key))
		if err != nil {
			return err
		}
		raw, err := proof.Marshal(p)
		if err != nil {
			return codes.Internal.Errorf("encode proof: %v", err)
		}
		out.Proof = raw
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ElectionList answers GET /v1/elections: elections newest first.
type ElectionList struct {
	Height    int64               `json:"height"`
	Elections []election.Election `json:"elections"`
}

// maxElectionList bounds one answer; a party holds a handful of elections a
// year per chapter, so the newest are what anyone asks for.
const maxElectionList = 100

// electionList lists elections, newest first. With ?chapter=X it lists those
// a member of chapter X could be an elector of: elections held at X or at one
// of its ancestors (an election covers its chapter's whole subtree). Whether
// a particular member is on an election's frozen register is the election's
// own page (the registry at EligibleAt), not this list.
func (s *Server) electionList(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	var within map[string]bool
	if ch := r.URL.Query().Get("chapter"); ch != "" {
		anc := org.Ancestors(snap, ch)
		if len(anc) == 0 {
			return codes.NotFound.Errorf("chapter %q does not exist", ch)
		}
		within = make(map[string]bool, len(anc))
		for _, a := range anc {
			within[a] = true
		}
	}
	out := ElectionList{Height: snap.Version(), Elections: []election.Election{}}
	snap.Iterate(election.ElectionKey(""), func(_, v []byte) bool {
		var e election.Election
		if json.Unmarshal(v, &e) == nil && (within == nil || within[e.Chapter]) {
			out.Elections = append(out.Elections, e)
		}
		return true
	})
	sort.SliceStable(out.Elections, func(i, j int) bool {
		a, b := out.Elections[i], out.Elections[j]
		if a.CreatedAtH != b.CreatedAtH {
			return a.CreatedAtH > b.CreatedAtH
		}
		return a.ID < b.ID
	})
	if len(out.Elections) > maxElectionList {
		out.Elections = out.Elections[:maxElectionList]
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
