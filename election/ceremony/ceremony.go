// Package ceremony runs the trustees' k-of-n key ceremony and the threshold
// decryption of the tally.
//
// Key ceremony (Feldman verifiable secret sharing, one dealing per trustee):
//
//  1. Each trustee i (1..n) publishes an HPKE public key (X25519,
//     HKDF-SHA256, ChaCha20-Poly1305; RFC 9180 via cloudflare/circl).
//  2. Each trustee deals (Trustee.Deal): a random polynomial f_i of degree
//     k-1, commitments A_ij = g^a_ij with a Schnorr proof of knowledge for
//     each, and f_i(l) encrypted to every trustee l. VerifyDealing checks
//     the public parts.
//  3. Each trustee opens its shares (Trustee.Receive), checking
//     g^f_i(l) = Π_j A_ij^(l^j). A share that fails is answered by a
//     Complaint; the dealer must publish that share in the clear (Answer),
//     and anyone can check it (CheckAnswer). A dealer whose dealing or
//     answer fails, or who does not answer, is disqualified (Qualified).
//  4. The joint key is K = Π_{i∈QUAL} A_i0 (JointKey); trustee l's secret is
//     x_l = Σ_{i∈QUAL} f_i(l) and its public share X_l = g^x_l is computable
//     by anyone from the commitments (PublicShare).
//
// Decryption: each trustee publishes D = α^x_l for every aggregate
// ciphertext (α, β) with a Chaum-Pedersen proof (Trustee.Decrypt,
// VerifyShare); any k valid shares combine by Lagrange interpolation in the
// exponent to g^m = β / Π D_l^λ_l (Combine), and the tally m comes from a
// baby-step giant-step table (group.DlogTable). A verifier needs no
// discrete log: it checks g^m against the published result.
package ceremony

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/cloudflare/circl/hpke"
	"github.com/cloudflare/circl/kem"
	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/group"
)

// Limits on the ceremony.
const (
	MaxTrustees = 64
	// HPKEKeySize is the size of an X25519 HPKE public key.
	HPKEKeySize = 32
	// ShareCiphertextSize is enc (32) ‖ sealed scalar (32 + 16-byte tag).
	ShareCiphertextSize = 32 + 32 + 16
)

// Errors.
var (
	ErrParams         = errors.New("ceremony: invalid parameters")
	ErrBadDealing     = errors.New("ceremony: dealing fails its proofs of knowledge or shape")
	ErrBadShare       = errors.New("ceremony: share does not decrypt or match the dealer's commitments")
	ErrDealerCheated  = errors.New("ceremony: dealer's published share does not match its commitments")
	ErrUnanswered     = errors.New("ceremony: complaint left unanswered")
	ErrBadDecryption  = errors.New("ceremony: decryption share proof does not verify")
	ErrTooFewTrustees = errors.New("ceremony: fewer valid decryption shares than the threshold")
)

var suite = hpke.NewSuite(hpke.KEM_X25519_HKDF_SHA256, hpke.KDF_HKDF_SHA256, hpke.AEAD_ChaCha20Poly1305)

func kemScheme() kem.Scheme { return hpke.KEM_X25519_HKDF_SHA256.Scheme() }

// Params fixes the election and the threshold.
type Params struct {
	ElectionID [32]byte
	N, K       int
}

// Check validates 1 ≤ K ≤ N ≤ MaxTrustees.
func (p Params) Check() error {
	if p.K < 1 || p.N < p.K || p.N > MaxTrustees {
		return fmt.Errorf("%w: n=%d k=%d", ErrParams, p.N, p.K)
	}
	return nil
}

// Dealing is trustee Dealer's public contribution.
type Dealing struct {
	Dealer      int                     // 1..N
	Commitments []*ristretto255.Element // K: A_j = g^a_j
	Proofs      []*group.Schnorr        // K: knowledge of a_j
	Shares      [][]byte                // N: f(l) sealed to trustee l (index l-1)
}

// Complaint says Accuser could not open a valid share from Dealer.
type Complaint struct{ Accuser, Dealer int }

// Answer is the dealer's reply to a complaint: the share in the clear.
type Answer struct {
	Dealer, Accuser int
	Share           *ristretto255.Scalar
}

// Trustee holds one trustee's secrets. Keep it off-line.
type Trustee struct {
	Params  Params
	Index   int
	HPKEKey []byte // public, HPKEKeySize bytes

	sk     kem.PrivateKey
	coef   []*ristretto255.Scalar
	shares map[int]*ristretto255.Scalar // dealer → f_dealer(Index)
	secret *ristretto255.Scalar
	public *ristretto255.Element
}

// NewTrustee makes trustee index (1..N) with a fresh HPKE key pair.
func NewTrustee(rand io.Reader, p Params, index int) (*Trustee, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if index < 1 || index > p.N {
		return nil, fmt.Errorf("%w: trustee index %d", ErrParams, index)
	}
	seed := make([]byte, kemScheme().SeedSize())
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, err
	}
	pk, sk := kemScheme().DeriveKeyPair(seed)
	pkb, err := pk.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &Trustee{Params: p, Index: index, HPKEKey: pkb, sk: sk, shares: map[int]*ristretto255.Scalar{}}, nil
}

func pokTranscript(p Params, dealer, j int) *group.Transcript {
	t := group.NewTranscript("pnyx/election/ceremony/coefficient-pok/v1")
	t.AppendBytes("election", p.ElectionID[:])
	t.AppendUint64("n", uint64(p.N))
	t.AppendUint64("k", uint64(p.K))
	t.AppendUint64("dealer", uint64(dealer))
	t.AppendUint64("coefficient", uint64(j))
	return t
}

// shareInfo and shareAAD bind a sealed share to its election, dealer,
// recipient and the dealer's commitments.
func shareInfo(p Params, dealer, recipient int) []byte {
	w := &group.Writer{}
	w.String("pnyx/election/ceremony/share/v1")
	w.Fixed(p.ElectionID[:])
	w.Uint32(uint32(dealer))
	w.Uint32(uint32(recipient))
	return w.Buf
}

func commitmentsHash(cs []*ristretto255.Element) []byte {
	w := &group.Writer{}
	for _, c := range cs {
		w.Element(c)
	}
	h := sha256.Sum256(w.Buf)
	return h[:]
}

// evalCommitments returns Π_j A_j^(x^j) = g^f(x).
func evalCommitments(cs []*ristretto255.Element, x int) *ristretto255.Element {
	sc := make([]*ristretto255.Scalar, len(cs))
	pow := group.ScalarFromUint64(1)
	xs := group.ScalarFromUint64(uint64(x))
	for j := range cs {
		sc[j] = ristretto255.NewScalar().Set(pow)
		pow = ristretto255.NewScalar().Multiply(pow, xs)
	}
	return ristretto255.NewElement().VarTimeMultiScalarMult(sc, cs)
}

func evalPoly(coef []*ristretto255.Scalar, x int) *ristretto255.Scalar {
	xs := group.ScalarFromUint64(uint64(x))
	acc := ristretto255.NewScalar()
	for j := len(coef) - 1; j >= 0; j-- {
		acc.Multiply(acc, xs)
		acc.Add(acc, coef[j])
	}
	return acc
}

// Deal draws the trustee's polynomial and seals a share to each trustee's
// HPKE key (hpkeKeys[l-1] for trustee l, including itself). It is DealWith
// with one reader for the polynomial and the nonces, for simulations; a
// trustee's tooling uses DealWith.
func (t *Trustee) Deal(rand io.Reader, hpkeKeys [][]byte) (*Dealing, error) {
	return t.DealWith(rand, rand, hpkeKeys)
}

// DealWith draws the polynomial's coefficients from poly and the proofs'
// nonces and the sealing randomness from rand. Keeping them apart lets a
// trustee rebuild its polynomial deterministically (to answer complaints)
// while every proof of knowledge gets a fresh nonce: two proofs of one
// coefficient under different statements with the same nonce would give
// the coefficient away.
func (t *Trustee) DealWith(poly, rand io.Reader, hpkeKeys [][]byte) (*Dealing, error) {
	p := t.Params
	if len(hpkeKeys) != p.N {
		return nil, fmt.Errorf("%w: %d HPKE keys for %d trustees", ErrParams, len(hpkeKeys), p.N)
	}
	d := &Dealing{Dealer: t.Index}
	t.coef = nil
	for j := 0; j < p.K; j++ {
		a, err := group.RandomScalar(poly)
		if err != nil {
			return nil, err
		}
		A := group.BaseMult(a)
		pf, err := group.ProveSchnorr(rand, pokTranscript(p, t.Index, j), a, A)
		if err != nil {
			return nil, err
		}
		t.coef = append(t.coef, a)
		d.Commitments = append(d.Commitments, A)
		d.Proofs = append(d.Proofs, pf)
	}
	aad := commitmentsHash(d.Commitments)
	for l := 1; l <= p.N; l++ {
		ct, err := sealShare(rand, p, t.Index, l, hpkeKeys[l-1], evalPoly(t.coef, l), aad)
		if err != nil {
			return nil, err
		}
		d.Shares = append(d.Shares, ct)
	}
	return d, nil
}

func sealShare(rand io.Reader, p Params, dealer, recipient int, key []byte, s *ristretto255.Scalar, aad []byte) ([]byte, error) {
	pk, err := kemScheme().UnmarshalBinaryPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: HPKE key of trustee %d: %v", ErrParams, recipient, err)
	}
	snd, err := suite.NewSender(pk, shareInfo(p, dealer, recipient))
	if err != nil {
		return nil, err
	}
	enc, sealer, err := snd.Setup(rand)
	if err != nil {
		return nil, err
	}
	ct, err := sealer.Seal(s.Bytes(), aad)
	if err != nil {
		return nil, err
	}
	return append(enc, ct...), nil
}

// VerifyDealing checks a dealing's shape and its proofs of knowledge.
func VerifyDealing(p Params, d *Dealing) error {
	if d == nil || d.Dealer < 1 || d.Dealer > p.N || len(d.Commitments) != p.K ||
		len(d.Proofs) != p.K || len(d.Shares) != p.N {
		return fmt.Errorf("%w: shape", ErrBadDealing)
	}
	for j, A := range d.Commitments {
		if A == nil || group.IsIdentity(A) {
			return fmt.Errorf("%w: dealer %d commitment %d", ErrBadDealing, d.Dealer, j)
		}
		if !group.VerifySchnorr(pokTranscript(p, d.Dealer, j), A, d.Proofs[j]) {
			return fmt.Errorf("%w: dealer %d proof of knowledge %d", ErrBadDealing, d.Dealer, j)
		}
	}
	for l, s := range d.Shares {
		if len(s) != ShareCiphertextSize {
			return fmt.Errorf("%w: dealer %d share for %d has %d bytes", ErrBadDealing, d.Dealer, l+1, len(s))
		}
	}
	return nil
}

// Receive opens and checks the share d holds for t. On ErrBadShare the
// trustee files Complaint{t.Index, d.Dealer}.
func (t *Trustee) Receive(d *Dealing) error {
	p := t.Params
	if err := VerifyDealing(p, d); err != nil {
		return err
	}
	ct := d.Shares[t.Index-1]
	rcv, err := suite.NewReceiver(t.sk, shareInfo(p, d.Dealer, t.Index))
	if err != nil {
		return err
	}
	op, err := rcv.Setup(ct[:32])
	if err != nil {
		return fmt.Errorf("%w: from dealer %d: %v", ErrBadShare, d.Dealer, err)
	}
	pt, err := op.Open(ct[32:], commitmentsHash(d.Commitments))
	if err != nil {
		return fmt.Errorf("%w: from dealer %d: %v", ErrBadShare, d.Dealer, err)
	}
	s, err := group.DecodeScalar(pt)
	if err != nil {
		return fmt.Errorf("%w: from dealer %d: %v", ErrBadShare, d.Dealer, err)
	}
	if group.BaseMult(s).Equal(evalCommitments(d.Commitments, t.Index)) != 1 {
		return fmt.Errorf("%w: from dealer %d", ErrBadShare, d.Dealer)
	}
	t.shares[d.Dealer] = s
	return nil
}

// Answer publishes the share the trustee dealt to c.Accuser.
func (t *Trustee) Answer(c Complaint) *Answer {
	return &Answer{Dealer: t.Index, Accuser: c.Accuser, Share: evalPoly(t.coef, c.Accuser)}
}

// CheckAnswer checks g^share = Π_j A_j^(accuser^j).
func CheckAnswer(p Params, d *Dealing, a *Answer) error {
	if a == nil || a.Dealer != d.Dealer || a.Accuser < 1 || a.Accuser > p.N || a.Share == nil {
		return ErrDealerCheated
	}
	if group.BaseMult(a.Share).Equal(evalCommitments(d.Commitments, a.Accuser)) != 1 {
		return fmt.Errorf("%w: dealer %d, share for %d", ErrDealerCheated, a.Dealer, a.Accuser)
	}
	return nil
}

// Accept takes a share published in an answer to the trustee's complaint.
func (t *Trustee) Accept(p Params, d *Dealing, a *Answer) error {
	if a.Accuser != t.Index {
		return ErrParams
	}
	if err := CheckAnswer(p, d, a); err != nil {
		return err
	}
	t.shares[d.Dealer] = a.Share
	return nil
}

// Qualified returns the dealers (ascending) whose dealing verifies and who
// answered every complaint against them with a valid share, with the reason
// for each disqualification. dealings[i] is the dealing of trustee i+1 (nil
// if none was published).
func Qualified(p Params, dealings []*Dealing, complaints []Complaint, answers []*Answer) (qual []int, disq map[int]error) {
	disq = map[int]error{}
	for i := 1; i <= p.N; i++ {
		d := dealings[i-1]
		if d == nil {
			disq[i] = fmt.Errorf("%w: no dealing", ErrBadDealing)
			continue
		}
		if d.Dealer != i {
			disq[i] = fmt.Errorf("%w: dealing in slot %d names dealer %d", ErrBadDealing, i, d.Dealer)
			continue
		}
		if err := VerifyDealing(p, d); err != nil {
			disq[i] = err
		}
	}
	for _, c := range complaints {
		// A complaint must come from another trustee: one naming nobody
		// could never be answered and would let anyone disqualify a dealer.
		if c.Dealer < 1 || c.Dealer > p.N || c.Accuser < 1 || c.Accuser > p.N ||
			c.Accuser == c.Dealer || disq[c.Dealer] != nil {
			continue
		}
		var ans *Answer
		for _, a := range answers {
			if a.Dealer == c.Dealer && a.Accuser == c.Accuser {
				ans = a
				break
			}
		}
		if ans == nil {
			disq[c.Dealer] = fmt.Errorf("%w: dealer %d, accuser %d", ErrUnanswered, c.Dealer, c.Accuser)
			continue
		}
		if err := CheckAnswer(p, dealings[c.Dealer-1], ans); err != nil {
			disq[c.Dealer] = err
		}
	}
	for i := 1; i <= p.N; i++ {
		if disq[i] == nil {
			qual = append(qual, i)
		}
	}
	return qual, disq
}

// JointKey is Σ_{i∈qual} A_i0 (the election public key K).
func JointKey(dealings []*Dealing, qual []int) *ristretto255.Element {
	K := group.Identity()
	for _, i := range qual {
		K.Add(K, dealings[i-1].Commitments[0])
	}
	return K
}

// PublicShare is X_l = g^x_l = Σ_{i∈qual} Π_j A_ij^(l^j).
func PublicShare(dealings []*Dealing, qual []int, l int) *ristretto255.Element {
	X := group.Identity()
	for _, i := range qual {
		X.Add(X, evalCommitments(dealings[i-1].Commitments, l))
	}
	return X
}

// Finish sums the shares of the qualified dealers into the trustee's secret.
func (t *Trustee) Finish(qual []int) error {
	x := ristretto255.NewScalar()
	for _, i := range qual {
		s, ok := t.shares[i]
		if !ok {
			return fmt.Errorf("%w: no valid share from dealer %d", ErrBadShare, i)
		}
		x.Add(x, s)
	}
	t.secret = x
	t.public = group.BaseMult(x)
	return nil
}

// Public returns X_l = g^x_l once Finish has run.
func (t *Trustee) Public() *ristretto255.Element { return t.public }

func ackTranscript(electionID [32]byte, ceremonyHash []byte, l int) *group.Transcript {
	t := group.NewTranscript("pnyx/election/ceremony/ack/v1")
	t.AppendBytes("election", electionID[:])
	t.AppendBytes("ceremony", ceremonyHash)
	t.AppendUint64("trustee", uint64(l))
	return t
}

// Acknowledge proves the trustee holds x_l for X_l and saw exactly the
// ceremony transcript with hash ceremonyHash (sealed shares included, which
// nobody else can check).
func (t *Trustee) Acknowledge(rand io.Reader, ceremonyHash []byte) (*group.Schnorr, error) {
	if t.secret == nil {
		return nil, fmt.Errorf("%w: trustee %d has not finished the ceremony", ErrParams, t.Index)
	}
	return group.ProveSchnorr(rand, ackTranscript(t.Params.ElectionID, ceremonyHash, t.Index), t.secret, t.public)
}

// VerifyAcknowledgement checks trustee l's acknowledgement.
func VerifyAcknowledgement(p Params, ceremonyHash []byte, l int, X *ristretto255.Element, pf *group.Schnorr) bool {
	return group.VerifySchnorr(ackTranscript(p.ElectionID, ceremonyHash, l), X, pf)
}

// CorruptShare replaces the share d seals to recipient with a wrong value.
// It exists so simulations and tests can play a cheating dealer; an honest
// trustee never calls it.
func CorruptShare(rand io.Reader, p Params, d *Dealing, recipient int, key []byte) error {
	bad, err := sealShare(rand, p, d.Dealer, recipient, key, group.ScalarFromUint64(42), commitmentsHash(d.Commitments))
	if err != nil {
		return err
	}
	d.Shares[recipient-1] = bad
	return nil
}
