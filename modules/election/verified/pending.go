package verified

import (
	"encoding/json"
	"fmt"

	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/proof"
)

// CheckPending vets a page of issuer issuer's pending requests of election
// id, as the node served it, before the issuer signs anything in it: the
// page's proof must verify against trusted (the genesis validators), and
// each pending request must be the record the chain holds under its
// sequence number, with the same member key, blinded message and member
// signature for this issuer. The member's signature alone is not enough: a
// node with one member's key could sign any number of blinded messages
// and, served as requests, collect a credential for each. A node can still
// withhold requests (a liveness fault the record shows), never invent one.
func CheckPending(page election.PendingPage, chainID string, trusted *types.ValidatorSet, id string, issuer int) error {
	if len(page.Pending) == 0 {
		return nil
	}
	if trusted == nil {
		return fmt.Errorf("%w: no trusted validator set (from genesis)", ErrUnproven)
	}
	if len(page.Proof) == 0 {
		return fmt.Errorf("%w: pending requests of %s served without a proof", ErrUnproven, id)
	}
	p, err := proof.Unmarshal(page.Proof)
	if err != nil {
		return fmt.Errorf("%w: pending requests of %s: %v", ErrUnproven, id, err)
	}
	if p.ChainID != chainID {
		return fmt.Errorf("%w: pending requests proven for chain %q, not %q", ErrUnproven, p.ChainID, chainID)
	}
	if err := proof.Verify(p, trusted); err != nil {
		return fmt.Errorf("%w: pending requests of %s: %v", ErrUnproven, id, err)
	}
	for _, r := range page.Pending {
		raw, ok := p.Value(election.RequestKey(id, r.Seq))
		if !ok || raw == nil {
			return fmt.Errorf("%w: request %d of %s is not proven on chain", ErrUnproven, r.Seq, id)
		}
		var onChain election.CredentialRequest
		if err := json.Unmarshal(raw, &onChain); err != nil {
			return fmt.Errorf("%w: request %d of %s: %v", ErrUnproven, r.Seq, id, err)
		}
		if issuer >= len(onChain.Blinded) || issuer >= len(onChain.Signatures) ||
			onChain.Key != r.Key || onChain.Blinded[issuer] != r.Blinded || onChain.Signatures[issuer] != r.Signature {
			return fmt.Errorf("%w: request %d of %s is not the one the chain holds", ErrUnproven, r.Seq, id)
		}
	}
	return nil
}
