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
// and URI bind it to one request on one chain, and the time bounds replays
// to MaxSkew.
package auth

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxSkew is how far a request's time may be from the server's clock.
const MaxSkew = 5 * time.Minute

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
	h := req.Header.Get(Header)
	if h == "" {
		return nil, ErrMissing
	}
	rest, ok := strings.CutPrefix(h, "Pnyx ")
	if !ok {
		return nil, errors.New("auth: Authorization scheme must be Pnyx")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("auth: malformed field %q", part)
		}
		fields[k] = v
	}
	key, err := hex.DecodeString(fields["key"])
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, errors.New("auth: key must be 64 hex digits")
	}
	sig, err := hex.DecodeString(fields["sig"])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, errors.New("auth: sig must be 128 hex digits")
	}
	unix, err := strconv.ParseInt(fields["time"], 10, 64)
	if err != nil {
		return nil, errors.New("auth: time must be Unix seconds")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > MaxSkew || d < -MaxSkew {
		return nil, fmt.Errorf("auth: request time is %s away from the server's clock (max %s)", d.Round(time.Second), MaxSkew)
	}
	if !ed25519.Verify(key, message(chainID, req.Method, req.URL.RequestURI(), unix), sig) {
		return nil, errors.New("auth: signature does not verify for this request")
	}
	return key, nil
}
