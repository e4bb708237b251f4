package group

import (
	"io"

	"github.com/gtank/ristretto255"
)

// Schnorr is a Schnorr proof of knowledge of x with X = g^x, in commitment
// form (R, s): R = g^k, c = H(transcript ‖ X ‖ R), s = k + c·x. Keeping R
// (not c) lets a verifier fold many proofs into one MSM. Bound to a message
// through the transcript, it is a signature.
type Schnorr struct {
	R *ristretto255.Element
	S *ristretto255.Scalar
}

// SchnorrSize is the encoded size: R ‖ s.
const SchnorrSize = ElementSize + ScalarSize

// ProveSchnorr proves knowledge of x for X = g^x under transcript t (which
// the caller has loaded with the context: domain, message, indices).
func ProveSchnorr(rand io.Reader, t *Transcript, x *ristretto255.Scalar, X *ristretto255.Element) (*Schnorr, error) {
	k, err := RandomScalar(rand)
	if err != nil {
		return nil, err
	}
	R := BaseMult(k)
	c := schnorrChallenge(t, X, R)
	s := ristretto255.NewScalar().Multiply(c, x)
	s.Add(s, k)
	return &Schnorr{R: R, S: s}, nil
}

func schnorrChallenge(t *Transcript, X, R *ristretto255.Element) *ristretto255.Scalar {
	t.AppendElement("schnorr-key", X)
	t.AppendElement("schnorr-commitment", R)
	return t.Challenge("schnorr")
}

// VerifySchnorr checks g^s = R · X^c.
func VerifySchnorr(t *Transcript, X *ristretto255.Element, p *Schnorr) bool {
	if p == nil || p.R == nil || p.S == nil || X == nil {
		return false
	}
	c := schnorrChallenge(t, X, p.R)
	negC := ristretto255.NewScalar().Negate(c)
	// g^s · X^-c == R
	got := ristretto255.NewElement().VarTimeDoubleScalarBaseMult(negC, X, p.S)
	return got.Equal(p.R) == 1
}

// Encode appends R ‖ s.
func (p *Schnorr) Encode(w *Writer) { w.Element(p.R); w.Scalar(p.S) }

// ReadSchnorr reads R ‖ s.
func ReadSchnorr(r *Reader, field string) *Schnorr {
	R := r.Element(field + ".R")
	s := r.Scalar(field + ".s")
	return &Schnorr{R: R, S: s}
}

// DLEQ is a Chaum-Pedersen proof that log_g X = log_A D (the same secret x
// makes a trustee's public share X = g^x and its decryption share D = A^x),
// in commitment form (a, b, v): a = g^u, b = A^u, c = H(t ‖ X ‖ A ‖ D ‖ a ‖ b),
// v = u + c·x.
type DLEQ struct {
	A, B *ristretto255.Element
	V    *ristretto255.Scalar
}

// DLEQSize is the encoded size: a ‖ b ‖ v.
const DLEQSize = 2*ElementSize + ScalarSize

func dleqChallenge(t *Transcript, X, A, D, a, b *ristretto255.Element) *ristretto255.Scalar {
	t.AppendElement("dleq-X", X)
	t.AppendElement("dleq-A", A)
	t.AppendElement("dleq-D", D)
	t.AppendElement("dleq-a", a)
	t.AppendElement("dleq-b", b)
	return t.Challenge("dleq")
}

// ProveDLEQ proves D = A^x for X = g^x.
func ProveDLEQ(rand io.Reader, t *Transcript, x *ristretto255.Scalar, X, A, D *ristretto255.Element) (*DLEQ, error) {
	u, err := RandomScalar(rand)
	if err != nil {
		return nil, err
	}
	a := BaseMult(u)
	b := Mult(u, A)
	c := dleqChallenge(t, X, A, D, a, b)
	v := ristretto255.NewScalar().Multiply(c, x)
	v.Add(v, u)
	return &DLEQ{A: a, B: b, V: v}, nil
}

// VerifyDLEQ checks g^v = a·X^c and A^v = b·D^c.
func VerifyDLEQ(t *Transcript, X, A, D *ristretto255.Element, p *DLEQ) bool {
	if p == nil || p.A == nil || p.B == nil || p.V == nil {
		return false
	}
	c := dleqChallenge(t, X, A, D, p.A, p.B)
	negC := ristretto255.NewScalar().Negate(c)
	if ristretto255.NewElement().VarTimeDoubleScalarBaseMult(negC, X, p.V).Equal(p.A) != 1 {
		return false
	}
	got := ristretto255.NewElement().VarTimeMultiScalarMult(
		[]*ristretto255.Scalar{p.V, negC}, []*ristretto255.Element{A, D})
	return got.Equal(p.B) == 1
}

// Encode appends a ‖ b ‖ v.
func (p *DLEQ) Encode(w *Writer) { w.Element(p.A); w.Element(p.B); w.Scalar(p.V) }

// ReadDLEQ reads a ‖ b ‖ v.
func ReadDLEQ(r *Reader, field string) *DLEQ {
	a := r.Element(field + ".a")
	b := r.Element(field + ".b")
	v := r.Scalar(field + ".v")
	return &DLEQ{A: a, B: b, V: v}
}

// AddSchnorr adds the equation g^s = R · X^c of a Schnorr proof to a batch,
// weighted by a fresh weight: the batch then fails if the proof does.
func (m *MSM) AddSchnorr(w *Weights, t *Transcript, X *ristretto255.Element, p *Schnorr) {
	c := schnorrChallenge(t, X, p.R)
	z := w.Next()
	m.AddBase(ristretto255.NewScalar().Multiply(z, p.S))
	m.Add(ristretto255.NewScalar().Negate(z), p.R)
	zc := ristretto255.NewScalar().Multiply(z, c)
	m.Add(zc.Negate(zc), X)
}
