package proof

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/internal/store"
)

// era is a validator set and the first height it signs.
type era struct {
	from  int64
	vals  *types.ValidatorSet
	privs []types.PrivValidator
}

// changingChain is a network whose validator set changed by transaction:
// the set of eras[i] signs from eras[i].from on, and every header names the
// set of the next height as CometBFT's do.
type changingChain struct {
	t       *testing.T
	eras    []era
	appHash []byte
}

func (c *changingChain) era(h int64) era {
	e := c.eras[0]
	for _, x := range c.eras {
		if x.from <= h {
			e = x
		}
	}
	return e
}

func (c *changingChain) SignedHeader(h int64) (*types.SignedHeader, error) {
	e := c.era(h)
	return signHeader(c.t, h, e.vals, c.era(h+1).vals, e.privs, c.appHash), nil
}

func (c *changingChain) Validators(h int64) (*types.ValidatorSet, error) { return c.era(h).vals, nil }

// A council changed the validators in block 8 (in force from 10) and again
// in block 14 (from 16); a record is read at state version 19, so header 20
// signs it. The genesis set alone cannot vouch for that header; the two
// handoffs, headers 9 and 15, lead to it.
func setupChanges(t *testing.T) (*StateProof, *changingChain, []int64) {
	s := store.OpenMemory()
	for v := 1; v <= 19; v++ {
		s.Set([]byte("tok/bal/m1"), []byte{byte(v)})
		s.Commit()
	}
	snap, err := s.Snapshot(19)
	if err != nil {
		t.Fatal(err)
	}
	chain := &changingChain{t: t, appHash: snap.Hash()}
	for _, from := range []int64{1, 10, 16} {
		vals, privs := types.RandValidatorSet(4, 10)
		chain.eras = append(chain.eras, era{from: from, vals: vals, privs: privs})
	}
	p, err := Build("pnyx-test", snap, []byte("tok/bal/m1"), chain)
	if err != nil {
		t.Fatal(err)
	}
	// Block 19's change takes effect at 21, after the header: not carried.
	changes := []int64{14, 8, 19, 8}
	if err := AddHandoffs(p, changes, chain); err != nil {
		t.Fatal(err)
	}
	return p, chain, changes
}

func TestProofAfterValidatorChangesVerifiesAgainstGenesis(t *testing.T) {
	p, chain, _ := setupChanges(t)
	genesis := chain.eras[0].vals
	if len(p.Handoffs) != 2 || p.Handoffs[0].Header.Height != 9 || p.Handoffs[1].Header.Height != 15 {
		t.Fatalf("handoffs at %v, want headers 9 and 15", handoffHeights(p))
	}
	raw, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(back, genesis); err != nil {
		t.Fatalf("proof signed by the third set, handed over twice from genesis: %v", err)
	}
	// Without the handoffs the genesis set cannot vouch for the header
	// (what `pnyx verify proof --genesis` said for every proof after a
	// change before handoffs existed).
	back.Handoffs = nil
	if err := Verify(back, genesis); !errors.Is(err, ErrUntrustedVals) {
		t.Fatalf("without handoffs: got %v, want ErrUntrustedVals", err)
	}
}

func TestHandoffsThatDoNotLeadToTheSignerFail(t *testing.T) {
	other, otherPrivs := types.RandValidatorSet(4, 10)
	cases := []struct {
		name   string
		mutate func(*StateProof, *changingChain)
		want   error
	}{
		{"first change left out", func(p *StateProof, _ *changingChain) { p.Handoffs = p.Handoffs[1:] }, ErrHandoff},
		{"last change left out", func(p *StateProof, _ *changingChain) { p.Handoffs = p.Handoffs[:1] }, ErrUntrustedVals},
		{"out of order", func(p *StateProof, _ *changingChain) { p.Handoffs[0], p.Handoffs[1] = p.Handoffs[1], p.Handoffs[0] }, ErrHandoff},
		{"next set swapped", func(p *StateProof, _ *changingChain) { p.Handoffs[0].Next = other }, ErrHandoff},
		{"forged signature", func(p *StateProof, _ *changingChain) { p.Handoffs[1].Header.Commit.Signatures[0].Signature[0] ^= 1 }, ErrSignatures},
		{"incomplete", func(p *StateProof, _ *changingChain) { p.Handoffs[0].Next = nil }, ErrFormat},
		{"other chain's header", func(p *StateProof, _ *changingChain) { p.Handoffs[0].Header.ChainID = "pnyx-evil" }, ErrHeader},
		{"handoff after the proof's header", func(p *StateProof, c *changingChain) {
			late, _ := c.SignedHeader(p.Header.Height)
			p.Handoffs = append(p.Handoffs, Handoff{Header: late, Next: p.Validators})
		}, ErrHandoff},
		{"a set of its own signs a handoff to itself", func(p *StateProof, c *changingChain) {
			// A node with keys of its own forges a handoff; the genesis set
			// did not sign it.
			c.eras = []era{{from: 1, vals: other, privs: otherPrivs}}
			forged, _ := c.SignedHeader(9)
			p.Handoffs[0] = Handoff{Header: forged, Next: p.Handoffs[0].Next}
		}, ErrHandoff},
	}
	for _, tc := range cases {
		p, chain, _ := setupChanges(t)
		genesis := chain.eras[0].vals
		tc.mutate(p, chain)
		if err := Verify(p, genesis); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

// Two of the four genesis validators are not enough to hand over.
func TestHandoffNeedsTwoThirdsOfTheTrustedSet(t *testing.T) {
	p, chain, _ := setupChanges(t)
	c := p.Handoffs[0].Header.Commit
	for i := 2; i < len(c.Signatures); i++ {
		c.Signatures[i] = types.NewCommitSigAbsent()
	}
	if err := Verify(p, chain.eras[0].vals); !errors.Is(err, ErrSignatures) {
		t.Fatalf("half the genesis set signing the handoff: got %v", err)
	}
}

// A proof made while the set is genesis's carries no handoffs, so its JSON
// is what it was before handoffs existed.
func TestProofWithoutChangesHasNoHandoffField(t *testing.T) {
	snap, chain := setup(t)
	p, err := Build("pnyx-test", snap, []byte("tok/bal/m1"), chain)
	if err != nil {
		t.Fatal(err)
	}
	if err := AddHandoffs(p, nil, chain); err != nil {
		t.Fatal(err)
	}
	raw, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("handoffs")) {
		t.Fatalf("a proof without changes names handoffs:\n%s", raw)
	}
	if err := Verify(p, chain.vals); err != nil {
		t.Fatal(err)
	}
}

func handoffHeights(p *StateProof) []int64 {
	var hs []int64
	for _, h := range p.Handoffs {
		hs = append(hs, h.Header.Height)
	}
	return hs
}
