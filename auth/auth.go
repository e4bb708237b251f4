// Package auth signs and checks the API's authenticated read requests.
//
// Reads of a member's personal records (the member record, credential,
// balance) must be signed by that member's key or by an official's key with
// scope over the member's chapter. A request carries one header:
//
//	Authorization: Pnyx key=<hex Ed25519 key>,time=<unix seconds>,sig=<hex>
//
// where sig signs "pnyx/read/v1\x00" ‖ chainID ‖ "\x00" ‖ METHOD ‖ "\x00" ‖
// request URI (path and query) ‖ "\x00" ‖ time. The domain separator keeps a
// read signature from ever passing as a transaction signature, the chain ID
// and URI bind it to one request on one chain, and the time bounds it to
// MaxSkew either side of the server's clock.
//
// Within that window a captured header would still verify, so a server keeps
// a Replays and calls Replays.Verify: it accepts each signature once. Ed25519
// signatures are deterministic, so the signature itself is the nonce: it is
// unique per key, chain, method, URI and second, and the header format needs
// no extra field. A client that repeats the same read within one second
// signs the same bytes and is refused; it waits for the next second (see
// ErrReplayed).
package auth

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxSkew is how far a request's time may be from the server's clock: short,
// because a captured header verifies for that long (Replays closes the rest).
const MaxSkew = 30 * time.Second

// Header is the HTTP header that carries the signature.
const Header = "Authorization"

func message(chainID, method, uri string, unix int64) []byte {
	return []byte("pnyx/read/v1\x00" + chainID + "\x00" + method + "\x00" + uri + "\x00" + strconv.FormatInt(unix, 10))
}

// Sign adds the Authorization header to req for key at time now.
func Sign(req *http.Request, chainID string, key ed25519.PrivateKey, now time.Time) {
	unix := now.Unix()
	sig := ed25519.Sign(key, message(chainID, req.Method, req.URL.RequestURI(), unix))
	req.Header.Set(Header, fmt.Sprintf("Pnyx key=%s,time=%d,sig=%s",
		hex.EncodeToString(key.Public().(ed25519.PublicKey)), unix, hex.EncodeToString(sig)))
}

// ErrMissing means the request carries no signature.
var ErrMissing = errors.New("auth: request is not signed")

// Verify returns the key that signed req, or an error saying why the
// signature is not acceptable.
func Verify(req *http.Request, chainID string, now time.Time) (ed25519.PublicKey, error) {
	key, _, err := verify(req, chainID, now)
	return key, err
}

func verify(req *http.Request, chainID string, now time.Time) (ed25519.PublicKey, []byte, error) {
	h := req.Header.Get(Header)
	if h == "" {
		return nil, nil, ErrMissing
	}
	rest, ok := strings.CutPrefix(h, "Pnyx ")
	if !ok {
		return nil, nil, errors.New("auth: Authorization scheme must be Pnyx")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, nil, fmt.Errorf("auth: malformed field %q", part)
		}
		fields[k] = v
	}
	key, err := hex.DecodeString(fields["key"])
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, nil, errors.New("auth: key must be 64 hex digits")
	}
	sig, err := hex.DecodeString(fields["sig"])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, errors.New("auth: sig must be 128 hex digits")
	}
	unix, err := strconv.ParseInt(fields["time"], 10, 64)
	if err != nil {
		return nil, nil, errors.New("auth: time must be Unix seconds")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > MaxSkew || d < -MaxSkew {
		return nil, nil, fmt.Errorf("auth: request time is %s away from the server's clock (max %s)", d.Round(time.Second), MaxSkew)
	}
	if !ed25519.Verify(key, message(chainID, req.Method, req.URL.RequestURI(), unix), sig) {
		return nil, nil, errors.New("auth: signature does not verify for this request")
	}
	return key, sig, nil
}

// ErrReplayed means the signature was accepted once already: the header was
// captured and sent again, or a client repeated a read within one second
// (it signs the next second's time instead).
var ErrReplayed = errors.New("auth: this signed request was used already; sign it again with a new time")

// ErrBusy means a Replays is full of signatures still in their window; the
// request is refused rather than forgetting one that could then be replayed.
var ErrBusy = errors.New("auth: too many signed requests in the last minute; retry shortly")

// DefaultReplayCapacity bounds a Replays' memory: about 100 bytes a
// signature, so some 10 MB, room for over 1,500 signed reads a second.
const DefaultReplayCapacity = 100_000

// Replays remembers every signature it accepted until its time falls out of
// the MaxSkew window, so each signed request is accepted once. Memory is
// bounded by its capacity. The zero value is not usable; use NewReplays. It
// is safe for concurrent use.
type Replays struct {
	max int

	mu   sync.Mutex
	seen map[[ed25519.SignatureSize]byte]struct{}
	// queue holds the seen signatures in the order they were accepted, with
	// when each may be forgotten; forgetAt grows along it (for a clock that
	// does not go back), so expired ones are always at its front.
	queue []seenSig
}

type seenSig struct {
	sig      [ed25519.SignatureSize]byte
	forgetAt int64
}

// NewReplays returns a Replays remembering at most capacity signatures
// (DefaultReplayCapacity if capacity <= 0).
func NewReplays(capacity int) *Replays {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	return &Replays{max: capacity, seen: map[[ed25519.SignatureSize]byte]struct{}{}}
}

// Verify is the package's Verify, and refuses a signature it accepted
// before (ErrReplayed) or, when full, any new one (ErrBusy).
func (r *Replays) Verify(req *http.Request, chainID string, now time.Time) (ed25519.PublicKey, error) {
	key, sig, err := verify(req, chainID, now)
	if err != nil {
		return nil, err
	}
	var k [ed25519.SignatureSize]byte
	copy(k[:], sig)
	r.mu.Lock()
	defer r.mu.Unlock()
	// A signature accepted at now carries a time of at most now+MaxSkew, so
	// from now+2*MaxSkew on it fails the time check and need not be kept.
	for len(r.queue) > 0 && r.queue[0].forgetAt < now.Unix() {
		delete(r.seen, r.queue[0].sig)
		r.queue[0] = seenSig{}
		r.queue = r.queue[1:]
	}
	if _, dup := r.seen[k]; dup {
		return nil, ErrReplayed
	}
	if len(r.seen) >= r.max {
		return nil, ErrBusy
	}
	r.seen[k] = struct{}{}
	forget := now.Add(2 * MaxSkew).Unix()
	if n := len(r.queue); n > 0 && r.queue[n-1].forgetAt > forget {
		forget = r.queue[n-1].forgetAt // a clock that stepped back
	}
	r.queue = append(r.queue, seenSig{sig: k, forgetAt: forget})
	return key, nil
}
