package verified

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cometbft/cometbft/types"

	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/proof"
)

// issuance is an election with one issuer and two members' credential
// requests on chain, and a node that serves the issuer's pending index.
type issuance struct {
	e      *election.Election
	is     *credential.Issuer
	member ed25519.PrivateKey // the first requester's key, which a hostile node also holds
	honest election.PendingPage
	sig    *signer
}

func newIssuance(t *testing.T) *issuance {
	t.Helper()
	sk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is, err := credential.NewIssuer(sk)
	if err != nil {
		t.Fatal(err)
	}
	eid := sha256.Sum256([]byte("issuance-test"))
	e := &election.Election{ID: "e1", ElectionID: hex.EncodeToString(eid[:]), Issuers: []string{"i1"}, Status: election.PhaseIssuing}
	s := store.OpenMemory()
	put := func(k []byte, v any) {
		raw, _ := json.Marshal(v)
		s.Set(k, raw)
	}
	put(election.ElectionKey(e.ID), e)
	put(election.TallyKey(e.ID), election.Tally{Requests: 2})
	var first ed25519.PrivateKey
	for seq := range uint64(2) {
		_, member, _ := ed25519.GenerateKey(rand.Reader)
		if seq == 0 {
			first = member
		}
		put(election.RequestKey(e.ID, seq), requestOf(t, is, eid, member, seq))
	}
	s.Commit()
	snap, err := s.Snapshot(1)
	if err != nil {
		t.Fatal(err)
	}
	vals, privs := types.RandValidatorSet(4, 10)
	src := &signer{t: t, vals: vals, privs: privs, appHash: snap.Hash()}
	page, err := election.Pending(snap, e, 0, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	keys := [][]byte{election.RequestKey(e.ID, 0), election.RequestKey(e.ID, 1)}
	p, err := proof.BuildMany(chainID, snap, keys, src)
	if err != nil {
		t.Fatal(err)
	}
	if page.Proof, err = proof.Marshal(p); err != nil {
		t.Fatal(err)
	}
	return &issuance{e: e, is: is, member: first, honest: page, sig: src}
}

// requestOf is a member's real request, as `pnyx election request` makes it.
func requestOf(t *testing.T, is *credential.Issuer, eid [32]byte, member ed25519.PrivateKey, seq uint64) election.CredentialRequest {
	t.Helper()
	otk := make([]byte, 32)
	rand.Read(otk)
	req, _, err := credential.NewRequest(rand.Reader, is.PublicKey(), 0, eid, otk, member)
	if err != nil {
		t.Fatal(err)
	}
	return election.CredentialRequest{Seq: seq, Key: hex.EncodeToString(req.Member), Blinded: []string{hex.EncodeToString(req.Blinded)}, Signatures: []string{hex.EncodeToString(req.Signature)}}
}

// run is the issuer's run against a node serving page, vetting each page
// with check (nil: no vetting); it returns what the issuer sent.
func (x *issuance) run(page election.PendingPage, check func(election.PendingPage) error) ([]election.IssueEntry, error) {
	var sent []election.IssueEntry
	r := &kit.IssueRun{Election: x.e, Issuer: x.is, Index: 0, Workers: 1,
		Fetch: func(_ context.Context, from uint64, _ int) (election.PendingPage, error) {
			if from > 0 {
				return election.PendingPage{From: from, Next: page.Requests, Requests: page.Requests}, nil
			}
			return page, nil
		},
		Check: check,
		Send: func(_ context.Context, b election.IssueBody) (func() error, error) {
			sent = append(sent, b.Entries...)
			return func() error { return nil }, nil
		},
	}
	_, err := r.Run(context.Background())
	return sent, err
}

// A node holding one member's key invents requests: the member's key signs
// a blinded message of the node's choosing, served as a pending request the
// chain never logged. An issuer that signed it would hand the node a second
// credential for that member — a ballot for someone who abstained. The
// issuer now signs only requests proven on chain under the genesis
// validators, and signs nothing from a page with one invented request.
func TestIssuerSignsNoRequestTheChainDoesNotHold(t *testing.T) {
	x := newIssuance(t)
	check := func(p election.PendingPage) error { return CheckPending(p, chainID, x.sig.vals, x.e.ID, 0) }

	// The honest page is proven and signed in full.
	sent, err := x.run(x.honest, check)
	if err != nil || len(sent) != 2 {
		t.Fatalf("honest page: sent %d answers, err %v", len(sent), err)
	}

	invented := requestOf(t, x.is, x.e.EID(), x.member, 2)
	hostile := x.honest
	hostile.Pending = append(append([]election.PendingRequest{}, x.honest.Pending...),
		election.PendingRequest{Seq: 2, Key: invented.Key, Blinded: invented.Blinded[0], Signature: invented.Signatures[0]})
	hostile.Next, hostile.Requests = 3, 3

	// Unvetted, as the issuer tool was: the member's signature checks out,
	// so the invented request is signed and its answer reaches the node.
	sent, err = x.run(hostile, nil)
	if err != nil || len(sent) != 3 {
		t.Fatalf("unvetted issuer: sent %d answers, err %v; the attack should have worked without the check", len(sent), err)
	}

	// Vetted: nothing from that page is signed.
	sent, err = x.run(hostile, check)
	if !errors.Is(err, ErrUnproven) || len(sent) != 0 {
		t.Fatalf("invented request: sent %d answers, err %v", len(sent), err)
	}

	// A real request with another blinded message is refused as well.
	swapped := x.honest
	swapped.Pending = append([]election.PendingRequest{}, x.honest.Pending...)
	swapped.Pending[1].Blinded = invented.Blinded[0]
	if err := check(swapped); !errors.Is(err, ErrUnproven) {
		t.Fatalf("swapped blinded message: %v", err)
	}

	// So are a page without its proof and a proof by other validators.
	bare := x.honest
	bare.Proof = nil
	if err := check(bare); !errors.Is(err, ErrUnproven) {
		t.Fatalf("page without a proof: %v", err)
	}
	others, _ := types.RandValidatorSet(4, 10)
	if err := CheckPending(x.honest, chainID, others, x.e.ID, 0); !errors.Is(err, ErrUnproven) {
		t.Fatalf("proof by validators the issuer does not trust: %v", err)
	}
	if err := CheckPending(x.honest, "other-chain", x.sig.vals, x.e.ID, 0); !errors.Is(err, ErrUnproven) {
		t.Fatalf("proof for another chain: %v", err)
	}
}
