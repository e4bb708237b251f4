package kit

// The issuer's part: its key body and the blind signatures that answer
// members' credential requests.
//
// At party scale (issue 17: 3M requests per issuer) an issuer reads the
// requests it has not answered from an index that starts after a cursor
// (election.Pending, served by GET /v1/elections/{id}/requests), signs them on every
// core (SignPending) and keeps several issue transactions in flight
// (IssueRun). It never rescans from the first request and never reads one
// key per request over the network.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/internal/parallel"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/modules/election"
)

// IssueBodyFor signs requests (from state) as issuer i.
func IssueBodyFor(kv store.Reader, e *election.Election, is *credential.Issuer, i int, seqs []uint64) (election.IssueBody, error) {
	b := election.IssueBody{Election: e.ID}
	for _, seq := range seqs {
		r, ok := election.GetRequest(kv, e.ID, seq)
		if !ok {
			return b, fmt.Errorf("no request %d", seq)
		}
		sig, err := signOne(e, is, i, election.PendingRequest{Seq: seq, Key: r.Key, Blinded: r.Blinded[i], Signature: r.Signatures[i]})
		if err != nil {
			return b, err
		}
		b.Entries = append(b.Entries, election.IssueEntry{Request: seq, Signature: hex.EncodeToString(sig)})
	}
	return b, nil
}

// IssuerKeyBodyFor publishes issuer key pk.
func IssuerKeyBodyFor(id string, is *credential.Issuer) election.IssuerKeyBody {
	return election.IssuerKeyBody{Election: id, Key: hex.EncodeToString(credential.EncodeKey(is.PublicKey()))}
}

// Unanswered lists requests issuer i has not answered yet, at most limit,
// looking from request 0. It reads every request before the first
// unanswered one: fine for a test or a small election, quadratic if called
// once per batch (use election.Pending with a cursor instead).
func Unanswered(kv store.Reader, e *election.Election, i int, limit int) []uint64 {
	t, ok := election.GetTally(kv, e.ID)
	if !ok {
		return nil
	}
	var out []uint64
	for seq := uint64(0); seq < t.Requests && len(out) < limit; seq++ {
		if kv.Get(election.BlindSigKey(e.ID, seq, i)) == nil {
			out = append(out, seq)
		}
	}
	return out
}

func signOne(e *election.Election, is *credential.Issuer, i int, r election.PendingRequest) ([]byte, error) {
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
func SignPending(e *election.Election, is *credential.Issuer, i int, reqs []election.PendingRequest, workers int) ([]election.IssueEntry, error) {
	out := make([]election.IssueEntry, len(reqs))
	errs := make([]error, len(reqs))
	parallel.For(len(reqs), workers, func(k int) {
		sig, err := signOne(e, is, i, reqs[k])
		out[k], errs[k] = election.IssueEntry{Request: reqs[k].Seq, Signature: hex.EncodeToString(sig)}, err
	})
	return out, errors.Join(errs...)
}

// IssueRun answers, as issuer Index, every request the pending index shows.
// It reads pages of pending requests from a cursor, signs each page on
// every core while the previous page's transactions wait for their
// commits, and keeps up to InFlight issue transactions in flight.
type IssueRun struct {
	Election *election.Election
	Issuer   *credential.Issuer
	Index    int
	// Fetch reads a page of the pending index (election.Pending, or the API route
	// that serves it).
	Fetch func(ctx context.Context, from uint64, limit int) (election.PendingPage, error)
	// Check, if set, vets each page before anything in it is signed
	// (verified.CheckPending: every request proven on chain). A node that
	// serves requests the chain does not hold would otherwise receive the
	// issuer's blind signatures over messages of its choosing.
	Check func(page election.PendingPage) error
	// Send submits one issue transaction without waiting for its commit
	// and returns a function that waits for it. Calls to Send are made one
	// at a time, in order, so the issuer's nonces reach the node in order.
	Send func(ctx context.Context, b election.IssueBody) (wait func() error, err error)
	// Resync is called before a retry after a failed transaction (to fetch
	// the signer's nonce again); may be nil.
	Resync   func(ctx context.Context) error
	PageSize int // pending requests per page (default election.MaxPendingLimit)
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
		pageSize = election.MaxPendingLimit
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
		for lo := 0; lo < len(entries) && !failed(); lo += election.MaxIssueBatch {
			batch := entries[lo:min(lo+election.MaxIssueBatch, len(entries))]
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				fail(batch[0].Request, ctx.Err())
				continue
			}
			wait, err := r.Send(ctx, election.IssueBody{Election: r.Election.ID, Entries: batch})
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
