// Package client talks to a pnyx node's HTTP API: it signs and submits
// transactions, keeps each signer's nonce, and reads records (signed reads
// for personal ones, proofs on request). The CLI, the tests and the
// benchmarks all use it, so they exercise the same path as any client.
//
//	c := client.New("http://127.0.0.1:26680")
//	admin := c.Signer(adminKey)
//	res, err := admin.Send(ctx, org.TypeCreateChapter, org.CreateChapterBody{...})
//	if codes.Of(err) == codes.Unauthorized { ... }
//
// Every error the chain or the API reports comes back as a *codes.Error, so
// callers branch on its stable code. Answers are package wire's JSON shapes;
// a committed tx's TxResult lists the events it emitted.
//
// The client links only the standard library and pnyx's light packages
// (wire, tx, auth, codes): no CometBFT, no SQLite, no state tree. A test in
// package wire keeps it so.
package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pnyx-party/pnyx/auth"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// Client is an API client. It is safe for concurrent use.
type Client struct {
	base string
	http *http.Client

	mu      sync.Mutex
	chainID string
	// signed holds, per key and request, the last time a read was signed
	// at: the API accepts each signature once, and equal times sign equal
	// bytes (package auth), so a repeat within a second signs the next one.
	signed map[string]int64
}

// New returns a client for the API at base (e.g. http://127.0.0.1:26680).
func New(base string) *Client {
	return &Client{base: base, http: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// BaseURL is the API's address the client was made with.
func (c *Client) BaseURL() string { return c.base }

// ChainID fetches (once) the chain ID the node serves.
func (c *Client) ChainID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.chainID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var st wire.Status
	if err := c.Get(ctx, "/v1/status", nil, &st); err != nil {
		return "", err
	}
	c.mu.Lock()
	c.chainID = st.ChainID
	c.mu.Unlock()
	return st.ChainID, nil
}

// Get reads path into out. With a key, the request is signed (package auth).
func (c *Client) Get(ctx context.Context, path string, key ed25519.PrivateKey, out any) error {
	if key == nil {
		req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
		if err != nil {
			return err
		}
		return c.do(req, out)
	}
	return c.sendSigned(ctx, "GET", path, nil, "", key, out)
}

// sendSigned sends a request signed by key (package auth): a read, or an upload
// with body. When the node refuses the signature as one it has accepted
// before (another client with this key, another process, or a page, signed
// the same request in the same second; the node accepts each signature
// once), it signs the next second and sends the whole request again.
func (c *Client) sendSigned(ctx context.Context, method, path string, body []byte, contentType string, key ed25519.PrivateKey, out any) error {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
		if err != nil {
			return err
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		auth.Sign(req, chainID, key, c.signTime(ctx, key, req))
		err = c.do(req, out)
		if attempt < 2 && replayed(err) {
			continue
		}
		return err
	}
}

// replayed reports whether the node refused a signed request because it had
// accepted the same signature before (auth.ErrReplayed).
func replayed(err error) bool {
	return codes.Of(err) == codes.Forbidden && strings.Contains(err.Error(), auth.ErrReplayed.Error())
}

// signTime picks the time to sign req at: now, or one second after the last
// time key signed the same request, so that no two signatures repeat. A
// client repeating one read many times a second runs ahead of the clock;
// past a few seconds ahead it waits, staying well within auth.MaxSkew.
func (c *Client) signTime(ctx context.Context, key ed25519.PrivateKey, req *http.Request) time.Time {
	const ahead = 5 // seconds
	now := time.Now().Unix()
	k := string(key.Public().(ed25519.PublicKey)) + req.Method + " " + req.URL.RequestURI()
	c.mu.Lock()
	if c.signed == nil || len(c.signed) > 10_000 {
		old := c.signed
		c.signed = map[string]int64{}
		for k, t := range old {
			if t >= now {
				c.signed[k] = t
			}
		}
	}
	t := now
	if last, ok := c.signed[k]; ok && last >= t {
		t = last + 1
	}
	c.signed[k] = t
	c.mu.Unlock()
	if wait := time.Until(time.Unix(t-ahead, 0)); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	return time.Unix(t, 0)
}

// PutBlob uploads a document to the node's blob store under its SHA-256,
// signed by key, which must be an active secretary's or admin's (the API
// refuses others with code forbidden, documents over 16 MiB with too_large,
// and an uploader past their hourly budget with unavailable).
func (c *Client) PutBlob(ctx context.Context, content []byte, key ed25519.PrivateKey) (hash string, err error) {
	sum := sha256.Sum256(content)
	hash = hex.EncodeToString(sum[:])
	return hash, c.sendSigned(ctx, "PUT", "/v1/blobs/"+hash, content, "application/octet-stream", key, nil)
}

// GetRaw reads path and returns the body byte for byte (JSON or not), so
// a caller can check a document's hash or keep it as served.
func (c *Client) GetRaw(ctx context.Context, path string, key ed25519.PrivateKey) ([]byte, error) {
	var b []byte
	if err := c.Get(ctx, path, key, &b); err != nil {
		return nil, err
	}
	return b, nil
}

func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return codes.Unavailable.Errorf("%v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return codes.Unavailable.Errorf("read response: %v", err)
	}
	if resp.StatusCode >= 400 {
		var e wire.ErrorBody
		if json.Unmarshal(body, &e) == nil && e.Error.Name != "" {
			return &codes.Error{Code: e.Error.Code, Msg: e.Error.Message}
		}
		// A rejected submission answers with a TxResult instead.
		var tr wire.TxResult
		if json.Unmarshal(body, &tr) == nil && tr.Code != 0 {
			if out != nil {
				json.Unmarshal(body, out)
			}
			return &codes.Error{Code: tr.Code, Msg: tr.Log}
		}
		return codes.Unavailable.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	if out == nil {
		return nil
	}
	if b, ok := out.(*[]byte); ok {
		*b = body
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return codes.Internal.Errorf("decode response: %v", err)
	}
	return nil
}

// Submit sends an encoded tx. With wait, it returns once the tx is
// committed. A tx rejected by CheckTx or by its block returns a *codes.Error
// along with the result.
func (c *Client) Submit(ctx context.Context, raw []byte, wait bool) (wire.TxResult, error) {
	url := c.base + "/v1/txs"
	if wait {
		url += "?wait=1"
	}
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(raw))
	if err != nil {
		return wire.TxResult{}, err
	}
	req.Header.Set("Content-Type", wire.RawTxType)
	var res wire.TxResult
	if err := c.do(req, &res); err != nil {
		return res, err
	}
	if res.Code != 0 {
		return res, &codes.Error{Code: res.Code, Msg: res.Log}
	}
	return res, nil
}

// SubmitBatch sends up to wire.MaxBatchTxs encoded txs in one request
// (POST /v1/txs/batch) without waiting for their commits, and returns one
// result per tx, in order (see wire.SubmitBatchResponse). A result with
// codes.Unavailable (the mempool was full) can be resubmitted; confirm the
// others' commits with GET /v1/txs/{hash}. The error is for the request as
// a whole.
func (c *Client) SubmitBatch(ctx context.Context, raws [][]byte) ([]wire.TxResult, error) {
	req := wire.SubmitBatchRequest{Txs: make([]string, len(raws))}
	for i, raw := range raws {
		req.Txs[i] = base64.StdEncoding.EncodeToString(raw)
	}
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequestWithContext(ctx, "POST", c.base+"/v1/txs/batch", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	var res wire.SubmitBatchResponse
	if err := c.do(hreq, &res); err != nil {
		return nil, err
	}
	if len(res.Results) != len(raws) {
		return nil, codes.Internal.Errorf("batch of %d txs answered with %d results", len(raws), len(res.Results))
	}
	return res.Results, nil
}

// Account is the API's view of a key.
type Account = wire.Account

// Account reads a key's next nonce and member.
func (c *Client) Account(ctx context.Context, pub ed25519.PublicKey) (Account, error) {
	var a Account
	err := c.Get(ctx, "/v1/accounts/"+hex.EncodeToString(pub), nil, &a)
	return a, err
}

// Signer signs transactions for one key and tracks its nonce.
type Signer struct {
	c   *Client
	Key ed25519.PrivateKey

	mu    sync.Mutex
	next  uint64
	known bool
}

// Signer returns a signer for key; its nonce is fetched on first use.
func (c *Client) Signer(key ed25519.PrivateKey) *Signer { return &Signer{c: c, Key: key} }

// Public returns the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.Key.Public().(ed25519.PublicKey) }

// Build signs a tx with the next nonce and advances the local nonce, for
// callers that pipeline many txs before any commits.
func (s *Signer) Build(ctx context.Context, typ string, body any) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.syncLocked(ctx); err != nil {
		return nil, err
	}
	chainID, err := s.c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	env := &tx.Envelope{ChainID: chainID, Type: typ, Nonce: s.next}
	if err := env.SetBody(body); err != nil {
		return nil, err
	}
	env.Sign(s.Key)
	s.next++
	return env.Encode(), nil
}

func (s *Signer) syncLocked(ctx context.Context) error {
	if s.known {
		return nil
	}
	a, err := s.c.Account(ctx, s.Public())
	if err != nil {
		return err
	}
	s.next, s.known = a.NextNonce, true
	return nil
}

// Resync forgets the local nonce; the next Build fetches it again. Call it
// after a pipelined tx was rejected, since a rejected tx keeps its nonce.
func (s *Signer) Resync() {
	s.mu.Lock()
	s.known = false
	s.mu.Unlock()
}

// Send signs, submits and waits for commit. On rejection the nonce is
// re-read, since a rejected tx does not consume it.
func (s *Signer) Send(ctx context.Context, typ string, body any) (wire.TxResult, error) {
	raw, err := s.Build(ctx, typ, body)
	if err != nil {
		return wire.TxResult{}, err
	}
	res, err := s.c.Submit(ctx, raw, true)
	if err != nil {
		s.Resync()
		return res, fmt.Errorf("%s: %w", typ, err)
	}
	return res, nil
}
