package proof

import (
	"errors"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/internal/store"
)

// fakeChain signs headers whose AppHash is a store snapshot's root, with
// four validators, as a real network would.
type fakeChain struct {
	t       *testing.T
	vals    *types.ValidatorSet
	privs   []types.PrivValidator
	appHash []byte
	signers int // how many validators sign
}

func (f *fakeChain) SignedHeader(h int64) (*types.SignedHeader, error) {
	sh := signHeader(f.t, h, f.vals, f.vals, f.privs, f.appHash)
	for i := f.signers; i < len(sh.Commit.Signatures); i++ {
		sh.Commit.Signatures[i] = types.NewCommitSigAbsent() // this validator's vote is missing
	}
	return sh, nil
}

// signHeader makes header h of chain pnyx-test, committing to appHash,
// signed by every validator of vals (privs in vals' order) and naming next
// as the following height's set.
func signHeader(t *testing.T, h int64, vals, next *types.ValidatorSet, privs []types.PrivValidator, appHash []byte) *types.SignedHeader {
	t.Helper()
	header := &types.Header{
		ChainID: "pnyx-test", Height: h, Time: time.Unix(1_700_000_000+h, 0).UTC(),
		ValidatorsHash: vals.Hash(), NextValidatorsHash: next.Hash(), AppHash: appHash,
		ProposerAddress: vals.Validators[0].Address,
	}
	header.Version.Block = 11
	blockID := types.BlockID{Hash: header.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: make([]byte, 32)}}
	voteSet := types.NewVoteSet("pnyx-test", h, 0, cmtproto.PrecommitType, vals)
	ext, err := types.MakeExtCommit(blockID, h, 0, voteSet, privs, header.Time, false)
	if err != nil {
		t.Fatal(err)
	}
	return &types.SignedHeader{Header: header, Commit: ext.ToCommit()}
}

func (f *fakeChain) Validators(int64) (*types.ValidatorSet, error) { return f.vals, nil }

func setup(t *testing.T) (*store.Snapshot, *fakeChain) {
	s := store.OpenMemory()
	s.Set([]byte("tok/bal/m1"), []byte(`{"member":"m1","points":100}`))
	s.Set([]byte("tok/bal/m3"), []byte(`{"member":"m3","points":5}`))
	s.Commit()
	snap, err := s.Snapshot(1)
	if err != nil {
		t.Fatal(err)
	}
	vals, privs := types.RandValidatorSet(4, 10)
	return snap, &fakeChain{t: t, vals: vals, privs: privs, appHash: snap.Hash(), signers: 4}
}

func TestProofVerifiesAndRoundTrips(t *testing.T) {
	snap, chain := setup(t)
	for _, key := range []string{"tok/bal/m1", "tok/bal/m2"} { // present, absent
		p, err := Build("pnyx-test", snap, []byte(key), chain)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Unmarshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(back, chain.vals); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
}

// Several records under one header: all verify, and one bad entry fails all.
func TestMultiEntryProof(t *testing.T) {
	snap, chain := setup(t)
	p, err := BuildMany("pnyx-test", snap, [][]byte{[]byte("tok/bal/m1"), []byte("tok/bal/m2"), []byte("tok/bal/m3")}, chain)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(p, chain.vals); err != nil {
		t.Fatal(err)
	}
	if v, ok := p.Value([]byte("tok/bal/m3")); !ok || string(v) != `{"member":"m3","points":5}` {
		t.Fatalf("Value(m3) = %q %v", v, ok)
	}
	p.Entries[2].Value = []byte(`{"member":"m3","points":6}`)
	if err := Verify(p, chain.vals); !errors.Is(err, ErrMerkle) {
		t.Fatalf("tampered third entry: %v", err)
	}
}

func TestProofRejections(t *testing.T) {
	snap, chain := setup(t)
	build := func() *StateProof {
		p, err := Build("pnyx-test", snap, []byte("tok/bal/m1"), chain)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	other, _ := types.RandValidatorSet(4, 10)
	cases := []struct {
		name    string
		mutate  func(*StateProof)
		trusted *types.ValidatorSet
		want    error
	}{
		{"changed value", func(p *StateProof) { p.Entries[0].Value = []byte(`{"member":"m1","points":900}`) }, nil, ErrMerkle},
		{"claimed absent", func(p *StateProof) { p.Entries[0].Value = nil }, nil, ErrMerkle},
		{"other key", func(p *StateProof) { p.Entries[0].Key = []byte("tok/bal/m3") }, nil, ErrMerkle},
		{"no entries", func(p *StateProof) { p.Entries = nil }, nil, ErrFormat},
		{"other chain", func(p *StateProof) { p.ChainID = "pnyx-evil" }, nil, ErrHeader},
		{"changed app hash", func(p *StateProof) { p.Header.AppHash = make([]byte, 32) }, nil, ErrHeader},
		{"forged signature", func(p *StateProof) { p.Header.Commit.Signatures[0].Signature[0] ^= 1 }, nil, ErrSignatures},
		{"wrong state version", func(p *StateProof) { p.StateVersion++ }, nil, ErrHeight},
		{"swapped validator set", func(p *StateProof) { p.Validators = other }, nil, ErrValidatorSet},
		{"untrusted validators", func(*StateProof) {}, other, ErrUntrustedVals},
		{"missing header", func(p *StateProof) { p.Header = nil }, nil, ErrFormat},
	}
	for _, c := range cases {
		p := build()
		c.mutate(p)
		if err := Verify(p, c.trusted); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	// Two of four validators are not more than two thirds.
	chain.signers = 2
	if err := Verify(build(), nil); !errors.Is(err, ErrSignatures) {
		t.Errorf("half the signatures: got %v", err)
	}
	chain.signers = 3
	if err := Verify(build(), chain.vals); err != nil {
		t.Errorf("three of four signatures: %v", err)
	}
}
