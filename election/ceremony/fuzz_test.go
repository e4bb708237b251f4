package ceremony

import "testing"

// Receive parses sealed shares from other trustees: it must reject, never
// panic on, arbitrary bytes.
func FuzzReceiveSealedShare(f *testing.F) {
	p := Params{N: 2, K: 1}
	rnd := newSeeded(9)
	t1, _ := NewTrustee(rnd, p, 1)
	t2, _ := NewTrustee(rnd, p, 2)
	d, _ := t1.Deal(rnd, [][]byte{t1.HPKEKey, t2.HPKEKey})
	f.Add(d.Shares[1])
	f.Fuzz(func(t *testing.T, sealed []byte) {
		if len(sealed) != ShareCiphertextSize {
			return
		}
		dd := *d
		dd.Shares = [][]byte{d.Shares[0], sealed}
		if err := t2.Receive(&dd); err == nil && string(sealed) != string(d.Shares[1]) {
			// A different ciphertext that opens to a valid share would be
			// an AEAD forgery.
			t.Fatal("forged sealed share accepted")
		}
	})
}
