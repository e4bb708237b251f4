package verified

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/proof"
)

const chainID = "pnyx-test"

// signer signs headers over a store's root with a validator set, as a
// network of validators would.
type signer struct {
	t       *testing.T
	vals    *types.ValidatorSet
	privs   []types.PrivValidator
	appHash []byte
}

func (f *signer) SignedHeader(h int64) (*types.SignedHeader, error) {
	header := &types.Header{ChainID: chainID, Height: h, Time: time.Unix(1_700_000_000, 0).UTC(),
		ValidatorsHash: f.vals.Hash(), NextValidatorsHash: f.vals.Hash(), AppHash: f.appHash,
		ProposerAddress: f.vals.Validators[0].Address}
	header.Version.Block = 11
	blockID := types.BlockID{Hash: header.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: make([]byte, 32)}}
	voteSet := types.NewVoteSet(chainID, h, 0, cmtproto.PrecommitType, f.vals)
	ext, err := types.MakeExtCommit(blockID, h, 0, voteSet, f.privs, header.Time, false)
	if err != nil {
		f.t.Fatal(err)
	}
	return &types.SignedHeader{Header: header, Commit: ext.ToCommit()}, nil
}

func (f *signer) Validators(int64) (*types.ValidatorSet, error) { return f.vals, nil }

// chainState commits e and the dealings into a store and returns a
// fetcher of proofs signed by sig (nil: a fresh validator set).
func chainState(t *testing.T, e *election.Election, dealings map[int][]byte, sig *signer) (func([]byte) (*proof.StateProof, error), *signer) {
	t.Helper()
	s := store.OpenMemory()
	raw, _ := json.Marshal(e)
	s.Set(election.ElectionKey(e.ID), raw)
	for l, d := range dealings {
		s.Set(election.DealingKey(e.ID, l), d)
	}
	s.Commit()
	snap, err := s.Snapshot(1)
	if err != nil {
		t.Fatal(err)
	}
	if sig == nil {
		vals, privs := types.RandValidatorSet(4, 10)
		sig = &signer{t: t, vals: vals, privs: privs}
	}
	src := &signer{t: t, vals: sig.vals, privs: sig.privs, appHash: snap.Hash()}
	return func(key []byte) (*proof.StateProof, error) { return proof.Build(chainID, snap, key, src) }, src
}

// ceremony returns a 3-trustee, 2-threshold election whose trustees have
// all dealt and checked with no complaint, the dealings, the seeds and the
// trustees' memories.
func ceremony(t *testing.T) (*election.Election, map[int][]byte, [][32]byte, []*kit.TrusteeMemory) {
	eid := sha256.Sum256([]byte("verified-test"))
	man := &ballot.Manifest{ElectionID: eid, Title: "t", Contests: []ballot.Contest{{Title: "c", SelectionLimit: 1, OptionLimit: 1, Options: []string{"a", "b"}}}}
	e := &election.Election{ID: "e1", ElectionID: hex.EncodeToString(eid[:]), Manifest: hex.EncodeToString(man.Encode()),
		Trustees: []string{"t1", "t2", "t3"}, Threshold: 2, Status: election.PhaseCeremony,
		HPKEKeys: make([]string, 3), Dealt: make([]bool, 3), Checked: make([]bool, 3), Acks: make([]string, 3)}
	seeds := [][32]byte{{1}, {2}, {3}}
	mems := []*kit.TrusteeMemory{{}, {}, {}}
	none := store.OpenMemory()
	for l := 1; l <= 3; l++ {
		tr, _, _, err := kit.Trustee(none, e, seeds[l-1], l)
		if err != nil {
			t.Fatal(err)
		}
		e.HPKEKeys[l-1] = hex.EncodeToString(tr.HPKEKey)
	}
	dealings := map[int][]byte{}
	for l := 1; l <= 3; l++ {
		typ, body, _, err := kit.TrusteeStepRemembering(none, e, seeds[l-1], l, 0, mems[l-1])
		if err != nil || typ != election.TypeDeal {
			t.Fatalf("trustee %d: %q %v", l, typ, err)
		}
		dealings[l], _ = hex.DecodeString(body.(election.DealBody).Dealing)
	}
	e.Dealt = []bool{true, true, true}
	e.Checked = []bool{true, true, true}
	return e, dealings, seeds, mems
}

// TestProvenKitAnswersNoComplaintTheChainDoesNotHold: the honest chain
// holds no complaint. A node that serves a forged election record with
// complaints by trustees 2 and 3 against trustee 1 — under the real signed
// header, or under a header its own validators signed — gets an error
// and no answer; from the honest chain the kit simply waits.
func TestProvenKitAnswersNoComplaintTheChainDoesNotHold(t *testing.T) {
	e, dealings, seeds, mems := ceremony(t)
	honest, sig := chainState(t, e, dealings, nil)
	st := &State{ChainID: chainID, Trusted: sig.vals, Fetch: honest}
	typ, _, waiting, err := TrusteeStep(st, e.ID, seeds[0], 1, mems[0])
	if err != nil || typ != "" {
		t.Fatalf("honest chain: step %q (%s) %v, want waiting", typ, waiting, err)
	}

	forged := *e
	forged.Complaints = []election.Complaint{{Accuser: 2, Dealer: 1}, {Accuser: 3, Dealer: 1}}
	forgedFetch, _ := chainState(t, &forged, dealings, sig) // a tree the validators never signed
	realFetch := honest
	// Under the real header: the Merkle proof of the forged record does
	// not lead to the signed AppHash.
	spliced := func(key []byte) (*proof.StateProof, error) {
		p, err := forgedFetch(key)
		if err != nil {
			return nil, err
		}
		real, err := realFetch(key)
		if err != nil {
			return nil, err
		}
		p.Header = real.Header
		return p, nil
	}
	// Under its own validators' signatures.
	ownVals, _ := chainState(t, &forged, dealings, nil)
	for name, fetch := range map[string]func([]byte) (*proof.StateProof, error){"real header": spliced, "own validators": ownVals} {
		st := &State{ChainID: chainID, Trusted: sig.vals, Fetch: fetch}
		typ, body, _, err := TrusteeStep(st, e.ID, seeds[0], 1, &kit.TrusteeMemory{Dealt: mems[0].Dealt})
		if typ == election.TypeAnswer {
			t.Fatalf("%s: a forged complaint got an answer in the clear: %+v", name, body)
		}
		if !errors.Is(err, ErrUnproven) {
			t.Fatalf("%s: step %q, err %v; want ErrUnproven", name, typ, err)
		}
	}
	// Without a trusted validator set nothing is read.
	if _, _, _, err := TrusteeStep(&State{ChainID: chainID, Fetch: honest}, e.ID, seeds[0], 1, mems[0]); !errors.Is(err, ErrUnproven) {
		t.Fatalf("no trusted set: %v", err)
	}
}

// TestProvenKitAnswersAComplaintTheChainHolds: the same complaint, really
// on chain, is answered once.
func TestProvenKitAnswersAComplaintTheChainHolds(t *testing.T) {
	e, dealings, seeds, mems := ceremony(t)
	e.Complaints = []election.Complaint{{Accuser: 2, Dealer: 1}}
	fetch, sig := chainState(t, e, dealings, nil)
	st := &State{ChainID: chainID, Trusted: sig.vals, Fetch: fetch}
	typ, body, _, err := TrusteeStep(st, e.ID, seeds[0], 1, mems[0])
	if err != nil || typ != election.TypeAnswer || body.(election.AnswerBody).Accuser != 2 {
		t.Fatalf("step %q %+v %v, want an answer to trustee 2", typ, body, err)
	}
}
