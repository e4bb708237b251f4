package credential

import (
	"crypto/rand"
	"testing"
)

func BenchmarkVerify(b *testing.B) {
	is := issuer(b)
	var eid [32]byte
	otk := make([]byte, 32)
	cred, _ := is.SignDirect(rand.Reader, eid, otk)
	v, _ := NewVerifier(is.PublicKey())
	b.ResetTimer()
	for range b.N {
		if err := v.Verify(eid, otk, cred); err != nil {
			b.Fatal(err)
		}
	}
}
