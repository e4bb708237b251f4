package election

// The issuer's kit: its key body and the blind signatures that answer
// members' credential requests.
//
// At party scale (issue 17: 3M requests per issuer) an issuer reads the
// requests it has not answered from an index that starts after a cursor
// (Pending, served by GET /v1/elections/{id}/requests), signs them on every
// core (SignPending) and keeps several issue transactions in flight
// (IssueRun). It never rescans from the first request and never reads one
// key per request over the network.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/internal/parallel"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
)

// IssueBodyFor signs requests (from state) as issuer i.
func IssueBodyFor(kv store.Reader, e *Election, is *credential.Issuer, i int, seqs []uint64) (IssueBody, error) {
	b := IssueBody{Election: e.ID}
	for _, seq := range seqs {
		r, ok := GetRequest(kv, e.ID, seq)
		if !ok {
			return b, fmt.Errorf("no request %d", seq)
		}
		sig, err := signOne(e, is, i, PendingRequest{Seq: seq, Key: r.Key, Blinded: r.Blinded[i], Signature: r.Signatures[i]})
		if err != nil {
			return b, err
		}
		b.Entries = append(b.Entries, IssueEntry{Request: seq, Signature: hex.EncodeToString(sig)})
	}
	return b, nil
}

// IssuerKeyBodyFor publishes issuer key pk.
func IssuerKeyBodyFor(id string, is *credential.Issuer) IssuerKeyBody {
	return IssuerKeyBody{Election: id, Key: hex.EncodeToString(credential.EncodeKey(is.PublicKey()))}
}

// Unanswered lists requests issuer i has not answered yet, at most limit,
// looking from request 0. It reads every request before the first
// unanswered one: fine for a test or a small election, quadratic if called
// once per batch (use Pending with a cursor instead).
func Unanswered(kv store.Reader, e *Election, i int, limit int) []uint64 {
	t, ok := GetTally(kv, e.ID)
	if !ok {
		return nil
	}
	var out []uint64
	for seq := uint64(0); seq < t.Requests && len(out) < limit; seq++ {
		if kv.Get(BlindSigKey(e.ID, seq, i)) == nil {
			out = append(out, seq)
		}
	}
	return out
}

// PendingRequest is what issuer i needs to answer one request: the
// member's public key and its blinded message and signature for i.
type PendingRequest struct {
	Seq       uint64 `json:"seq"`
	Key       string `json:"key"`       // the member's ed25519 public key, hex
	Blinded   string `json:"blinded"`   // blinded message for this issuer, hex
	Signature string `json:"signature"` // the member's signature over it, hex
}

// PendingPage is one page of the pending-requests index: the requests
// issuer Issuer has not answered among [From, Next), in order. Next is the
// cursor of the following page; Next == Requests means every request made
// so far (as of Height) was looked at.
type PendingPage struct {
	Height   int64            `json:"height"`
	Issuer   int              `json:"issuer"`
	From     uint64           `json:"from"`
	Next     uint64           `json:"next"`
	Requests uint64           `json:"requests"` // requests made so far
	Pending  []PendingRequest `json:"pending"`
	// Proof, when asked for (?prove=1), is a proof.StateProof of every
	// pending request's record (RequestKey) under one signed header: an
	// issuer signs only requests the chain holds (verified.CheckPending).
	Proof json.RawMessage `json:"proof,omitempty"`
}

// Pending pages are bounded twice: at most limit pending requests, and at
// most MaxPendingScan requests looked at (answered ones are skipped), so
// one page costs the node a bounded number of reads whatever the cursor.
const (
	MaxPendingLimit = 2048
	MaxPendingScan  = 16384
)

// Pending reads the page of requests issuer i has not answered, looking
// from request from on: at most limit of them, after at most MaxPendingScan
// reads of answers. Each request is read once per pass, so an issuer that
// follows Next reads state linearly in the number of requests.
func Pending(kv store.Reader, e *Election, i int, from uint64, limit int) (PendingPage, error) {
	if i < 0 || i >= len(e.Issuers) {
		return PendingPage{}, fmt.Errorf("election %s has no issuer %d", e.ID, i)
	}
	limit = max(1, min(limit, MaxPendingLimit))
	p := PendingPage{Issuer: i, From: from, Pending: []PendingRequest{}}
	t, ok := GetTally(kv, e.ID)
	if !ok {
		return p, fmt.Errorf("election %s has no tally", e.ID)
	}
	p.Requests = t.Requests
	seq := from
	for scanned := 0; seq < t.Requests && len(p.Pending) < limit && scanned < MaxPendingScan; seq, scanned = seq+1, scanned+1 {
		if kv.Get(BlindSigKey(e.ID, seq, i)) != nil {
			continue
		}
		r, ok := GetRequest(kv, e.ID, seq)
		if !ok || i >= len(r.Blinded) || i >= len(r.Signatures) {
			return p, fmt.Errorf("election %s: request %d is missing or malformed", e.ID, seq)
		}
		p.Pending = append(p.Pending, PendingRequest{Seq: seq, Key: r.Key, Blinded: r.Blinded[i], Signature: r.Signatures[i]})
	}
	p.Next = max(seq, from)
	return p, nil
}

func signOne(e *Election, is *credential.Issuer, i int, r PendingRequest) ([]byte, error) {
	key, err1 := hex.DecodeString(r.Key)
	bl, err2 := hex.DecodeString(r.Blinded)
	sg, err3 := hex.DecodeString(r.Signature)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("request %d: %w", r.Seq, err)
	}
	sig, err := is.Sign(&credential.Request{ElectionID: e.EID(), Issuer: uint32(i), Member: key, Blinded: bl, Signature: sg})
	if err != nil {
		return nil, fmt.Errorf("request %d: %w", r.Seq, err)
	}
	return sig, nil
}

// SignPending checks and blind-signs reqs as issuer i on workers
// goroutines (every core if workers ≤ 0), in order: RSA signing is the
// issuer's cost, one private-key operation per request.
func SignPending(e *Election, is *credential.Issuer, i int, reqs []PendingRequest, workers int) ([]IssueEntry, error) {
	out := make([]IssueEntry, len(reqs))
	errs := make([]error, len(reqs))
	parallel.For(len(reqs), workers, func(k int) {
		sig, err := signOne(e, is, i, reqs[k])
		out[k], errs[k] = IssueEntry{Request: reqs[k].Seq, Signature: hex.EncodeToString(sig)}, err
	})
	return out, errors.Join(errs...)
}

// IssueRun answers, as issuer Index, every request the pending index shows.
// It reads pages of pending requests from a cursor, signs each page on
// every core while the previous page's transactions wait for their
// commits, and keeps up to InFlight issue transactions in flight.
type IssueRun struct {
	Election *Election
	Issuer   *credential.Issuer
	Index    int
	// Fetch reads a page of the pending index (Pending, or the API route
	// that serves it).
	Fetch func(ctx context.Context, from uint64, limit int) (PendingPage, error)
	// Check, if set, vets each page before anything in it is signed
	// (verified.CheckPending: every request proven on chain). A node that
	// serves requests the chain does not hold would otherwise receive the
	// issuer's blind signatures over messages of its choosing.
	Check func(page PendingPage) error
	// Send submits one issue transaction without waiting for its commit
	// and returns a function that waits for it. Calls to Send are made one
	// at a time, in order, so the issuer's nonces reach the node in order.
	Send func(ctx context.Context, b IssueBody) (wait func() error, err error)
	// Resync is called before a retry after a failed transaction (to fetch
	// the signer's nonce again); may be nil.
	Resync   func(ctx context.Context) error
	PageSize int // pending requests per page (default MaxPendingLimit)
	Workers  int // signing goroutines (default: every core)
	InFlight int // issue transactions waiting for their commits (default 8)
	// Progress, if set, is called after each page is sent.
	Progress func(answered int)
}

// Run answers every pending request once, and returns how many it
// answered. A transaction that fails is retried (from the first request
// it held, after Resync) up to three times.
func (r *IssueRun) Run(ctx context.Context) (int, error) {
	pageSize := r.PageSize
	if pageSize <= 0 {
		pageSize = MaxPendingLimit
	}
	inFlight := r.InFlight
	if inFlight <= 0 {
		inFlight = 8
	}
	answered := 0
	from := uint64(0)
	for attempt := 0; ; attempt++ {
		n, failedFrom, err := r.pass(ctx, from, pageSize, inFlight)
		answered += n
		if err == nil {
			return answered, nil
		}
		if attempt == 3 || ctx.Err() != nil {
			return answered, err
		}
		if r.Resync != nil {
			if err := r.Resync(ctx); err != nil {
				return answered, err
			}
		}
		from = failedFrom
	}
}

// pass goes once through the index from from. On failure it reports the
// first request of the earliest failed transaction, from which a retry
// starts (the index skips what was answered meanwhile).
func (r *IssueRun) pass(ctx context.Context, from uint64, pageSize, inFlight int) (answered int, failedFrom uint64, err error) {
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	failedFrom = ^uint64(0)
	fail := func(seq uint64, err error) {
		mu.Lock()
		defer mu.Unlock()
		if seq < failedFrom {
			failedFrom, firstErr = seq, err
		}
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil
	}
	slots := make(chan struct{}, inFlight)
	var ok int
	for !failed() {
		page, err := r.Fetch(ctx, from, pageSize)
		if err != nil {
			fail(from, err)
			break
		}
		if len(page.Pending) == 0 && page.Next >= page.Requests {
			break
		}
		if r.Check != nil {
			if err := r.Check(page); err != nil {
				fail(from, err)
				break
			}
		}
		entries, err := SignPending(r.Election, r.Issuer, r.Index, page.Pending, r.Workers)
		if err != nil {
			fail(from, err)
			break
		}
		for lo := 0; lo < len(entries) && !failed(); lo += MaxIssueBatch {
			batch := entries[lo:min(lo+MaxIssueBatch, len(entries))]
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				fail(batch[0].Request, ctx.Err())
				continue
			}
			wait, err := r.Send(ctx, IssueBody{Election: r.Election.ID, Entries: batch})
			if err != nil {
				<-slots
				fail(batch[0].Request, err)
				break
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				if err := wait(); err != nil {
					fail(batch[0].Request, err)
					return
				}
				mu.Lock()
				ok += len(batch)
				mu.Unlock()
			}()
		}
		from = page.Next
		if r.Progress != nil {
			mu.Lock()
			n := ok
			mu.Unlock()
			r.Progress(n)
		}
	}
	wg.Wait()
	return ok, failedFrom, firstErr
}
