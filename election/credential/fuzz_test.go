package credential

import "testing"

func FuzzDecodeKey(f *testing.F) {
	f.Add(EncodeKey(issuer(f).PublicKey()))
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := DecodeKey(b)
		if err != nil {
			return
		}
		if string(EncodeKey(pk)) != string(b) || CheckKey(pk) != nil {
			t.Fatal("accepted a non-canonical or weak key")
		}
	})
}

func FuzzVerify(f *testing.F) {
	is := issuer(f)
	v, _ := NewVerifier(is.PublicKey())
	f.Add(make([]byte, 32), make([]byte, 256))
	f.Fuzz(func(t *testing.T, otk, cred []byte) {
		var eid [32]byte
		if v.Verify(eid, otk, cred) == nil {
			t.Fatal("random credential verified")
		}
	})
}
