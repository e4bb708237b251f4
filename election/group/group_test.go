package group

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gtank/ristretto255"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// RFC 9496, Appendix A.1: multiples of the generator.
func TestGeneratorMultiplesKAT(t *testing.T) {
	want := []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
		"6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
		"94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
	}
	for i, w := range want {
		got := BaseMult(ScalarFromUint64(uint64(i))).Bytes()
		if hex.EncodeToString(got) != w {
			t.Errorf("%d·B = %x, want %s", i, got, w)
		}
		e, err := DecodeElement(unhex(w))
		if err != nil || !bytes.Equal(e.Bytes(), got) {
			t.Errorf("decode %d·B: %v", i, err)
		}
	}
}

// RFC 9496, Appendix A.2: invalid encodings must be rejected.
func TestNonCanonicalElementsRejected(t *testing.T) {
	for _, s := range []string{
		// non-canonical field encodings
		"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		// negative field elements
		"0100000000000000000000000000000000000000000000000000000000000000",
		"01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		// non-square x^2
		"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
	} {
		if _, err := DecodeElement(unhex(s)); !errors.Is(err, ErrInvalidElement) {
			t.Errorf("%s accepted: %v", s, err)
		}
	}
	if _, err := DecodeElement(make([]byte, 31)); !errors.Is(err, ErrInvalidElement) {
		t.Error("short element accepted")
	}
	if _, err := DecodePublicKey(make([]byte, 32)); !errors.Is(err, ErrIdentity) {
		t.Error("identity accepted as a public key")
	}
}

func TestNonCanonicalScalarsRejected(t *testing.T) {
	// ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
	l := unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	if _, err := DecodeScalar(l); !errors.Is(err, ErrInvalidScalar) {
		t.Error("ℓ accepted")
	}
	lm1 := append([]byte(nil), l...)
	lm1[0]--
	if _, err := DecodeScalar(lm1); err != nil {
		t.Errorf("ℓ-1 rejected: %v", err)
	}
	if _, err := DecodeScalar(bytes.Repeat([]byte{0xff}, 32)); !errors.Is(err, ErrInvalidScalar) {
		t.Error("2^256-1 accepted")
	}
}

// Frozen output of the transcript (docs/election-record.md, "Hashing"): a
// change here changes every proof, so it must be deliberate.
func TestTranscriptKAT(t *testing.T) {
	tr := NewTranscript("pnyx/test/v1")
	tr.AppendBytes("a", []byte("hello"))
	tr.AppendUint64("n", 7)
	tr.AppendElement("g", Generator())
	c := tr.Challenge("c")
	const want = "653c5ed8d0496420865079d101d03149b3391581a87cb3491b7674352b92a50c" // checked with Python hashlib
	if got := hex.EncodeToString(c.Bytes()); got != want {
		t.Errorf("challenge %s, want %s", got, want)
	}
	// Length prefixes: moving a byte between label and value changes the hash.
	a, b := NewTranscript("d"), NewTranscript("d")
	a.AppendBytes("ab", []byte("c"))
	b.AppendBytes("a", []byte("bc"))
	if a.Challenge("x").Equal(b.Challenge("x")) == 1 {
		t.Error("transcript encoding is not injective")
	}
}

func TestSchnorrAndDLEQ(t *testing.T) {
	x := ScalarFromUint64(12345)
	X := BaseMult(x)
	p, err := ProveSchnorr(zeroReader{}, NewTranscript("t"), x, X)
	if err != nil {
		t.Fatal(err)
	}
	if !VerifySchnorr(NewTranscript("t"), X, p) {
		t.Fatal("schnorr rejected")
	}
	if VerifySchnorr(NewTranscript("other"), X, p) {
		t.Fatal("schnorr accepted under another transcript")
	}
	A := BaseMult(ScalarFromUint64(99))
	D := Mult(x, A)
	q, _ := ProveDLEQ(zeroReader{}, NewTranscript("t"), x, X, A, D)
	if !VerifyDLEQ(NewTranscript("t"), X, A, D, q) {
		t.Fatal("dleq rejected")
	}
	if VerifyDLEQ(NewTranscript("t"), X, A, Add(D, Generator()), q) {
		t.Fatal("dleq accepted a wrong share")
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 7
	}
	return len(p), nil
}

func TestDlogUpToTenMillion(t *testing.T) {
	tab := NewDlogTable(10_000_000)
	for _, m := range []uint64{0, 1, 3162, 3163, 5_000_001, 10_000_000} {
		got, err := tab.Log(BaseMult(ScalarFromUint64(m)))
		if err != nil || got != m {
			t.Errorf("log g^%d = %d, %v", m, got, err)
		}
	}
	if _, err := tab.Log(BaseMult(ScalarFromUint64(10_000_001))); !errors.Is(err, ErrDlogRange) {
		t.Errorf("out of range: %v", err)
	}
}

func TestMSMDetectsFalseEquation(t *testing.T) {
	w := NewWeights(zeroReader{})
	x := ScalarFromUint64(5)
	m := NewMSM(2)
	z := w.Next()
	// z·(g^5 − X) with X = g^5 is the identity ...
	m.AddBase(ristretto255.NewScalar().Multiply(z, x))
	m.Add(ristretto255.NewScalar().Negate(z), BaseMult(x))
	if !m.IsIdentity() {
		t.Fatal("true equation rejected")
	}
	// ... with X = g^6 it is not.
	m.Add(ristretto255.NewScalar().Negate(z), Generator())
	if m.IsIdentity() {
		t.Fatal("false equation accepted")
	}
}

func TestReaderStickyErrors(t *testing.T) {
	w := &Writer{}
	w.Uint32(7)
	w.Element(Generator())
	w.Scalar(ScalarFromUint64(1))
	r := NewReader(w.Buf)
	if r.Uint32("n") != 7 || r.Element("e") == nil || r.Scalar("s") == nil || r.Finish() != nil {
		t.Fatal("round trip")
	}
	r = NewReader(append(w.Buf, 0))
	r.Uint32("n")
	r.Element("e")
	r.Scalar("s")
	if !errors.Is(r.Finish(), ErrTrailing) {
		t.Fatal("trailing byte accepted")
	}
	r = NewReader(w.Buf[:10])
	r.Uint32("n")
	r.Element("e")
	if !errors.Is(r.Err(), ErrTruncated) {
		t.Fatal("truncation not reported")
	}
}
