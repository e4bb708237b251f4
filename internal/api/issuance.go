package api

// The issuers' index of pending credential requests (issue 17). An issuer
// answering millions of requests reads them here a page at a time from a
// cursor, with what it needs to sign each (the member's key, its blinded
// message and signature), instead of one election-state read per key from
// request 0 on every batch. The page is built from committed state by the
// election module (election.Pending): nothing is added to the chain. With
// ?prove=1 the page carries a proof of every pending request's record.

import (
	"net/http"
	"strconv"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/proof"
)

func (s *Server) electionPendingRequests(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.latest()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	e, ok := election.Get(snap, id)
	if !ok {
		return codes.NotFound.Errorf("election %q does not exist", id)
	}
	q := r.URL.Query()
	i, err := strconv.Atoi(q.Get("issuer"))
	if err != nil || i < 0 || i >= len(e.Issuers) {
		return codes.BadRequest.Errorf("issuer must be an issuer index of election %s, 0-%d", id, len(e.Issuers)-1)
	}
	from := uint64(0)
	if v := q.Get("from"); v != "" {
		if from, err = strconv.ParseUint(v, 10, 64); err != nil {
			return codes.BadRequest.Errorf("from must be a request sequence number (the previous page's next)")
		}
	}
	limit, err := parseLimit(r, 256, election.MaxPendingLimit)
	if err != nil {
		return err
	}
	page, err := election.Pending(snap, e, i, from, limit)
	if err != nil {
		return codes.Internal.Errorf("%v", err)
	}
	page.Height = snap.Version()
	if wantProof(r) && len(page.Pending) > 0 {
		// Every pending request's record under one signed header, so the
		// issuer signs only what the chain holds (verified.CheckPending).
		keys := make([][]byte, len(page.Pending))
		for k, p := range page.Pending {
			keys[k] = election.RequestKey(id, p.Seq)
		}
		p, err := s.proveKeys(r.Context(), snap, keys)
		if err != nil {
			return err
		}
		if page.Proof, err = proof.Marshal(p); err != nil {
			return codes.Internal.Errorf("encode proof: %v", err)
		}
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// pendingPageShape is the answer's type, for the OpenAPI document.
var pendingPageShape = election.PendingPage{}
