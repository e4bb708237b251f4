package credential

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cloudflare/circl/blindsign/blindrsa"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func issuer(t testing.TB) *Issuer {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	is, err := NewIssuer(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return is
}

// blindIssue runs one blind issuance for member, logged in log, and
// returns the unblinded credential.
func blindIssue(t *testing.T, is *Issuer, log *Log, member ed25519.PrivateKey, eid [32]byte, otk []byte) []byte {
	t.Helper()
	req, pending, err := NewRequest(rand.Reader, is.PublicKey(), 0, eid, otk, member)
	if err != nil {
		t.Fatal(err)
	}
	if err := log.Add(is.PublicKey(), req); err != nil {
		t.Fatal(err)
	}
	bs, err := is.Sign(req)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := pending.Finalize(bs)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func TestBlindIssuanceRoundTrip(t *testing.T) {
	is := issuer(t)
	var eid [32]byte
	eid[0] = 1
	otk := make([]byte, 32)
	otk[5] = 9
	_, member, _ := ed25519.GenerateKey(rand.Reader)
	log := &Log{Issuer: 0}
	cred := blindIssue(t, is, log, member, eid, otk)
	if err := Verify(is.PublicKey(), eid, otk, cred); err != nil {
		t.Fatal(err)
	}
	// Bound to the election and the key.
	other := eid
	other[0] = 2
	if err := Verify(is.PublicKey(), other, otk, cred); !errors.Is(err, ErrForged) {
		t.Fatalf("other election: %v", err)
	}
	otk2 := append([]byte(nil), otk...)
	otk2[0] = 1
	if err := Verify(is.PublicKey(), eid, otk2, cred); !errors.Is(err, ErrForged) {
		t.Fatalf("other key: %v", err)
	}
	// The direct path gives an equally valid credential.
	d, err := is.SignDirect(rand.Reader, eid, otk2)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(is.PublicKey(), eid, otk2, d); err != nil {
		t.Fatal(err)
	}
	// One credential per member per issuer.
	req2, _, _ := NewRequest(rand.Reader, is.PublicKey(), 0, eid, otk2, member)
	if err := log.Add(is.PublicKey(), req2); !errors.Is(err, ErrDuplicateRequest) {
		t.Fatalf("second request: %v", err)
	}
	// A request whose member signature fails is refused.
	req2.Blinded[0] ^= 1
	if _, err := is.Sign(req2); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("tampered request: %v", err)
	}
}

func TestCheatingIssuerDetected(t *testing.T) {
	is := issuer(t)
	var eid [32]byte
	_, member, _ := ed25519.GenerateKey(rand.Reader)
	req, pending, _ := NewRequest(rand.Reader, is.PublicKey(), 0, eid, make([]byte, 32), member)
	bs, _ := is.Sign(req)
	bs[len(bs)-1] ^= 1 // the issuer returns a wrong blind signature
	if _, err := pending.Finalize(bs); !errors.Is(err, ErrIssuerMisbehaved) {
		t.Fatalf("cheating issuer: %v", err)
	}
}

func TestKeyCodecAndWeakKeys(t *testing.T) {
	is := issuer(t)
	der := EncodeKey(is.PublicKey())
	pk, err := DecodeKey(der)
	if err != nil || pk.N.Cmp(is.PublicKey().N) != 0 {
		t.Fatal(err)
	}
	weak := &rsa.PublicKey{N: is.PublicKey().N, E: 3}
	if err := CheckKey(weak); !errors.Is(err, ErrWeakKey) {
		t.Fatal("e=3 accepted")
	}
	if _, err := DecodeKey(der[:len(der)-1]); !errors.Is(err, ErrWeakKey) {
		t.Fatal("truncated key accepted")
	}
}

// Verify (crypto/rsa) and RFC 9474's verifier in circl give the same
// verdict on a blind-issued credential, on every single-bit change of it,
// on another message, and on PSS signatures with other salt lengths.
func TestVerifyAgreesWithBlindRSA(t *testing.T) {
	is := issuer(t)
	pk := is.PublicKey()
	circl, err := blindrsa.NewVerifier(Variant, pk)
	if err != nil {
		t.Fatal(err)
	}
	var eid [32]byte
	otk := make([]byte, 32)
	otk[0] = 3
	_, member, _ := ed25519.GenerateKey(rand.Reader)
	cred := blindIssue(t, is, &Log{Issuer: 0}, member, eid, otk)
	msg := Message(eid, otk)
	digest := sha512.Sum384(msg)
	check := func(what string, m, sig []byte, wantOK bool) {
		t.Helper()
		var e [32]byte
		copy(e[:], m[len(messageDomain):len(messageDomain)+32])
		ours := Verify(pk, e, m[len(messageDomain)+32:], sig) == nil
		theirs := circl.Verify(m, sig) == nil
		if ours != theirs || ours != wantOK {
			t.Fatalf("%s: crypto/rsa %v, circl %v, want %v", what, ours, theirs, wantOK)
		}
	}
	check("issued credential", msg, cred, true)
	for bit := 0; bit < len(cred)*8; bit += 7 {
		c := bytes.Clone(cred)
		c[bit/8] ^= 1 << (bit % 8)
		check(fmt.Sprintf("bit %d flipped", bit), msg, c, false)
	}
	otherMsg := Message(eid, make([]byte, 32))
	check("another one-time key", otherMsg, cred, false)
	for _, salt := range []int{0, 32, 47, 49, 64} {
		sig, err := rsa.SignPSS(rand.Reader, testKey, crypto.SHA384, digest[:], &rsa.PSSOptions{SaltLength: salt, Hash: crypto.SHA384})
		if err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("salt %d", salt), msg, sig, false)
	}
	sig, _ := rsa.SignPSS(rand.Reader, testKey, crypto.SHA384, digest[:], &rsa.PSSOptions{SaltLength: 48, Hash: crypto.SHA384})
	check("PSS with the variant's salt", msg, sig, true)
}
