package credential

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/cloudflare/circl/blindsign/blindrsa"
)

// The CRT signer gives exactly circl's blind signature (the same c^d mod N)
// and refuses what circl refuses, so issuers changed nothing on the wire.
func TestCRTSignatureIsCirclsSignature(t *testing.T) {
	is := issuer(t)
	if is.crt == nil {
		t.Fatal("a two-prime key has no CRT form")
	}
	circl := blindrsa.NewSigner(testKey)
	_, member, _ := ed25519.GenerateKey(rand.Reader)
	var eid [32]byte
	for range 20 {
		otk := make([]byte, 32)
		rand.Read(otk)
		req, p, err := NewRequest(rand.Reader, is.PublicKey(), 0, eid, otk, member)
		if err != nil {
			t.Fatal(err)
		}
		got, err := is.Sign(req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := circl.BlindSign(req.Blinded)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("CRT signature differs from circl's")
		}
		if _, err := p.Finalize(got); err != nil {
			t.Fatalf("the CRT signature does not finalize: %v", err)
		}
	}
	tooBig := bytes.Repeat([]byte{0xff}, len(testKey.N.Bytes()))
	if _, err := is.crt.blindSign(tooBig); err == nil {
		t.Fatal("a message ≥ N was signed")
	}
	if _, err := is.crt.blindSign([]byte{1, 2, 3}); err == nil {
		t.Fatal("a short message was signed")
	}
}

func BenchmarkBlindSign(b *testing.B) {
	is := issuer(b)
	_, member, _ := ed25519.GenerateKey(rand.Reader)
	var eid [32]byte
	req, _, _ := NewRequest(rand.Reader, is.PublicKey(), 0, eid, make([]byte, 32), member)
	b.Run("crt", func(b *testing.B) {
		for b.Loop() {
			is.crt.blindSign(req.Blinded)
		}
	})
	b.Run("circl", func(b *testing.B) {
		for b.Loop() {
			is.signer.BlindSign(req.Blinded)
		}
	})
}
