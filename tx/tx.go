// Package tx defines the one signed envelope that carries every pnyx
// transaction, whatever module it is for, and its canonical binary encoding.
//
// A client builds an Envelope, signs it and sends Encode's bytes:
//
//	env := &tx.Envelope{ChainID: "pnyx-1", Type: "member/redeem", Nonce: 0}
//	if err := env.SetBody(body); err != nil { ... } // canonical JSON of the body
//	env.Sign(privateKey)
//	raw := env.Encode()
//
// The node decodes with Decode, which accepts exactly one byte string per
// envelope: fixed-width lengths, no trailing bytes, and a body that must equal
// the canonical JSON re-encoding of itself. So a signed transaction cannot be
// re-encoded into a second valid form with another hash.
//
// Encoding (all integers big-endian):
//
//	version   1 byte   = 1
//	chainID   u16 length, bytes
//	type      u16 length, bytes
//	body      u32 length, bytes
//	signer    32 bytes, Ed25519 public key
//	nonce     u64
//	signature 64 bytes, Ed25519 over SignBytes
//
// SignBytes is the domain separator "pnyx/tx/v1\x00" followed by the encoding
// above without the signature, so a signature can never be replayed as another
// kind of pnyx signature (read requests, credentials) or on another chain.
package tx

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/pnyx-party/pnyx/codes"
)

const (
	// Version is the only envelope version this code accepts.
	Version = 1
	// MaxTxBytes bounds a whole encoded transaction. Assembly minutes of up to
	// 64 KiB travel inline, so the limit leaves room for them plus the envelope.
	MaxTxBytes = 96 << 10
	// MaxChainIDLen and MaxTypeLen bound the envelope's two names.
	MaxChainIDLen = 64
	MaxTypeLen    = 64

	signDomain = "pnyx/tx/v1\x00"
	fixedLen   = 1 + 2 + 2 + 4 + ed25519.PublicKeySize + 8 + ed25519.SignatureSize
)

// Envelope is a decoded transaction.
type Envelope struct {
	ChainID   string
	Type      string
	Body      []byte
	Signer    ed25519.PublicKey
	Nonce     uint64
	Signature []byte
}

// SetBody stores the canonical JSON encoding of v as the body.
func (e *Envelope) SetBody(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	e.Body = b
	return nil
}

// SignBytes returns the bytes the signer signs: the domain separator followed
// by the encoding without the signature.
func (e *Envelope) SignBytes() []byte {
	var buf bytes.Buffer
	buf.Grow(len(signDomain) + fixedLen + len(e.ChainID) + len(e.Type) + len(e.Body))
	buf.WriteString(signDomain)
	e.writeUnsigned(&buf)
	return buf.Bytes()
}

// Sign sets Signer and Signature from key.
func (e *Envelope) Sign(key ed25519.PrivateKey) {
	e.Signer = key.Public().(ed25519.PublicKey)
	e.Signature = ed25519.Sign(key, e.SignBytes())
}

// VerifySignature checks the Ed25519 signature over SignBytes.
func (e *Envelope) VerifySignature() error {
	if !ed25519.Verify(e.Signer, e.SignBytes(), e.Signature) {
		return codes.BadSignature.Errorf("signature by %x does not verify", []byte(e.Signer))
	}
	return nil
}

// Encode returns the canonical encoding. It panics if a field exceeds its
// length limit, which only a programming error can cause: Decode and the
// client's builder enforce the limits.
func (e *Envelope) Encode() []byte {
	var buf bytes.Buffer
	buf.Grow(fixedLen + len(e.ChainID) + len(e.Type) + len(e.Body))
	e.writeUnsigned(&buf)
	sig := e.Signature
	if len(sig) != ed25519.SignatureSize {
		sig = make([]byte, ed25519.SignatureSize)
	}
	buf.Write(sig)
	return buf.Bytes()
}

func (e *Envelope) writeUnsigned(buf *bytes.Buffer) {
	if len(e.ChainID) > MaxChainIDLen || len(e.Type) > MaxTypeLen || len(e.Signer) != ed25519.PublicKeySize {
		panic("tx: envelope field out of range")
	}
	var n [8]byte
	buf.WriteByte(Version)
	binary.BigEndian.PutUint16(n[:2], uint16(len(e.ChainID)))
	buf.Write(n[:2])
	buf.WriteString(e.ChainID)
	binary.BigEndian.PutUint16(n[:2], uint16(len(e.Type)))
	buf.Write(n[:2])
	buf.WriteString(e.Type)
	binary.BigEndian.PutUint32(n[:4], uint32(len(e.Body)))
	buf.Write(n[:4])
	buf.Write(e.Body)
	buf.Write(e.Signer)
	binary.BigEndian.PutUint64(n[:], e.Nonce)
	buf.Write(n[:])
}

// Hash returns the transaction hash as CometBFT computes it: SHA-256 of the
// encoded bytes.
func Hash(raw []byte) []byte {
	h := sha256.Sum256(raw)
	return h[:]
}

// Decode parses raw into an envelope. It checks only the encoding, not the
// signature, chain ID or nonce. Errors carry codes.TooLarge or codes.Malformed.
func Decode(raw []byte) (*Envelope, error) {
	if len(raw) > MaxTxBytes {
		return nil, codes.TooLarge.Errorf("tx is %d bytes, the limit is %d", len(raw), MaxTxBytes)
	}
	r := reader{b: raw}
	if v := r.u8(); v != Version {
		if r.err != nil {
			return nil, r.err
		}
		return nil, codes.Malformed.Errorf("unknown envelope version %d", v)
	}
	e := &Envelope{}
	e.ChainID = string(r.bytes(int(r.u16()), MaxChainIDLen, "chain ID"))
	e.Type = string(r.bytes(int(r.u16()), MaxTypeLen, "type"))
	e.Body = r.bytes(int(r.u32()), MaxTxBytes, "body")
	e.Signer = ed25519.PublicKey(r.bytes(ed25519.PublicKeySize, ed25519.PublicKeySize, "signer"))
	e.Nonce = r.u64()
	e.Signature = r.bytes(ed25519.SignatureSize, ed25519.SignatureSize, "signature")
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, codes.Malformed.Errorf("%d trailing bytes after the signature", len(r.b))
	}
	return e, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.err = codes.Malformed.Errorf("tx ends inside the %s", what)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() byte {
	b := r.take(1, "version")
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) u16() uint16 {
	b := r.take(2, "length")
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func (r *reader) u32() uint32 {
	b := r.take(4, "length")
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (r *reader) u64() uint64 {
	b := r.take(8, "nonce")
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func (r *reader) bytes(n, max int, what string) []byte {
	if r.err == nil && n > max {
		r.err = codes.Malformed.Errorf("%s is %d bytes, the limit is %d", what, n, max)
	}
	b := r.take(n, what)
	if b == nil {
		return nil
	}
	return bytes.Clone(b)
}

// DecodeBody decodes a canonical JSON body into v (a pointer to a struct).
// Unknown fields, trailing data and any encoding other than the one
// json.Marshal produces are rejected with codes.Malformed, so every body has
// exactly one accepted byte form.
func DecodeBody(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return codes.Malformed.Errorf("body: %v", err)
	}
	if dec.More() {
		return codes.Malformed.Errorf("body: trailing data")
	}
	canon, err := json.Marshal(reflect.ValueOf(v).Elem().Interface())
	if err != nil {
		return codes.Malformed.Errorf("body: %v", err)
	}
	if !bytes.Equal(canon, body) {
		return codes.Malformed.Errorf("body is not in canonical form (want %s)", truncate(canon, 200))
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

// String summarises the envelope for logs; it never prints the body.
func (e *Envelope) String() string {
	return fmt.Sprintf("%s signer=%x nonce=%d body=%dB", e.Type, []byte(e.Signer)[:4], e.Nonce, len(e.Body))
}
