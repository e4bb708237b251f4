package election

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"slices"

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

// statementStream returns a deterministic reader for (seed, purpose,
// statement): what is derived from it belongs to that statement alone, so
// the same seed under another statement gives unrelated values.
func statementStream(seed [32]byte, purpose string, statement []byte, fresh []byte) io.Reader {
	h := sha256.New()
	h.Write([]byte("pnyx/election/kit/statement/v1\x00"))
	h.Write(seed[:])
	binary.Write(h, binary.BigEndian, uint64(len(purpose)))
	h.Write([]byte(purpose))
	binary.Write(h, binary.BigEndian, uint64(len(statement)))
	h.Write(statement)
	h.Write(fresh)
	var s [32]byte
	h.Sum(s[:0])
	return &chacha{mrand.NewChaCha8(s)}
}

// nonceReader returns the randomness for the nonces of proofs over
// statement: a hash of the seed and the full statement signed, mixed with
// 32 fresh bytes from crypto/rand. The statement part means a node that
// serves other inputs (another ceremony hash, election ID, threshold or
// set of keys) never gets two proofs with one nonce even if the machine's
// randomness failed; the fresh part means signing the same statement twice
// gives unrelated nonces too.
func nonceReader(seed [32]byte, purpose string, statement []byte) io.Reader {
	fresh := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, fresh); err != nil {
		panic(err)
	}
	return statementStream(seed, purpose, statement, fresh)
}

// dealingStatement is everything a dealing depends on: the election ID,
// n, k, the dealer's index and every trustee's HPKE key. The polynomial is
// derived from the seed and this statement, so a node serving other inputs
// makes the trustee deal a polynomial unrelated to the one on chain.
func dealingStatement(e *Election, l int) []byte {
	p := e.params()
	w := &group.Writer{}
	w.String("pnyx/election/kit/dealing/v1")
	w.Fixed(p.ElectionID[:])
	w.Uint32(uint32(p.N))
	w.Uint32(uint32(p.K))
	w.Uint32(uint32(l))
	for _, k := range e.HPKEKeys {
		b, _ := hex.DecodeString(k)
		w.Bytes(b)
	}
	return w.Buf
}

// statementID is the hex SHA-256 a TrusteeMemory keeps of a statement.
func statementID(statement []byte) string {
	h := sha256.Sum256(statement)
	return hex.EncodeToString(h[:])
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
	stmt := dealingStatement(e, l)
	if dealing, err = t.DealWith(statementStream(seed, "polynomial", stmt, nil), nonceReader(seed, "deal", stmt), keys); err != nil {
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
	if t.Public() == nil {
		return AckBody{}, fmt.Errorf("trustee %d has not finished the ceremony", t.Index)
	}
	eid := e.EID()
	w := &group.Writer{}
	w.String("pnyx/election/kit/ack/v1")
	w.Fixed(eid[:])
	w.Bytes(ch)
	w.Uint32(uint32(t.Index))
	w.Element(t.Public())
	pf, err := t.Acknowledge(nonceReader(seed, "ack", w.Buf), ch)
	if err != nil {
		return AckBody{}, err
	}
	out := &group.Writer{}
	pf.Encode(out)
	return AckBody{Election: e.ID, Proof: hex.EncodeToString(out.Buf)}, nil
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

// TrusteeMemory is what a trustee's kit remembers between steps, on the
// trustee's own machine next to its seed. The node the kit reads from may
// lie; the memory is what stops a lying node from getting the trustee to
// deal twice or to answer more complaints than is safe. Save it (Save)
// after every step and before the step's transaction is sent.
type TrusteeMemory struct {
	// Dealt is the statementID of the inputs (election ID, n, k, index,
	// every trustee's HPKE key) the trustee dealt for; empty before.
	Dealt string `json:"dealt,omitempty"`
	// Answered lists the accusers whose complaints the trustee answered.
	Answered []int `json:"answered,omitempty"`
}

// LoadTrusteeMemory reads a memory saved by Save; a missing file is an
// empty memory (a trustee that has not dealt yet).
func LoadTrusteeMemory(path string) (*TrusteeMemory, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &TrusteeMemory{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := &TrusteeMemory{}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("trustee memory %s: %w", path, err)
	}
	return m, nil
}

// Save writes the memory to path atomically, readable by its owner only.
func (m *TrusteeMemory) Save(path string) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Errors of the trustee kit when the node serves something a trustee must
// not act on.
var (
	// ErrOtherInputs: the node serves other ceremony inputs than those the
	// trustee dealt for.
	ErrOtherInputs = errors.New("election kit: the node serves other ceremony inputs (election ID, threshold, trustees or HPKE keys) than those this trustee dealt for; refusing to act on them")
	// ErrTooManyComplaints: answering would publish k evaluations of the
	// trustee's polynomial, its secret coefficient with them.
	ErrTooManyComplaints = errors.New("election kit: refusing to answer more than k-1 complaints: k answers in the clear would publish this trustee's polynomial")
	// ErrNoDealingRemembered: the memory holds no dealing, so the kit cannot
	// tell whether the complaint is about the polynomial on chain.
	ErrNoDealingRemembered = errors.New("election kit: this trustee's memory holds no dealing; refusing to answer complaints")
)

// TrusteeStep returns trustee l's next transaction in e: its HPKE key, its
// dealing, its check (with complaints), answers to complaints against it,
// its acknowledgement, and after voting its decryption share. With nothing
// to do yet it returns typ "" and what the trustee waits for.
//
// TrusteeStep remembers nothing: it refuses to answer when more than k-1
// complaints against the trustee are in the state it is served, but a node
// that serves a different complaint each time gets each answer. A trustee
// acting through a node it does not run should use TrusteeStepRemembering.
func TrusteeStep(kv store.Reader, e *Election, seed [32]byte, l int, now int64) (typ string, body any, waiting string, err error) {
	return trusteeStep(kv, e, seed, l, now, nil)
}

// TrusteeStepRemembering is TrusteeStep with the trustee's memory: it deals
// for one set of inputs only and refuses every later step served with
// other inputs (ErrOtherInputs), and answers at most k-1 distinct
// accusers over the whole ceremony (ErrTooManyComplaints), so fake
// complaints never get k evaluations of the polynomial. It updates mem;
// save mem before sending the transaction.
func TrusteeStepRemembering(kv store.Reader, e *Election, seed [32]byte, l int, now int64, mem *TrusteeMemory) (typ string, body any, waiting string, err error) {
	if mem == nil {
		return "", nil, "", fmt.Errorf("election kit: no trustee memory")
	}
	return trusteeStep(kv, e, seed, l, now, mem)
}

func trusteeStep(kv store.Reader, e *Election, seed [32]byte, l int, now int64, mem *TrusteeMemory) (typ string, body any, waiting string, err error) {
	if mem != nil && mem.Dealt != "" && allSet(e.HPKEKeys) && statementID(dealingStatement(e, l)) != mem.Dealt {
		return "", nil, "", ErrOtherInputs
	}
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
		if mem != nil {
			mem.Dealt = statementID(dealingStatement(e, l))
		}
		return TypeDeal, DealBodyFor(e.ID, d), "", nil
	case e.Status == PhaseCeremony && !all(e.Dealt):
		return "", nil, "the other trustees' dealings", nil
	case e.Status == PhaseCeremony && !e.Checked[l-1] && e.JointKey == "":
		return TypeCheck, CheckBody{Election: e.ID, Complaints: bad}, "", nil
	}
	if e.Status == PhaseCeremony {
		for _, c := range e.Complaints {
			answered := false
			for _, a := range e.Answers {
				answered = answered || (a.Dealer == c.Dealer && a.Accuser == c.Accuser)
			}
			if c.Dealer == l && !answered && e.JointKey == "" {
				if err := mayAnswer(e, l, c.Accuser, mem); err != nil {
					return "", nil, "", err
				}
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

// mayAnswer decides whether trustee l may publish f_l(accuser). Each answer
// is a point of f_l in the clear; k of them give f_l(0), the trustee's part
// of the joint secret, to anyone. An honest ceremony has complaints only
// from trustees whose share failed, so a dealer with more than k-1
// complaints is better disqualified (unanswered) than exposed. With a
// memory the bound holds across every view the node serves; without one
// only within the view at hand.
func mayAnswer(e *Election, l, accuser int, mem *TrusteeMemory) error {
	limit := e.Threshold - 1
	accusers := map[int]bool{}
	for _, c := range e.Complaints {
		if c.Dealer == l {
			accusers[c.Accuser] = true
		}
	}
	if len(accusers) > limit {
		return fmt.Errorf("%w (%d complaints against trustee %d, k=%d)", ErrTooManyComplaints, len(accusers), l, e.Threshold)
	}
	if mem == nil {
		return nil
	}
	if mem.Dealt == "" {
		return ErrNoDealingRemembered
	}
	if slices.Contains(mem.Answered, accuser) {
		return nil // the same point again: nothing new
	}
	if len(mem.Answered) >= limit {
		return fmt.Errorf("%w (answered %v already, k=%d)", ErrTooManyComplaints, mem.Answered, e.Threshold)
	}
	mem.Answered = append(mem.Answered, accuser)
	return nil
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
