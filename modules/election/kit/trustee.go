package kit

// The trustee's part: its dealing, check, answers, acknowledgement and
// decryption share, computed from its seed and election state, and the
// memory that stops a lying node from getting it to deal twice or answer too
// many complaints. modules/election/verified reads the state with proofs.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/gtank/ristretto255"

	"github.com/pnyx-party/pnyx/election/ceremony"
	"github.com/pnyx-party/pnyx/election/group"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/modules/election"
)

// dealingStatement is everything a dealing depends on: the election ID,
// n, k, the dealer's index and every trustee's HPKE key. The polynomial is
// derived from the seed and this statement, so a node serving other inputs
// makes the trustee deal a polynomial unrelated to the one on chain.
func dealingStatement(e *election.Election, l int) []byte {
	p := e.Params()
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

// Trustee rebuilds trustee l of e from its seed and the chain state kv:
// its HPKE key, its dealing (once every key is posted), the shares it
// received (once every dealing is posted), and its key share (once the
// joint key is computed). It reports the dealers whose share fails.
func Trustee(kv store.Reader, e *election.Election, seed [32]byte, l int) (t *ceremony.Trustee, dealing *ceremony.Dealing, bad []int, err error) {
	p := e.Params()
	if t, err = ceremony.NewTrustee(Stream(seed, "hpke", 0), p, l); err != nil {
		return nil, nil, nil, err
	}
	if slices.Contains(e.HPKEKeys, "") {
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
	if slices.Contains(e.Dealt, false) {
		return t, dealing, nil, nil
	}
	r := e.CeremonyRecord(kv)
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
func AckBodyFor(e *election.Election, t *ceremony.Trustee, seed [32]byte) (election.AckBody, error) {
	ch, _ := hex.DecodeString(e.CeremonyHash)
	if t.Public() == nil {
		return election.AckBody{}, fmt.Errorf("trustee %d has not finished the ceremony", t.Index)
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
		return election.AckBody{}, err
	}
	out := &group.Writer{}
	pf.Encode(out)
	return election.AckBody{Election: e.ID, Proof: hex.EncodeToString(out.Buf)}, nil
}

// aggregate returns the current encrypted aggregate's ciphertexts.
func aggregate(kv store.Reader, e *election.Election) (alphas, betas []*ristretto255.Element, err error) {
	t, ok := election.GetTally(kv, e.ID)
	if !ok {
		return nil, nil, fmt.Errorf("no tally for %s", e.ID)
	}
	agg, err := election.DecodeAggregate(e.DecodedManifest(), t.Aggregate)
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
func DecryptBodyFor(kv store.Reader, e *election.Election, t *ceremony.Trustee) (election.DecryptBody, error) {
	alphas, _, err := aggregate(kv, e)
	if err != nil {
		return election.DecryptBody{}, err
	}
	s, err := t.Decrypt(rand.Reader, alphas)
	if err != nil {
		return election.DecryptBody{}, err
	}
	return election.DecryptBody{Election: e.ID, Share: hex.EncodeToString(ceremony.EncodeShare(s))}, nil
}

// DealBodyFor publishes a dealing.
func DealBodyFor(id string, d *ceremony.Dealing) election.DealBody {
	return election.DealBody{Election: id, Dealing: hex.EncodeToString(ceremony.EncodeDealing(d))}
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
func TrusteeStep(kv store.Reader, e *election.Election, seed [32]byte, l int, now int64) (typ string, body any, waiting string, err error) {
	return trusteeStep(kv, e, seed, l, now, nil)
}

// TrusteeStepRemembering is TrusteeStep with the trustee's memory: it deals
// for one set of inputs only and refuses every later step served with
// other inputs (ErrOtherInputs), and answers at most k-1 distinct
// accusers over the whole ceremony (ErrTooManyComplaints), so fake
// complaints never get k evaluations of the polynomial. It updates mem;
// save mem before sending the transaction.
func TrusteeStepRemembering(kv store.Reader, e *election.Election, seed [32]byte, l int, now int64, mem *TrusteeMemory) (typ string, body any, waiting string, err error) {
	if mem == nil {
		return "", nil, "", fmt.Errorf("election kit: no trustee memory")
	}
	return trusteeStep(kv, e, seed, l, now, mem)
}

func trusteeStep(kv store.Reader, e *election.Election, seed [32]byte, l int, now int64, mem *TrusteeMemory) (typ string, body any, waiting string, err error) {
	if mem != nil && mem.Dealt != "" && !slices.Contains(e.HPKEKeys, "") && statementID(dealingStatement(e, l)) != mem.Dealt {
		return "", nil, "", ErrOtherInputs
	}
	t, d, bad, err := Trustee(kv, e, seed, l)
	if err != nil {
		return "", nil, "", err
	}
	switch {
	case e.Status == election.PhaseCeremony && e.HPKEKeys[l-1] == "":
		return election.TypeTrusteeKey, election.TrusteeKeyBody{Election: e.ID, Key: hex.EncodeToString(t.HPKEKey)}, "", nil
	case e.Status == election.PhaseCeremony && slices.Contains(e.HPKEKeys, ""):
		return "", nil, "the other trustees' keys", nil
	case e.Status == election.PhaseCeremony && !e.Dealt[l-1]:
		if mem != nil {
			mem.Dealt = statementID(dealingStatement(e, l))
		}
		return election.TypeDeal, DealBodyFor(e.ID, d), "", nil
	case e.Status == election.PhaseCeremony && slices.Contains(e.Dealt, false):
		return "", nil, "the other trustees' dealings", nil
	case e.Status == election.PhaseCeremony && !e.Checked[l-1] && e.JointKey == "":
		return election.TypeCheck, election.CheckBody{Election: e.ID, Complaints: bad}, "", nil
	}
	if e.Status == election.PhaseCeremony {
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
				return election.TypeAnswer, election.AnswerBody{Election: e.ID, Accuser: c.Accuser, Share: hex.EncodeToString(a.Share.Encode(nil))}, "", nil
			}
		}
		switch {
		case e.CeremonyHash == "":
			return "", nil, "the other trustees' checks and answers", nil
		case e.Acks[l-1] == "":
			b, err := AckBodyFor(e, t, seed)
			return election.TypeAck, b, "", err
		default:
			return "", nil, "the other trustees' acknowledgements and the issuers' keys", nil
		}
	}
	switch e.Phase(now) {
	case election.PhaseIssuing, election.PhaseVoting:
		return "", nil, fmt.Sprintf("the end of voting at %d", e.VoteEnd), nil
	case election.PhaseTallying:
		if kv.Get(election.DecryptionKey(e.ID, l)) != nil {
			return "", nil, "the other trustees' decryption shares", nil
		}
		b, err := DecryptBodyFor(kv, e, t)
		return election.TypeDecrypt, b, "", err
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
func mayAnswer(e *election.Election, l, accuser int, mem *TrusteeMemory) error {
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
