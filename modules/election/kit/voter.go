package kit

// The voter's part: the one-time key and blinded requests, unblinding the
// answers into credentials, encrypting a ballot, and the anonymous
// transactions that carry it.

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/tx"
)

// Voter is a voter's per-election secrets, all from one seed: the one-time
// key and the blinding of each credential request.
type Voter struct {
	Seed    [32]byte
	Key     *ballot.OneTimeKey
	pending []*credential.Pending
}

// NewVoter derives the voter's one-time key from seed.
func NewVoter(seed [32]byte) (*Voter, error) {
	k, err := ballot.NewOneTimeKey(Stream(seed, "one-time-key", 0))
	if err != nil {
		return nil, err
	}
	return &Voter{Seed: seed, Key: k}, nil
}

// Request builds the credential request, signed by the member's key. It
// also restores the blinding state Finalize needs (same seed, same state).
func (v *Voter) Request(e *election.Election, member ed25519.PrivateKey) (election.RequestBody, error) {
	b := election.RequestBody{Election: e.ID}
	v.pending = nil
	for i, pk := range e.IssuerPublicKeys() {
		req, p, err := credential.NewRequest(Stream(v.Seed, "request", i), pk, uint32(i), e.EID(), v.Key.Bytes[:], member)
		if err != nil {
			return election.RequestBody{}, err
		}
		v.pending = append(v.pending, p)
		b.Blinded = append(b.Blinded, hex.EncodeToString(req.Blinded))
		b.Signatures = append(b.Signatures, hex.EncodeToString(req.Signature))
	}
	return b, nil
}

// Credentials unblinds the issuers' answers to request seq from state.
func (v *Voter) Credentials(kv store.Reader, e *election.Election, member ed25519.PrivateKey, seq uint64) ([][]byte, error) {
	if v.pending == nil {
		if _, err := v.Request(e, member); err != nil {
			return nil, err
		}
	}
	var creds [][]byte
	for i := range e.Issuers {
		bs := kv.Get(election.BlindSigKey(e.ID, seq, i))
		if bs == nil {
			return nil, fmt.Errorf("issuer %d has not answered request %d yet", i, seq)
		}
		c, err := v.pending[i].Finalize(bs)
		if err != nil {
			return nil, fmt.Errorf("issuer %d: %w", i, err)
		}
		creds = append(creds, c)
	}
	return creds, nil
}

// Encrypt makes a ballot for choices[contest][option].
func (v *Voter) Encrypt(c *ballot.Election, creds [][]byte, choices [][]uint32) (*ballot.Ballot, *ballot.Reveal, error) {
	return ballot.Encrypt(rand.Reader, c, v.Key, creds, choices)
}

// PublicContext builds the context ballots are made against, from state.
func PublicContext(e *election.Election) (*ballot.Election, error) {
	if e.JointKey == "" || slices.Contains(e.IssuerKeys, "") {
		return nil, fmt.Errorf("election %s has no joint key or issuer keys yet", e.ID)
	}
	raw, err := hex.DecodeString(e.JointKey)
	if err != nil {
		return nil, fmt.Errorf("election %s: joint key: %w", e.ID, err)
	}
	jk, err := group.DecodeElement(raw)
	if err != nil {
		return nil, fmt.Errorf("election %s: joint key: %w", e.ID, err)
	}
	return ballot.NewElection(e.DecodedManifest(), jk, e.IssuerPublicKeys())
}

// AnonymousTx wraps a body as an anonymous transaction: zero signer,
// nonce and signature.
func AnonymousTx(chainID, typ string, body any) ([]byte, error) {
	env := &tx.Envelope{ChainID: chainID, Type: typ, Signer: make([]byte, ed25519.PublicKeySize), Signature: make([]byte, ed25519.SignatureSize)}
	if err := env.SetBody(body); err != nil {
		return nil, err
	}
	return env.Encode(), nil
}

// BallotTx is the anonymous transaction casting b.
func BallotTx(chainID string, b *ballot.Ballot) []byte {
	raw, _ := AnonymousTx(chainID, election.TypeBallot, election.BallotBody{Ballot: base64.StdEncoding.EncodeToString(b.Bytes())})
	return raw
}

// SpoilTx is the anonymous transaction publishing a Benaloh challenge: the
// ballot with its reveal under the voter's own one-time key, which shows
// how that key was likely to vote. Only elections of record version 2 and 3
// accept it (413 ballot_spoil_refused otherwise); the reference clients
// never send it. It stays for tests and scenarios of those elections.
func SpoilTx(chainID string, b *ballot.Ballot, rv *ballot.Reveal) []byte {
	raw, _ := AnonymousTx(chainID, election.TypeSpoil, election.SpoilBody{Ballot: base64.StdEncoding.EncodeToString(b.Bytes()),
		Reveal: base64.StdEncoding.EncodeToString(ballot.EncodeReveal(rv))})
	return raw
}
