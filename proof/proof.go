// Package proof builds and checks self-contained proofs that a pnyx record
// held a value at a height, verifiable offline by anyone who trusts the
// chain's validator set — not the node that served the proof.
//
// A StateProof carries one or more records (key and value, each with an
// ICS-23 Merkle proof against the same AppHash), the header that commits to
// that AppHash, the commit with the validators' signatures, and the
// validator set. A single read proves one entry; a certificate proves every
// record it cites under one header. Verify checks, in order:
//
//  1. the header is well formed and belongs to the named chain;
//  2. the validator set hashes to the header's ValidatorsHash;
//  3. validators with more than two thirds of the voting power signed the
//     header (CometBFT light-client verification, VerifyCommitLight);
//  4. the header is the one right after the proven state version (the AppHash
//     of state version H appears in header H+1);
//  5. every entry's ICS-23 proof leads from its key and value (or absence)
//     to that AppHash;
//  6. if the verifier names trusted validators (from genesis), the set that
//     signed is that set, or the one the proof's handoffs lead to from it
//     (FollowHandoffs): the validator set changes by transaction, and each
//     change is carried as the header, signed by the set trusted so far,
//     that names the next set.
//
// Without step 6 a proof is only as good as the validator set it carries, so
// the pnyx CLI prints the set's hash for the reader to compare.
package proof

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	ics23 "github.com/cosmos/ics23/go"
)

// FormatVersion is the version of the StateProof JSON format.
const FormatVersion = 1

// StateProof is records with everything needed to check them offline.
type StateProof struct {
	Format  int    `json:"format"`
	ChainID string `json:"chain_id"`
	// StateVersion is the height whose post-state the proof is about.
	StateVersion int64               `json:"state_version"`
	Entries      []Entry             `json:"entries"`
	Header       *types.SignedHeader `json:"signed_header"`
	Validators   *types.ValidatorSet `json:"validators"`
	// Handoffs lead from the genesis validators to Validators, one per
	// change of the set, oldest first; none while the set is genesis's.
	Handoffs []Handoff `json:"handoffs,omitempty"`
}

// Handoff is one change of the validator set: a header signed by the set
// trusted so far whose NextValidatorsHash names Next, the set that signs
// from two blocks later on. A validator update made in block H takes effect
// at H+2, so the handoff of a change made in block H is header H+1.
type Handoff struct {
	Header *types.SignedHeader `json:"signed_header"`
	Next   *types.ValidatorSet `json:"next_validators"`
}

// Entry is one proven record.
type Entry struct {
	// Key is the store key; Value the stored bytes, or null when the proof
	// shows the key is absent.
	Key   []byte `json:"key"`
	Value []byte `json:"value"`
	// MerkleProof is the ICS-23 CommitmentProof, protobuf-encoded.
	MerkleProof []byte `json:"merkle_proof"`
}

// Value returns the proven value of key and whether the proof covers key.
func (p *StateProof) Value(key []byte) ([]byte, bool) {
	for _, e := range p.Entries {
		if bytes.Equal(e.Key, key) {
			return e.Value, true
		}
	}
	return nil, false
}

// State is the committed state a proof is built from: a store snapshot of
// one version, which proves a key's value (or its absence) with an ICS-23
// commitment proof against its root hash. Package proof names no store, so
// a verifier links only CometBFT's types and cosmos/ics23.
type State interface {
	Version() int64
	Prove(key []byte) (value []byte, proof *ics23.CommitmentProof, err error)
}

// Source is what Build needs from a running node.
type Source interface {
	SignedHeader(height int64) (*types.SignedHeader, error)
	Validators(height int64) (*types.ValidatorSet, error)
}

// Build proves key in snapshot snap, using header snap.Version()+1 from src.
func Build(chainID string, snap State, key []byte, src Source) (*StateProof, error) {
	return BuildMany(chainID, snap, [][]byte{key}, src)
}

// BuildMany proves several keys of one snapshot under one header.
func BuildMany(chainID string, snap State, keys [][]byte, src Source) (*StateProof, error) {
	entries := make([]Entry, 0, len(keys))
	for _, key := range keys {
		value, mp, err := snap.Prove(key)
		if err != nil {
			return nil, err
		}
		raw, err := mp.Marshal()
		if err != nil {
			return nil, err
		}
		entries = append(entries, Entry{Key: key, Value: value, MerkleProof: raw})
	}
	h := snap.Version() + 1
	sh, err := src.SignedHeader(h)
	if err != nil {
		return nil, fmt.Errorf("proof: header %d: %w", h, err)
	}
	vals, err := src.Validators(h)
	if err != nil {
		return nil, fmt.Errorf("proof: validators %d: %w", h, err)
	}
	return &StateProof{Format: FormatVersion, ChainID: chainID, StateVersion: snap.Version(), Entries: entries, Header: sh, Validators: vals}, nil
}

// AddHandoffs sets p's handoffs from the blocks whose validator updates
// changed the set (changes, in any order; package validator records them),
// with the headers and sets from src. Changes that take effect after the
// set that signed p's header are left out.
func AddHandoffs(p *StateProof, changes []int64, src Source) error {
	hs := make([]int64, 0, len(changes))
	for _, h := range changes {
		if h+2 <= p.Header.Height {
			hs = append(hs, h)
		}
	}
	slices.Sort(hs)
	hs = slices.Compact(hs)
	p.Handoffs = make([]Handoff, 0, len(hs))
	for _, h := range hs {
		sh, err := src.SignedHeader(h + 1)
		if err != nil {
			return fmt.Errorf("proof: handoff header %d: %w", h+1, err)
		}
		next, err := src.Validators(h + 2)
		if err != nil {
			return fmt.Errorf("proof: validators %d: %w", h+2, err)
		}
		p.Handoffs = append(p.Handoffs, Handoff{Header: sh, Next: next})
	}
	if len(p.Handoffs) == 0 {
		p.Handoffs = nil
	}
	return nil
}

// FollowHandoffs returns the validator set that trusted hands over to
// through hs: each handoff's header must be signed by more than 2/3 of the
// set trusted so far, lie before height below, and come after the one
// before it, and its NextValidatorsHash must be the hash of its Next, which
// is trusted from then on. A node cannot skip a change: the next handoff (or
// the proof's header) would then be signed by a set other than the one
// trusted. Like any light client, this trusts that the keys of a set that
// has been replaced were not later used to sign a different history.
func FollowHandoffs(chainID string, trusted *types.ValidatorSet, hs []Handoff, below int64) (*types.ValidatorSet, error) {
	var last int64
	for i, h := range hs {
		if h.Header == nil || h.Header.Header == nil || h.Header.Commit == nil || h.Next == nil {
			return nil, fmt.Errorf("%w: handoff %d is incomplete", ErrFormat, i)
		}
		height := h.Header.Height
		if height <= last || height >= below {
			return nil, fmt.Errorf("%w: handoff %d at height %d is out of order", ErrHandoff, i, height)
		}
		if err := h.Header.ValidateBasic(chainID); err != nil {
			return nil, fmt.Errorf("%w: handoff %d: %v", ErrHeader, i, err)
		}
		if !bytes.Equal(h.Header.ValidatorsHash, trusted.Hash()) {
			return nil, fmt.Errorf("%w: handoff %d at height %d is signed by a set not trusted there", ErrHandoff, i, height)
		}
		if err := trusted.VerifyCommitLight(chainID, h.Header.Commit.BlockID, height, h.Header.Commit); err != nil {
			return nil, fmt.Errorf("%w: handoff %d: %v", ErrSignatures, i, err)
		}
		if err := h.Next.ValidateBasic(); err != nil || !bytes.Equal(h.Next.Hash(), h.Header.NextValidatorsHash) {
			return nil, fmt.Errorf("%w: handoff %d at height %d: the next set is not the one the header names", ErrHandoff, i, height)
		}
		trusted, last = h.Next, height
	}
	return trusted, nil
}

// Marshal encodes a proof as JSON (CometBFT's JSON for its types).
func Marshal(p *StateProof) ([]byte, error) { return cmtjson.MarshalIndent(p, "", "  ") }

// Unmarshal decodes a proof.
func Unmarshal(b []byte) (*StateProof, error) {
	var p StateProof
	if err := cmtjson.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("proof: decode: %w", err)
	}
	return &p, nil
}

// Errors name the step that failed.
var (
	ErrFormat        = errors.New("proof: unsupported or incomplete proof")
	ErrHeader        = errors.New("proof: header is malformed or for another chain")
	ErrValidatorSet  = errors.New("proof: validator set does not match the header")
	ErrSignatures    = errors.New("proof: header lacks signatures of more than 2/3 of the voting power")
	ErrHeight        = errors.New("proof: header is not the one that commits this state version")
	ErrMerkle        = errors.New("proof: Merkle proof does not lead to the header's AppHash")
	ErrUntrustedVals = errors.New("proof: the signing validators are not the trusted ones")
	ErrHandoff       = errors.New("proof: the validator handoffs do not lead from the trusted set to the signing one")
)

// Verify checks p as the package doc describes. trusted may be nil.
func Verify(p *StateProof, trusted *types.ValidatorSet) error {
	if p.Format != FormatVersion || p.Header == nil || p.Header.Header == nil || p.Header.Commit == nil || p.Validators == nil || len(p.Entries) == 0 {
		return ErrFormat
	}
	if err := p.Header.ValidateBasic(p.ChainID); err != nil {
		return fmt.Errorf("%w: %v", ErrHeader, err)
	}
	if err := p.Validators.ValidateBasic(); err != nil {
		return fmt.Errorf("%w: %v", ErrValidatorSet, err)
	}
	if !bytes.Equal(p.Validators.Hash(), p.Header.ValidatorsHash) {
		return ErrValidatorSet
	}
	if err := p.Validators.VerifyCommitLight(p.ChainID, p.Header.Commit.BlockID, p.Header.Height, p.Header.Commit); err != nil {
		return fmt.Errorf("%w: %v", ErrSignatures, err)
	}
	if p.Header.Height != p.StateVersion+1 {
		return fmt.Errorf("%w: header %d, state version %d", ErrHeight, p.Header.Height, p.StateVersion)
	}
	for _, e := range p.Entries {
		var mp ics23.CommitmentProof
		if err := mp.Unmarshal(e.MerkleProof); err != nil {
			return fmt.Errorf("%w: %q: %v", ErrMerkle, e.Key, err)
		}
		if !verifyMerkle(p.Header.AppHash, &mp, e.Key, e.Value) {
			return fmt.Errorf("%w: %q", ErrMerkle, e.Key)
		}
	}
	if trusted != nil {
		signer, err := FollowHandoffs(p.ChainID, trusted, p.Handoffs, p.Header.Height)
		if err != nil {
			return err
		}
		if !bytes.Equal(signer.Hash(), p.Validators.Hash()) {
			return ErrUntrustedVals
		}
	}
	return nil
}

// verifyMerkle checks an ICS-23 proof of key's value, or of its absence when
// value is nil, against root. pnyx's state is an IAVL tree, so the proof
// must follow ics23.IavlSpec: its leaf and inner-node hashing, which is what
// makes the proof bind to this tree's root and nothing else.
func verifyMerkle(root []byte, mp *ics23.CommitmentProof, key, value []byte) bool {
	if value == nil {
		return ics23.VerifyNonMembership(ics23.IavlSpec, root, mp, key)
	}
	return ics23.VerifyMembership(ics23.IavlSpec, root, mp, key, value)
}

// TrustedFromGenesis returns the validator set a genesis document names.
func TrustedFromGenesis(g *types.GenesisDoc) (*types.ValidatorSet, error) {
	vals := make([]*types.Validator, len(g.Validators))
	for i, v := range g.Validators {
		vals[i] = types.NewValidator(v.PubKey, v.Power)
	}
	set := types.NewValidatorSet(vals)
	if err := set.ValidateBasic(); err != nil {
		return nil, err
	}
	return set, nil
}

// TrustedFromGenesisFile reads a genesis file and returns the validator set
// it names and its chain ID.
func TrustedFromGenesisFile(path string) (*types.ValidatorSet, string, error) {
	g, err := types.GenesisDocFromFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("genesis %s: %w", path, err)
	}
	vals, err := TrustedFromGenesis(g)
	if err != nil {
		return nil, "", err
	}
	return vals, g.ChainID, nil
}
