package credential

// An issuer's blind signature is the raw RSA private-key operation
// s = c^d mod N on the member's blinded message c. circl's blindrsa
// computes it as one exponentiation modulo N; with the Chinese remainder
// theorem (two half-size exponentiations modulo p and q) the same s costs
// about a third as much, and signing is what an issuer of three million
// requests spends its cores on (issue 17). The result is the same number,
// so nothing else changes: the chain, the voter's unblinding and every
// verifier see identical signatures.

import (
	"crypto/rand"
	"errors"
	"math/big"
)

var errCRT = errors.New("credential: RSA-CRT signature failed its check")

// crtKey is the issuer key's CRT form, nil for a key that has not
// exactly two primes (then circl's signer is used).
type crtKey struct {
	n, e, p, q, dp, dq, qinv *big.Int
}

func newCRTKey(is *Issuer) *crtKey {
	sk := is.sk
	if len(sk.Primes) != 2 {
		return nil
	}
	sk.Precompute()
	if sk.Precomputed.Dp == nil || sk.Precomputed.Dq == nil || sk.Precomputed.Qinv == nil {
		return nil
	}
	return &crtKey{n: sk.N, e: big.NewInt(int64(sk.E)), p: sk.Primes[0], q: sk.Primes[1],
		dp: sk.Precomputed.Dp, dq: sk.Precomputed.Dq, qinv: sk.Precomputed.Qinv}
}

// blindSign returns c^d mod N as a len(c)-byte string. Like circl, it
// multiplies c by r^e for a fresh random r first and divides r out after,
// so the exponentiations never run on the caller's chosen value, and it
// checks s^e = c, so a fault in the CRT step never leaks a signature
// that would reveal a factor of N.
func (k *crtKey) blindSign(c []byte) ([]byte, error) {
	size := (k.n.BitLen() + 7) / 8
	if len(c) != size {
		return nil, ErrBadRequest
	}
	m := new(big.Int).SetBytes(c)
	if m.Cmp(k.n) >= 0 {
		return nil, ErrBadRequest
	}
	var r, rInv *big.Int
	for {
		var err error
		if r, err = rand.Int(rand.Reader, k.n); err != nil {
			return nil, err
		}
		if r.Sign() > 0 {
			if rInv = new(big.Int).ModInverse(r, k.n); rInv != nil {
				break
			}
		}
	}
	cb := new(big.Int).Exp(r, k.e, k.n)
	cb.Mul(cb, m).Mod(cb, k.n)
	m1 := new(big.Int).Exp(cb, k.dp, k.p)
	m2 := new(big.Int).Exp(cb, k.dq, k.q)
	h := m1.Sub(m1, m2)
	h.Mul(h, k.qinv).Mod(h, k.p) // Mod is Euclidean: h ≥ 0
	s := h.Mul(h, k.q).Add(h, m2)
	s.Mul(s, rInv).Mod(s, k.n)
	if new(big.Int).Exp(s, k.e, k.n).Cmp(m) != 0 {
		return nil, errCRT
	}
	return s.FillBytes(make([]byte, size)), nil
}
