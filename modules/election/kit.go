package election

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"

	"github.com/gtank/ristretto255"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/tx"
)

// This file is the client side: what trustees', issuers' and voters'
// machines compute from public chain state and their own secrets. Secrets
// are derived from a 32-byte seed that stays on the participant's machine,
// so a trustee or voter keeps one seed per election and rebuilds its state
// from the seed and the chain at every step.

// Stream returns a deterministic reader for (seed, purpose, index).
func Stream(seed [32]byte, purpose string, i int) io.Reader {
	h := sha256.New()
	h.Write([]byte("pnyx/election/kit/v1\x00"))
	h.Write(seed[:])
	h.Write([]byte(purpose))
	binary.Write(h, binary.BigEndian, uint64(i))
	var s [32]byte
	h.Sum(s[:0])
	return &chacha{mrand.NewChaCha8(s)}
}

// NewSeed draws a fresh seed.
func NewSeed() [32]byte {
	var s [32]byte
	if _, err := io.ReadFull(rand.Reader, s[:]); err != nil {
		panic(err)
	}
	return s
}

// Params returns the ceremony parameters of e.
func (e *Election) Params() ceremony.Params { return e.params() }

// Manifest returns e's decoded manifest.
func (e *Election) DecodedManifest() *ballot.Manifest { return e.manifest() }

// TrusteeIndex returns member's trustee index (1..n), or 0.
func (e *Election) TrusteeIndex(member string) int { return indexOf(e.Trustees, member) + 1 }

// IssuerIndex returns member's issuer index, or -1.
func (e *Election) IssuerIndex(member string) int { return indexOf(e.Issuers, member) }

// EID returns the 32-byte election ID.
func (e *Election) EID() [32]byte {
	var id [32]byte
	hex.Decode(id[:], []byte(e.ElectionID))
	return id
}

// Trustee rebuilds trustee l of e from its seed and the chain state kv:
// its HPKE key, its dealing (once every key is posted), the shares it
// received (once every dealing is posted), and its key share (once the
// joint key is computed). It reports the dealers whose share fails.
func Trustee(kv store.Reader, e *Election, seed [32]byte, l int) (t *ceremony.Trustee, dealing *ceremony.Dealing, bad []int, err error) {
	p := e.params()
	if t, err = ceremony.NewTrustee(Stream(seed, "hpke", 0), p, l); err != nil {
		return nil, nil, nil, err
	}
	if !allSet(e.HPKEKeys) {
		return t, nil, nil, nil
	}
	var keys [][]byte
	for _, k := range e.HPKEKeys {
		b, _ := hex.DecodeString(k)
		keys = append(keys, b)
	}
	if dealing, err = t.Deal(Stream(seed, "deal", 0), keys); err != nil {
		return nil, nil, nil, err
	}
	if !all(e.Dealt) {
		return t, dealing, nil, nil
	}
	r := e.ceremonyRecord(kv)
	for _, d := range r.Dealings {
		if d.Dealer == l {
			if err := t.Receive(d); err != nil {
				return nil, nil, nil, fmt.Errorf("own dealing: %w", err)
			}
			continue
		}
		if err := t.Receive(d); err != nil {
			bad = append(bad, d.Dealer)
		}
	}
	for _, a := range r.Answers {
		if a.Accuser == l {
			t.Accept(p, r.Dealings[a.Dealer-1], a)
		}
	}
	if e.Qualified != nil {
		if err := t.Finish(e.Qualified); err != nil {
			return nil, nil, nil, err
		}
	}
	return t, dealing, bad, nil
}

// AckBodyFor builds trustee t's acknowledgement of e's ceremony hash.
func AckBodyFor(e *Election, t *ceremony.Trustee, seed [32]byte) (AckBody, error) {
	ch, _ := hex.DecodeString(e.CeremonyHash)
	pf, err := t.Acknowledge(Stream(seed, "ack", 0), ch)
	if err != nil {
		return AckBody{}, err
	}
	w := &group.Writer{}
	pf.Encode(w)
	return AckBody{Election: e.ID, Proof: hex.EncodeToString(w.Buf)}, nil
}

// Aggregate returns the current encrypted aggregate's ciphertexts.
func Aggregate(kv store.Reader, e *Election) (alphas, betas []*ristretto255.Element, err error) {
	t, ok := GetTally(kv, e.ID)
	if !ok {
		return nil, nil, fmt.Errorf("no tally for %s", e.ID)
	}
	agg, err := decodeAggregate(e.manifest(), t.Aggregate)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range agg {
		for _, ct := range c {
			alphas, betas = append(alphas, ct.Alpha), append(betas, ct.Beta)
		}
	}
	return alphas, betas, nil
}

// DecryptBodyFor builds trustee t's partial decryption of the aggregate.
func DecryptBodyFor(kv store.Reader, e *Election, t *ceremony.Trustee) (DecryptBody, error) {
	alphas, _, err := Aggregate(kv, e)
	if err != nil {
		return DecryptBody{}, err
	}
	s, err := t.Decrypt(rand.Reader, alphas)
	if err != nil {
		return DecryptBody{}, err
	}
	return DecryptBody{Election: e.ID, Share: hex.EncodeToString(EncodeShare(s))}, nil
}

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
func (v *Voter) Request(e *Election, member ed25519.PrivateKey) (RequestBody, error) {
	b := RequestBody{Election: e.ID}
	v.pending = nil
	for i, pk := range e.issuerKeys() {
		req, p, err := credential.NewRequest(Stream(v.Seed, "request", i), pk, uint32(i), e.EID(), v.Key.Bytes[:], member)
		if err != nil {
			return RequestBody{}, err
		}
		v.pending = append(v.pending, p)
		b.Blinded = append(b.Blinded, hex.EncodeToString(req.Blinded))
		b.Signatures = append(b.Signatures, hex.EncodeToString(req.Signature))
	}
	return b, nil
}

// Credentials unblinds the issuers' answers to request seq from state.
func (v *Voter) Credentials(kv store.Reader, e *Election, member ed25519.PrivateKey, seq uint64) ([][]byte, error) {
	if v.pending == nil {
		if _, err := v.Request(e, member); err != nil {
			return nil, err
		}
	}
	var creds [][]byte
	for i := range e.Issuers {
		bs := kv.Get(BlindSigKey(e.ID, seq, i))
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

// IssueBodyFor signs requests (from state) as issuer i.
func IssueBodyFor(kv store.Reader, e *Election, is *credential.Issuer, i int, seqs []uint64) (IssueBody, error) {
	b := IssueBody{Election: e.ID}
	for _, seq := range seqs {
		r, ok := GetRequest(kv, e.ID, seq)
		if !ok {
			return b, fmt.Errorf("no request %d", seq)
		}
		key, _ := hex.DecodeString(r.Key)
		bl, _ := hex.DecodeString(r.Blinded[i])
		sg, _ := hex.DecodeString(r.Signatures[i])
		sig, err := is.Sign(&credential.Request{ElectionID: e.EID(), Issuer: uint32(i), Member: key, Blinded: bl, Signature: sg})
		if err != nil {
			return b, fmt.Errorf("request %d: %w", seq, err)
		}
		b.Entries = append(b.Entries, IssueEntry{Request: seq, Signature: hex.EncodeToString(sig)})
	}
	return b, nil
}

// Encrypt makes a ballot for choices[contest][option].
func (v *Voter) Encrypt(c *ballot.Election, creds [][]byte, choices [][]uint32) (*ballot.Ballot, *ballot.Reveal, error) {
	return ballot.Encrypt(rand.Reader, c, v.Key, creds, choices)
}

// PublicContext builds the context ballots are made against, from state.
func PublicContext(e *Election) (*ballot.Election, error) {
	if e.JointKey == "" || !allSet(e.IssuerKeys) {
		return nil, fmt.Errorf("election %s has no joint key or issuer keys yet", e.ID)
	}
	return ballot.NewElection(e.manifest(), mustElement(e.JointKey), e.issuerKeys())
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
	raw, _ := AnonymousTx(chainID, TypeBallot, BallotBody{Ballot: base64.StdEncoding.EncodeToString(b.Bytes())})
	return raw
}

// SpoilTx is the anonymous transaction publishing a Benaloh challenge.
func SpoilTx(chainID string, b *ballot.Ballot, rv *ballot.Reveal) []byte {
	raw, _ := AnonymousTx(chainID, TypeSpoil, SpoilBody{Ballot: base64.StdEncoding.EncodeToString(b.Bytes()),
		Reveal: base64.StdEncoding.EncodeToString(ballot.EncodeReveal(rv))})
	return raw
}

// IssuerKeyBodyFor publishes issuer key pk.
func IssuerKeyBodyFor(id string, is *credential.Issuer) IssuerKeyBody {
	return IssuerKeyBody{Election: id, Key: hex.EncodeToString(credential.EncodeKey(is.PublicKey()))}
}

// DealBodyFor publishes a dealing.
func DealBodyFor(id string, d *ceremony.Dealing) DealBody {
	return DealBody{Election: id, Dealing: hex.EncodeToString(EncodeDealing(d))}
}

// TrusteeStep returns trustee l's next transaction in e: its HPKE key, its
// dealing, its check (with complaints), answers to complaints against it,
// its acknowledgement, and after voting its decryption share. With nothing
// to do yet it returns typ "" and what the trustee waits for.
func TrusteeStep(kv store.Reader, e *Election, seed [32]byte, l int, now int64) (typ string, body any, waiting string, err error) {
	t, d, bad, err := Trustee(kv, e, seed, l)
	if err != nil {
		return "", nil, "", err
	}
	switch {
	case e.Status == PhaseCeremony && e.HPKEKeys[l-1] == "":
		return TypeTrusteeKey, TrusteeKeyBody{Election: e.ID, Key: hex.EncodeToString(t.HPKEKey)}, "", nil
	case e.Status == PhaseCeremony && !allSet(e.HPKEKeys):
		return "", nil, "the other trustees' keys", nil
	case e.Status == PhaseCeremony && !e.Dealt[l-1]:
		return TypeDeal, DealBodyFor(e.ID, d), "", nil
	case e.Status == PhaseCeremony && !all(e.Dealt):
		return "", nil, "the other trustees' dealings", nil
	case e.Status == PhaseCeremony && !e.Checked[l-1]:
		return TypeCheck, CheckBody{Election: e.ID, Complaints: bad}, "", nil
	}
	if e.Status == PhaseCeremony {
		for _, c := range e.Complaints {
			answered := false
			for _, a := range e.Answers {
				answered = answered || (a.Dealer == c.Dealer && a.Accuser == c.Accuser)
			}
			if c.Dealer == l && !answered {
				a := t.Answer(ceremony.Complaint{Accuser: c.Accuser, Dealer: l})
				return TypeAnswer, AnswerBody{Election: e.ID, Accuser: c.Accuser, Share: hex.EncodeToString(a.Share.Encode(nil))}, "", nil
			}
		}
		switch {
		case e.CeremonyHash == "":
			return "", nil, "the other trustees' checks and answers", nil
		case e.Acks[l-1] == "":
			b, err := AckBodyFor(e, t, seed)
			return TypeAck, b, "", err
		default:
			return "", nil, "the other trustees' acknowledgements and the issuers' keys", nil
		}
	}
	switch e.Phase(now) {
	case PhaseIssuing, PhaseVoting:
		return "", nil, fmt.Sprintf("the end of voting at %d", e.VoteEnd), nil
	case PhaseTallying:
		if kv.Get(DecryptionKey(e.ID, l)) != nil {
			return "", nil, "the other trustees' decryption shares", nil
		}
		b, err := DecryptBodyFor(kv, e, t)
		return TypeDecrypt, b, "", err
	default:
		return "", nil, "nothing: the election is " + e.Status, nil
	}
}

// Unanswered lists requests issuer i has not answered yet, at most limit.
func Unanswered(kv store.Reader, e *Election, i int, limit int) []uint64 {
	t, ok := GetTally(kv, e.ID)
	if !ok {
		return nil
	}
	var out []uint64
	for seq := uint64(0); seq < t.Requests && len(out) < limit; seq++ {
		if kv.Get(BlindSigKey(e.ID, seq, i)) == nil {
			out = append(out, seq)
		}
	}
	return out
}
