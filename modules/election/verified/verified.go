// Package verified reads election state from a node the reader does not
// trust. Every value comes with a state proof (package proof) that must
// verify against validators the reader trusts from genesis: the header is
// signed by more than two thirds of exactly that set, and the value's
// ICS-23 proof leads to the header's AppHash. A node can then withhold
// state, or serve an older state, but never invent it — no fake complaint,
// no other ceremony hash, no other HPKE keys.
//
// A trustee's kit uses it like this:
//
//	st := &verified.State{ChainID: id, Trusted: vals, Fetch: verified.FromClient(ctx, c)}
//	typ, body, waiting, err := verified.TrusteeStep(st, "chair-2026", seed, l, mem)
//
// where vals comes from the genesis file (proof.TrustedFromGenesis) and mem
// is the trustee's kit.TrusteeMemory.
package verified

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

// ErrUnproven is returned for a value that comes without a valid proof.
var ErrUnproven = errors.New("verified: the node served state without a valid proof")

// State is a store.Reader over proven values. Reads stop at the first
// failure: Get returns nil from then on and Err says why, so a caller
// checks Err before acting on what it read.
type State struct {
	ChainID string
	// Trusted is the validator set from genesis; required.
	Trusted *types.ValidatorSet
	// Fetch returns a proof of key's value (or absence) at some committed
	// version.
	Fetch func(key []byte) (*proof.StateProof, error)
	// Err holds the first failure.
	Err error

	version int64
	time    time.Time
}

// Get returns the proven value of key, or nil when the proof shows it
// absent or any read failed.
func (s *State) Get(key []byte) []byte {
	if s.Err != nil {
		return nil
	}
	v, err := s.get(key)
	if err != nil {
		s.Err = err
		return nil
	}
	return v
}

func (s *State) get(key []byte) ([]byte, error) {
	if s.Trusted == nil {
		return nil, fmt.Errorf("%w: no trusted validator set (from genesis)", ErrUnproven)
	}
	p, err := s.Fetch(key)
	if err != nil {
		return nil, err
	}
	if p == nil || p.ChainID != s.ChainID {
		return nil, fmt.Errorf("%w: %q: no proof for chain %s", ErrUnproven, key, s.ChainID)
	}
	if err := proof.Verify(p, s.Trusted); err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrUnproven, key, err)
	}
	v, ok := p.Value(key)
	if !ok {
		return nil, fmt.Errorf("%w: the proof does not cover %q", ErrUnproven, key)
	}
	// One step's reads must not go back in time: an older state mixed in
	// with a newer one is a view no block ever had.
	if p.StateVersion < s.version {
		return nil, fmt.Errorf("%w: %q proven at version %d, after a read at %d", ErrUnproven, key, p.StateVersion, s.version)
	}
	s.version, s.time = p.StateVersion, p.Header.Time
	return v, nil
}

// Iterate is not served: every read is one proven key.
func (s *State) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	if s.Err == nil {
		s.Err = fmt.Errorf("verified: election state cannot be iterated with proofs")
	}
}

// Time is the time of the header that proved the last read: the block
// time the step judges phases by, signed by the validators.
func (s *State) Time() time.Time { return s.time }

// FromClient fetches proofs through the API's /v1/election-state/{key}?prove=1.
func FromClient(ctx context.Context, c *client.Client) func(key []byte) (*proof.StateProof, error) {
	return func(key []byte) (*proof.StateProof, error) {
		var v wire.StateValue
		if err := c.Get(ctx, "/v1/election-state/"+string(key)+"?prove=1", nil, &v); err != nil {
			return nil, err
		}
		if len(v.Proof) == 0 {
			return nil, fmt.Errorf("%w: %q served without a proof", ErrUnproven, key)
		}
		return proof.Unmarshal(v.Proof)
	}
}

// TrusteeStep is kit.TrusteeStepRemembering over proven state only:
// the election record (trustees, threshold, HPKE keys, complaints,
// ceremony hash) and every dealing the kit reads are proven, and the phase
// is judged at the proving header's time. A complaint is answered only if
// it is proven on chain, and (by the memory) for at most k-1 accusers.
func TrusteeStep(st *State, id string, seed [32]byte, l int, mem *kit.TrusteeMemory) (typ string, body any, waiting string, err error) {
	e, ok := election.Get(st, id)
	if st.Err != nil {
		return "", nil, "", st.Err
	}
	if !ok {
		return "", nil, "", fmt.Errorf("election %q does not exist (proven absent)", id)
	}
	typ, body, waiting, err = kit.TrusteeStepRemembering(st, e, seed, l, st.Time().Unix(), mem)
	if st.Err != nil {
		return "", nil, "", st.Err
	}
	return typ, body, waiting, err
}
