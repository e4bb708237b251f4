package ballot

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/pnyx-party/pnyx/election/group"
)

func benchElection(b *testing.B, options int) (*Election, []*Ballot) {
	iss := testIssuers(b, 2)
	m := &Manifest{Title: "bench", Contests: []Contest{
		{Title: "chair", SelectionLimit: 1, OptionLimit: 1, Options: make([]string, options)},
	}}
	K := group.BaseMult(group.MustRandomScalar(rand.Reader))
	e, err := NewElection(m, K, []*rsa.PublicKey{iss[0].PublicKey(), iss[1].PublicKey()})
	if err != nil {
		b.Fatal(err)
	}
	r := newSeeded(9)
	var bs []*Ballot
	for i := range BatchSize {
		ch := [][]uint32{make([]uint32, options)}
		ch[0][i%options] = 1
		bb, _, _ := cast(b, e, r, ch)
		bs = append(bs, bb)
	}
	return e, bs
}

func BenchmarkEncrypt10(b *testing.B) {
	e, bs := benchElection(b, 10)
	key, _ := NewOneTimeKey(rand.Reader)
	ch := [][]uint32{make([]uint32, 10)}
	ch[0][3] = 1
	b.ResetTimer()
	for range b.N {
		Encrypt(rand.Reader, e, key, bs[0].Credentials, ch)
	}
}

func BenchmarkDecode10(b *testing.B) {
	e, bs := benchElection(b, 10)
	b.ResetTimer()
	for i := range b.N {
		Decode(e, bs[i%len(bs)].Bytes())
	}
}

func BenchmarkCheck10(b *testing.B) {
	e, bs := benchElection(b, 10)
	b.ResetTimer()
	for i := range b.N {
		if err := Check(e, bs[i%len(bs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// Per ballot: b.N counts ballots.
func BenchmarkVerifyProofsBatch10(b *testing.B) {
	e, bs := benchElection(b, 10)
	b.ResetTimer()
	for i := 0; i < b.N; i += len(bs) {
		if f := VerifyProofs(e, bs, rand.Reader); f != nil {
			b.Fatal(f)
		}
	}
}

func BenchmarkVerifyProofsNaive10(b *testing.B) {
	e, bs := benchElection(b, 10)
	b.ResetTimer()
	for i := range b.N {
		if err := VerifyProofsNaive(e, bs[i%len(bs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// The verifier's per-ballot pipeline on one core: decode, credentials,
// signature, batched proofs. b.N counts ballots.
func BenchmarkVerifyPipeline10(b *testing.B) {
	e, bs := benchElection(b, 10)
	raws := make([][]byte, len(bs))
	for i, x := range bs {
		raws[i] = x.Bytes()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += len(raws) {
		var dec []*Ballot
		for _, raw := range raws {
			d, err := Decode(e, raw)
			if err != nil {
				b.Fatal(err)
			}
			if err := Check(e, d); err != nil {
				b.Fatal(err)
			}
			dec = append(dec, d)
		}
		if f := VerifyProofs(e, dec, rand.Reader); f != nil {
			b.Fatal(f)
		}
	}
}
