package ceremony

import (
	"bytes"
	"testing"

	"github.com/gtank/ristretto255"
	"github.com/pnyx-party/pnyx/election/group"
)

// The chain and the record share these codecs; a dealing or share must
// survive a round trip byte for byte, and a byte too many or too few is an
// error, never ignored.
func TestDealingAndShareCodecsRoundTripAndAreStrict(t *testing.T) {
	p := Params{N: 3, K: 2}
	p.ElectionID[0] = 7
	ts, ds, _ := run(t, newSeeded(3), p)
	for _, d := range ds {
		raw := EncodeDealing(d)
		if len(raw) != p.K*32+p.K*group.SchnorrSize+p.N*ShareCiphertextSize {
			t.Fatalf("dealing of %d is %d bytes", d.Dealer, len(raw))
		}
		back, err := DecodeDealing(p, d.Dealer, raw)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(EncodeDealing(back), raw) || VerifyDealing(p, back) != nil {
			t.Fatalf("dealing of %d does not round-trip", d.Dealer)
		}
		if _, err := DecodeDealing(p, d.Dealer, append(raw, 0)); err == nil {
			t.Fatal("a trailing byte was accepted")
		}
		if _, err := DecodeDealing(p, d.Dealer, raw[:len(raw)-1]); err == nil {
			t.Fatal("a short dealing was accepted")
		}
	}
	alphas := []*ristretto255.Element{ristretto255.NewElement().Base(), ristretto255.NewElement().Base()}
	s, err := ts[0].Decrypt(newSeeded(4), alphas)
	if err != nil {
		t.Fatal(err)
	}
	raw := EncodeShare(s)
	back, err := DecodeShare(1, len(alphas), raw)
	if err != nil || !bytes.Equal(EncodeShare(back), raw) {
		t.Fatalf("share does not round-trip: %v", err)
	}
	if _, err := DecodeShare(1, len(alphas)+1, raw); err == nil {
		t.Fatal("a share over the wrong number of ciphertexts was accepted")
	}
}
