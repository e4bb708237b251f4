package ballot

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	mrand "math/rand/v2"
	"sync"
	"testing"

	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/group"
)

// Issuer keys are slow to generate: once per test binary.
var (
	issuersOnce sync.Once
	issuers     []*credential.Issuer
)

func testIssuers(t testing.TB, m int) []*credential.Issuer {
	issuersOnce.Do(func() {
		for range 2 {
			sk, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			is, err := credential.NewIssuer(sk)
			if err != nil {
				panic(err)
			}
			issuers = append(issuers, is)
		}
	})
	return issuers[:m]
}

// seeded is a deterministic io.Reader for reproducible tests.
type seeded struct{ r *mrand.ChaCha8 }

func newSeeded(seed byte) *seeded {
	var s [32]byte
	s[0] = seed
	return &seeded{mrand.NewChaCha8(s)}
}
func (s *seeded) Read(p []byte) (int, error) { return s.r.Read(p) }

func newFixture(t testing.TB, options int, id byte) *Election {
	iss := testIssuers(t, 2)
	m := &Manifest{Title: "test", Contests: []Contest{
		{Title: "chair", SelectionLimit: 1, OptionLimit: 1, Options: make([]string, options)},
		{Title: "board", SelectionLimit: 3, OptionLimit: 2, Options: []string{"a", "b", "c"}},
	}}
	m.ElectionID[0] = id
	K := group.BaseMult(group.MustRandomScalar(rand.Reader))
	e, err := NewElection(m, K, []*rsa.PublicKey{iss[0].PublicKey(), iss[1].PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func cast(t testing.TB, e *Election, r *seeded, choices [][]uint32) (*Ballot, *Reveal, *OneTimeKey) {
	key, err := NewOneTimeKey(r)
	if err != nil {
		t.Fatal(err)
	}
	var creds [][]byte
	for _, is := range testIssuers(t, 2) {
		c, err := is.SignDirect(r, e.Manifest.ElectionID, key.Bytes[:])
		if err != nil {
			t.Fatal(err)
		}
		creds = append(creds, c)
	}
	b, rv, err := Encrypt(r, e, key, creds, choices)
	if err != nil {
		t.Fatal(err)
	}
	return b, rv, key
}

func TestEncryptDecodeVerify(t *testing.T) {
	e := newFixture(t, 4, 1)
	r := newSeeded(1)
	b, rv, _ := cast(t, e, r, [][]uint32{{0, 1, 0, 0}, {2, 1, 0}})
	if len(b.Bytes()) != e.Size() {
		t.Fatalf("size %d != %d", len(b.Bytes()), e.Size())
	}
	d, err := Decode(e, b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if string(d.encodeBody(e)) != string(b.raw[:len(b.raw)-group.SchnorrSize]) {
		t.Fatal("re-encoding differs")
	}
	if err := Check(e, d); err != nil {
		t.Fatal(err)
	}
	if err := VerifyProofsNaive(e, d); err != nil {
		t.Fatal(err)
	}
	if f := VerifyProofs(e, []*Ballot{d}, rand.Reader); f != nil {
		t.Fatal(f)
	}
	if err := VerifySpoiled(e, d, rv); err != nil {
		t.Fatal(err)
	}
	rv.Choices[0][1], rv.Choices[0][2] = 0, 1
	if err := VerifySpoiled(e, d, rv); !errors.Is(err, ErrSpoiledMismatch) {
		t.Fatalf("altered reveal: %v", err)
	}
}

func TestEncryptRejectsOverLimit(t *testing.T) {
	e := newFixture(t, 3, 1)
	key, _ := NewOneTimeKey(rand.Reader)
	for _, ch := range [][][]uint32{
		{{1, 1, 0}, {0, 0, 0}}, // two selections, limit 1
		{{2, 0, 0}, {0, 0, 0}}, // option limit 1
		{{0, 0, 0}, {2, 2, 0}}, // four selections, limit 3
		{{0, 0}, {0, 0, 0}},    // wrong shape
	} {
		if _, _, err := Encrypt(rand.Reader, e, key, make([][]byte, 2), ch); !errors.Is(err, ErrOverLimit) {
			t.Errorf("%v: %v", ch, err)
		}
	}
}

// Every rejection has its own error.
func TestDistinctRejections(t *testing.T) {
	e := newFixture(t, 3, 1)
	other := newFixture(t, 3, 2)
	r := newSeeded(2)
	good, _, _ := cast(t, e, r, [][]uint32{{1, 0, 0}, {1, 0, 0}})

	box := NewBox(e)
	if _, err := box.Add(mustDecode(t, e, good.Bytes())); err != nil {
		t.Fatal(err)
	}

	// Forged credential: flip a byte of issuer 1's credential.
	forged := append([]byte(nil), good.Bytes()...)
	forged[1+32+32+256+10] ^= 1
	fb := mustDecode(t, e, forged)
	if err := CheckCredentials(e, fb); !errors.Is(err, ErrCredentialForged) {
		t.Errorf("forged credential: %v", err)
	}

	// Reused credential under another one-time key.
	key2, _ := NewOneTimeKey(r)
	reused, _, err := Encrypt(r, e, key2, good.Credentials, [][]uint32{{0, 1, 0}, {0, 0, 0}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := box.Add(mustDecode(t, e, reused.Bytes())); !errors.Is(err, ErrCredentialReused) {
		t.Errorf("reused credential: %v", err)
	}

	// Ballot for another election.
	ob, _, _ := cast(t, other, r, [][]uint32{{1, 0, 0}, {0, 0, 0}})
	if _, err := Decode(e, ob.Bytes()); !errors.Is(err, ErrWrongElection) {
		t.Errorf("other election: %v", err)
	}

	// Over-limit ballot: two selections in a choose-one contest.
	key3, _ := NewOneTimeKey(r)
	over, _, err := encrypt(r, e, key3, good.Credentials, [][]uint32{{1, 1, 0}, {0, 0, 0}})
	if err != nil {
		t.Fatal(err)
	}
	ovb := mustDecode(t, e, over.Bytes())
	if err := VerifyProofsNaive(e, ovb); !errors.Is(err, ErrSelectionLimit) {
		t.Errorf("over limit (naive): %v", err)
	}
	if f := VerifyProofs(e, []*Ballot{good, ovb, good}, rand.Reader); len(f) != 1 || f[0].Index != 1 || !errors.Is(f[0].Err, ErrSelectionLimit) {
		t.Errorf("over limit (batch): %v", f)
	}
	// Option over its limit.
	over2, _, _ := encrypt(r, e, key3, good.Credentials, [][]uint32{{2, 0, 0}, {0, 0, 0}})
	if err := VerifyProofsNaive(e, mustDecode(t, e, over2.Bytes())); !errors.Is(err, ErrRangeProof) {
		t.Errorf("option over limit: %v", err)
	}

	// Malformed point: a non-canonical alpha (all 0xff is not canonical).
	bad := append([]byte(nil), good.Bytes()...)
	off := 1 + 32 + 32 + 256 + 256
	for i := range 32 {
		bad[off+i] = 0xff
	}
	if _, err := Decode(e, bad); !errors.Is(err, ErrMalformedPoint) {
		t.Errorf("malformed point: %v", err)
	}
	// Non-canonical scalar: the last 32 bytes are the signature's s.
	bad = append([]byte(nil), good.Bytes()...)
	for i := len(bad) - 32; i < len(bad); i++ {
		bad[i] = 0xff
	}
	if _, err := Decode(e, bad); !errors.Is(err, ErrMalformedScalar) {
		t.Errorf("malformed scalar: %v", err)
	}
	// Truncated.
	if _, err := Decode(e, good.Bytes()[:100]); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated: %v", err)
	}
	// Bad signature: change a proof byte so everything decodes but the
	// signature no longer covers it. Re-derive: use a valid scalar swap.
	sigBad := append([]byte(nil), good.Bytes()...)
	copy(sigBad[len(sigBad)-64:len(sigBad)-32], ovb.Bytes()[len(sigBad)-64:len(sigBad)-32])
	if err := CheckSignature(e, mustDecode(t, e, sigBad)); !errors.Is(err, ErrSignature) {
		t.Errorf("signature: %v", err)
	}
}

func mustDecode(t testing.TB, e *Election, raw []byte) *Ballot {
	t.Helper()
	b, err := Decode(e, raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRevoteLastCounts(t *testing.T) {
	e := newFixture(t, 3, 1)
	r := newSeeded(3)
	b1, _, key := cast(t, e, r, [][]uint32{{1, 0, 0}, {0, 0, 0}})
	b2, _, err := Encrypt(r, e, key, b1.Credentials, [][]uint32{{0, 0, 1}, {0, 0, 0}})
	if err != nil {
		t.Fatal(err)
	}
	box := NewBox(e)
	if rep, err := box.Add(b1); err != nil || rep != -1 {
		t.Fatal(rep, err)
	}
	if rep, err := box.Add(b2); err != nil || rep != 0 {
		t.Fatal(rep, err)
	}
	final := box.Final()
	if len(final) != 1 || final[0] != b2 || box.Voters() != 1 {
		t.Fatalf("final = %v", final)
	}
	want := Aggregate(e, []*Ballot{b2})
	for j, ct := range box.Tally()[0] {
		if ct.Alpha.Equal(want[0][j].Alpha) != 1 || ct.Beta.Equal(want[0][j].Beta) != 1 {
			t.Fatal("running tally does not subtract the replaced ballot")
		}
	}
	// Replaying the first ballot must not bring the old choice back.
	if _, err := box.Add(mustDecode(t, e, b1.Bytes())); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("replayed ballot: %v", err)
	}
	if box.Final()[0] != b2 {
		t.Fatal("replay changed the counted ballot")
	}
	// A spoiled ballot can never be cast, and a cast one not spoiled.
	b3, _, err := Encrypt(r, e, key, b1.Credentials, [][]uint32{{1, 0, 0}, {0, 0, 0}})
	if err != nil {
		t.Fatal(err)
	}
	if err := box.Spoil(b3); err != nil {
		t.Fatal(err)
	}
	if _, err := box.Add(b3); !errors.Is(err, ErrSpoiledCast) {
		t.Fatalf("casting a spoiled ballot: %v", err)
	}
	if err := box.Spoil(b2); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("spoiling a cast ballot: %v", err)
	}
}

func TestBatchBisectionNamesBadBallots(t *testing.T) {
	e := newFixture(t, 3, 1)
	r := newSeeded(4)
	var bs []*Ballot
	for i := range 9 {
		ch := [][]uint32{{0, 0, 0}, {0, 0, 0}}
		ch[0][i%3] = 1
		b, _, _ := cast(t, e, r, ch)
		bs = append(bs, b)
	}
	if f := VerifyProofs(e, bs, rand.Reader); f != nil {
		t.Fatal(f)
	}
	// Swap two proofs' responses in ballots 2 and 7 (valid scalars, wrong values).
	for _, i := range []int{2, 7} {
		raw := append([]byte(nil), bs[i].Bytes()...)
		// the first range proof's v0 sits after A/B (4 points) and c (1 scalar)
		off := 1 + 32 + 32 + 512 + (3+3)*64 + 4*32 + 32
		raw[off] ^= 1
		bs[i] = mustDecode(t, e, raw)
	}
	f := VerifyProofsParallel(e, bs, 2, func() io.Reader { return rand.Reader }, nil)
	if len(f) != 2 || f[0].Index != 2 || f[1].Index != 7 || !errors.Is(f[0].Err, ErrRangeProof) {
		t.Fatalf("failures %v", f)
	}
}

func TestBatchWithSignatures(t *testing.T) {
	e := newFixture(t, 3, 1)
	r := newSeeded(5)
	var bs []*Ballot
	for range 5 {
		b, _, _ := cast(t, e, r, [][]uint32{{0, 1, 0}, {0, 0, 1}})
		bs = append(bs, b)
	}
	if f := VerifyProofsAndSignatures(e, bs, rand.Reader); f != nil {
		t.Fatal(f)
	}
	raw := append([]byte(nil), bs[3].Bytes()...)
	copy(raw[len(raw)-32:], group.ScalarFromUint64(1).Bytes()) // signature s
	bs[3] = mustDecode(t, e, raw)
	f := VerifyProofsAndSignatures(e, bs, rand.Reader)
	if len(f) != 1 || f[0].Index != 3 || !errors.Is(f[0].Err, ErrSignature) {
		t.Fatalf("failures %v", f)
	}
	if f := VerifyProofs(e, bs, rand.Reader); f != nil {
		t.Fatalf("proofs alone: %v", f)
	}
}

// A frozen ballot: fixed manifest, joint key g^7 and randomness. The
// ciphertexts and proofs do not depend on the (randomly generated) issuer
// key, so their bytes are pinned; a change here is a format change
// (docs/election-record.md) and must be deliberate.
func TestBallotKnownAnswer(t *testing.T) {
	iss := testIssuers(t, 1)
	m := &Manifest{Title: "kat", Contests: []Contest{{Title: "c", SelectionLimit: 1, OptionLimit: 1, Options: []string{"a", "b"}}}}
	K := group.BaseMult(group.ScalarFromUint64(7))
	e, err := NewElection(m, K, []*rsa.PublicKey{iss[0].PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	r := newSeeded(77)
	key, _ := NewOneTimeKey(r)
	b, _, err := Encrypt(r, e, key, [][]byte{make([]byte, 256)}, [][]uint32{{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyProofsNaive(e, b); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	part := append(append([]byte(nil), raw[:65]...), raw[65+256:len(raw)-64]...)
	sum := sha256.Sum256(part)
	const want = "615da4df330d89aa423393a4682a6df14f7920613c1a4a4871a12b4dd333a0e7"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("ballot bytes hash %s, want %s", got, want)
	}
}

// SelectionBytes are the ciphertexts as encoded in the ballot, for an
// encrypted ballot and for the same ballot decoded.
func TestSelectionBytes(t *testing.T) {
	e := newFixture(t, 3, 1)
	b, _, _ := cast(t, e, newSeeded(7), [][]uint32{{0, 1, 0}, {1, 0, 1}})
	d, err := Decode(e, b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := encodeCiphertexts(d.Contests)
	if len(want) != (3+3)*2*32 || !bytes.Equal(b.SelectionBytes(), want) || !bytes.Equal(d.SelectionBytes(), want) {
		t.Fatalf("selection bytes differ: %x / %x / %x", b.SelectionBytes(), d.SelectionBytes(), want)
	}
}
