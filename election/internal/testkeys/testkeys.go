// Package testkeys hands tests RSA issuer keys generated once per test
// binary: RSA key generation is slow, and tests need real keys because
// blind RSA does.
package testkeys

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
)

var (
	once sync.Once
	keys []*rsa.PrivateKey
)

// RSA returns n 2048-bit keys (n ≤ 3), the same ones on every call.
func RSA(n int) []*rsa.PrivateKey {
	once.Do(func() {
		for range 3 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys = append(keys, k)
		}
	})
	return keys[:n]
}
