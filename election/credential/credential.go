// Package credential implements pnyx's anonymous voting credentials: RFC 9474
// blind RSA signatures (RSABSSA-SHA384-PSS-Deterministic, through
// github.com/cloudflare/circl/blindsign/blindrsa) over
//
//	Message(electionID, oneTimeKey) = "pnyx/election/credential/v1" ‖ electionID ‖ oneTimeKey
//
// A voter makes a fresh one-time ristretto255 key pair for the election,
// blinds Message under each of the m issuers' RSA keys, and sends each issuer
// a Request signed with the member's long-term Ed25519 key. The issuer checks
// that signature and that the member has not been served before (the Log),
// signs blindly, and the voter unblinds. The issuer never sees the one-time
// key, so a ballot signed by it cannot be linked to the member; yet every
// credential in the record is matched by a logged, member-signed request, so
// the issuers cannot mint extra voters unnoticed.
//
// Flow:
//
//	req, pending, _ := credential.NewRequest(rand, issuerPub, i, electionID, otk, memberKey)
//	blindSig, _ := issuer.Sign(req)            // issuer side, after Log.Add(req)
//	cred, _ := pending.Finalize(blindSig)      // ErrIssuerMisbehaved if the issuer cheated
//	err := credential.Verify(issuerPub, electionID, otk, cred) // anyone
package credential

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"github.com/cloudflare/circl/blindsign/blindrsa"
	"github.com/pnyx-party/pnyx/election/group"
)

// Variant is the RFC 9474 variant. Deterministic (no message prefix) is safe
// here because Message has a fresh one-time key in it: it is never signed twice.
const Variant = blindrsa.SHA384PSSDeterministic

// MinModulusBits is the smallest issuer key accepted.
const MinModulusBits = 2048

const messageDomain = "pnyx/election/credential/v1"

// Errors. Each names one distinct failure.
var (
	// ErrForged: the credential is not a valid signature by the issuer over
	// Message(electionID, oneTimeKey).
	ErrForged = errors.New("credential: signature does not verify")
	// ErrIssuerMisbehaved: the issuer returned a blind signature that does
	// not unblind to a valid signature.
	ErrIssuerMisbehaved = errors.New("credential: issuer returned an invalid blind signature")
	// ErrBadRequest: the request is malformed or its member signature fails.
	ErrBadRequest = errors.New("credential: invalid issuance request")
	// ErrDuplicateRequest: the member was already issued a credential by this
	// issuer for this election.
	ErrDuplicateRequest = errors.New("credential: member already has a credential from this issuer")
	// ErrWeakKey: the issuer key is too small or has an unusual exponent.
	ErrWeakKey = errors.New("credential: issuer key rejected")
)

// Message returns the byte string the issuers sign for a one-time key.
func Message(electionID [32]byte, oneTimeKey []byte) []byte {
	m := make([]byte, 0, len(messageDomain)+32+len(oneTimeKey))
	m = append(m, messageDomain...)
	m = append(m, electionID[:]...)
	return append(m, oneTimeKey...)
}

// CheckKey rejects issuer keys that are too small or not e=65537.
func CheckKey(pk *rsa.PublicKey) error {
	if pk == nil || pk.N == nil || pk.N.BitLen() < MinModulusBits || pk.E != 65537 {
		return ErrWeakKey
	}
	return nil
}

// EncodeKey returns the PKIX DER encoding of an issuer key (the record format).
func EncodeKey(pk *rsa.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pk)
	if err != nil {
		panic(err)
	}
	return der
}

// DecodeKey parses and checks a PKIX DER issuer key.
func DecodeKey(der []byte) (*rsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWeakKey, err)
	}
	pk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, ErrWeakKey
	}
	if err := CheckKey(pk); err != nil {
		return nil, err
	}
	// Re-encode: only the canonical DER is accepted.
	if string(EncodeKey(pk)) != string(der) {
		return nil, ErrWeakKey
	}
	return pk, nil
}

// Size returns the byte length of credentials under pk.
func Size(pk *rsa.PublicKey) int { return (pk.N.BitLen() + 7) / 8 }

// Verifier checks credentials for one issuer key; build it once and reuse it.
//
// An unblinded credential is a plain RSASSA-PSS signature (SHA-384, MGF1
// SHA-384, 48-byte salt), so it is checked with crypto/rsa: 34 µs here
// against 49 µs for circl's math/big verifier (BenchmarkVerify), and every
// ballot carries m of them. A test holds the two to the same verdicts.
type Verifier struct {
	pk *rsa.PublicKey
}

// pssOptions are the variant's PSS parameters.
var pssOptions = &rsa.PSSOptions{SaltLength: crypto.SHA384.Size(), Hash: crypto.SHA384}

// NewVerifier returns a verifier for pk.
func NewVerifier(pk *rsa.PublicKey) (*Verifier, error) {
	if err := CheckKey(pk); err != nil {
		return nil, err
	}
	return &Verifier{pk: pk}, nil
}

// Verify checks cred over Message(electionID, oneTimeKey).
func (v *Verifier) Verify(electionID [32]byte, oneTimeKey, cred []byte) error {
	if len(cred) != Size(v.pk) {
		return ErrForged
	}
	digest := sha512.Sum384(Message(electionID, oneTimeKey))
	if err := rsa.VerifyPSS(v.pk, crypto.SHA384, digest[:], cred, pssOptions); err != nil {
		return ErrForged
	}
	return nil
}

// Verify is NewVerifier(pk).Verify.
func Verify(pk *rsa.PublicKey, electionID [32]byte, oneTimeKey, cred []byte) error {
	v, err := NewVerifier(pk)
	if err != nil {
		return err
	}
	return v.Verify(electionID, oneTimeKey, cred)
}

// Request asks issuer Issuer for a blind signature. Member signs
// RequestDigest, so the issuance log proves who asked; Blinded reveals
// nothing about the one-time key.
type Request struct {
	ElectionID [32]byte
	Issuer     uint32
	Member     ed25519.PublicKey // 32 bytes
	Blinded    []byte            // modulus-sized
	Signature  []byte            // Ed25519, 64 bytes
}

// Digest is the SHA-256 of the domain, election ID, issuer index, member key
// and blinded message: what the member signs.
func (r *Request) Digest() []byte {
	h := sha256.New()
	w := group.Writer{}
	w.String("pnyx/election/credential-request/v1")
	w.Fixed(r.ElectionID[:])
	w.Uint32(r.Issuer)
	w.Bytes(r.Member)
	w.Bytes(r.Blinded)
	h.Write(w.Buf)
	return h.Sum(nil)
}

// Check verifies the member's signature and sizes against the issuer key.
func (r *Request) Check(pk *rsa.PublicKey) error {
	if len(r.Member) != ed25519.PublicKeySize || len(r.Signature) != ed25519.SignatureSize ||
		len(r.Blinded) != Size(pk) {
		return ErrBadRequest
	}
	if !ed25519.Verify(r.Member, r.Digest(), r.Signature) {
		return ErrBadRequest
	}
	return nil
}

// Pending is the voter's state between request and response.
type Pending struct {
	client blindrsa.Client
	state  blindrsa.State
}

// NewRequest blinds Message(electionID, oneTimeKey) for issuer index i with
// key pk and signs the request with the member's key.
func NewRequest(rand io.Reader, pk *rsa.PublicKey, i uint32, electionID [32]byte,
	oneTimeKey []byte, member ed25519.PrivateKey) (*Request, *Pending, error) {
	if err := CheckKey(pk); err != nil {
		return nil, nil, err
	}
	c, err := blindrsa.NewClient(Variant, pk)
	if err != nil {
		return nil, nil, err
	}
	prepared, err := c.Prepare(rand, Message(electionID, oneTimeKey))
	if err != nil {
		return nil, nil, err
	}
	blinded, st, err := c.Blind(rand, prepared)
	if err != nil {
		return nil, nil, err
	}
	req := &Request{ElectionID: electionID, Issuer: i, Member: member.Public().(ed25519.PublicKey), Blinded: blinded}
	req.Signature = ed25519.Sign(member, req.Digest())
	return req, &Pending{client: c, state: st}, nil
}

// Finalize unblinds the issuer's answer and checks it.
func (p *Pending) Finalize(blindSig []byte) ([]byte, error) {
	sig, err := p.client.Finalize(p.state, blindSig)
	if err != nil {
		return nil, ErrIssuerMisbehaved
	}
	return sig, nil
}

// Issuer holds one issuer's RSA key.
type Issuer struct {
	sk     *rsa.PrivateKey
	signer blindrsa.Signer
	crt    *crtKey // nil: sign with circl's signer (crt.go)
}

// NewIssuer wraps an RSA private key (at least 2048 bits, e=65537).
func NewIssuer(sk *rsa.PrivateKey) (*Issuer, error) {
	if err := CheckKey(&sk.PublicKey); err != nil {
		return nil, err
	}
	is := &Issuer{sk: sk, signer: blindrsa.NewSigner(sk)}
	is.crt = newCRTKey(is)
	return is, nil
}

// PublicKey returns the issuer's public key.
func (is *Issuer) PublicKey() *rsa.PublicKey { return &is.sk.PublicKey }

// Sign checks req and signs its blinded message. The caller must have
// logged req (Log.Add) first, so that every signature is accounted for.
func (is *Issuer) Sign(req *Request) ([]byte, error) {
	if err := req.Check(&is.sk.PublicKey); err != nil {
		return nil, err
	}
	if is.crt != nil {
		return is.crt.blindSign(req.Blinded)
	}
	return is.signer.BlindSign(req.Blinded)
}

// SignDirect signs Message(electionID, oneTimeKey) without blinding. The
// result is the same RSA-PSS signature a blind issuance yields; simulations
// and benchmarks use it to mint many credentials fast. A real issuer never
// sees the one-time key and must not use it.
func (is *Issuer) SignDirect(rand io.Reader, electionID [32]byte, oneTimeKey []byte) ([]byte, error) {
	return rsa.SignPSS(rand, is.sk, crypto.SHA384, sha384(Message(electionID, oneTimeKey)),
		&rsa.PSSOptions{SaltLength: crypto.SHA384.Size(), Hash: crypto.SHA384})
}

func sha384(b []byte) []byte {
	h := crypto.SHA384.New()
	h.Write(b)
	return h.Sum(nil)
}

// Log is one issuer's issuance log: at most one request per member.
type Log struct {
	Issuer   uint32
	Requests []*Request
	seen     map[string]bool
}

// Add checks req and appends it; a second request by the same member fails
// with ErrDuplicateRequest.
func (l *Log) Add(pk *rsa.PublicKey, req *Request) error {
	if req.Issuer != l.Issuer {
		return ErrBadRequest
	}
	if err := req.Check(pk); err != nil {
		return err
	}
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if l.seen[string(req.Member)] {
		return ErrDuplicateRequest
	}
	l.seen[string(req.Member)] = true
	l.Requests = append(l.Requests, req)
	return nil
}
