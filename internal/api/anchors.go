package api

import (
	"net/http"
	"strconv"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/validator"
	"github.com/pnyx-party/pnyx/proof"
)

// anchor answers GET /v1/anchors/{height}: header {height} with the
// validators' signatures, the validator set that signed it and the
// handoffs to that set from genesis, as a proof of state {height}-1 with
// no entries. It is what a compact proof leaves out: a card's proof on a
// chain of many validators is too long for a QR code (18 validators' keys
// and signatures alone are several kilobytes), so the QR carries only the
// entries and their Merkle proofs, and the checker fetches the rest from
// any node, public data every node holds alike. Nothing in it needs to be
// trusted: the checker verifies the signatures against the validator set
// and the set against genesis or the hash the party publishes, exactly as
// for a whole proof (proof.Verify).
func (s *Server) anchor(w http.ResponseWriter, r *http.Request) error {
	h, err := strconv.ParseInt(r.PathValue("height"), 10, 64)
	if err != nil || h < 2 {
		return codes.BadRequest.Errorf("height must be a whole number of at least 2 (the header that commits to state height-1)")
	}
	snap, err := s.latest()
	if err != nil {
		return err
	}
	if h > snap.Version()+1 {
		return codes.NotFound.Errorf("header %d does not exist yet (the latest state is %d)", h, snap.Version())
	}
	sh, err := s.node.SignedHeader(h)
	if err != nil {
		return codes.NotFound.Errorf("header %d: %v", h, err)
	}
	vals, err := s.node.Validators(h)
	if err != nil {
		return codes.NotFound.Errorf("validators at %d: %v", h, err)
	}
	p := &proof.StateProof{Format: proof.FormatVersion, ChainID: s.app.ChainID(), StateVersion: h - 1, Entries: []proof.Entry{}, Header: sh, Validators: vals}
	if err := proof.AddHandoffs(p, validator.ChangeHeights(snap), s.node); err != nil {
		return codes.Unavailable.Errorf("%v", err)
	}
	raw, err := proof.Marshal(p)
	if err != nil {
		return codes.Internal.Errorf("encode anchor: %v", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(raw)
	return err
}
