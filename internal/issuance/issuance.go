// Package issuance runs a credential issuer against a node's API, as
// `pnyx election issuer issue` and `pnyx bench election --issuance` do:
//
//	n, err := issuance.Run(ctx, c, key, e, is, i, issuance.Options{})
//
// It reads the requests issuer i has not answered from the node's pending
// index (GET /v1/elections/{id}/requests, a page at a time from a cursor),
// blind-signs each page on every core and keeps several issue transactions
// in flight, signed with consecutive nonces and submitted in order
// (kit.IssueRun does the work; this package is its HTTP side). Each
// page comes with a proof of its requests, checked against the validators
// the issuer trusts from genesis before anything in it is signed
// (verified.CheckPending): a node cannot make the issuer sign requests the
// chain does not hold.
package issuance

import (
	"context"

	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"github.com/cometbft/cometbft/types"
	"net/url"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/modules/election/verified"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// Options tune a run; zero values take the defaults.
type Options struct {
	Workers  int // signing goroutines (default: every core)
	InFlight int // issue transactions waiting for their commits (default 8)
	PageSize int // pending requests read per page (default election.MaxPendingLimit)
	// CommitTimeout bounds the wait for one transaction's commit (default
	// 2 min): a transaction dropped from the mempool (its predecessor
	// failed, so its nonce no longer fits) is never committed.
	CommitTimeout time.Duration
	Progress      func(answered int)
	// ChainID and Trusted (the genesis validators, proof.TrustedFromGenesis)
	// check every page's proof. Required: without them Run refuses.
	ChainID string
	Trusted *types.ValidatorSet
}

// Run answers every request of e that issuer i (key, is) has not answered
// and returns how many it answered.
func Run(ctx context.Context, c *client.Client, key ed25519.PrivateKey, e *election.Election, is *credential.Issuer, i int, o Options) (int, error) {
	if o.CommitTimeout <= 0 {
		o.CommitTimeout = 2 * time.Minute
	}
	if o.Trusted == nil || o.ChainID == "" {
		return 0, fmt.Errorf("issuance: the issuer needs the chain ID and the validators it trusts (genesis) to check the requests it signs")
	}
	signer := c.Signer(key)
	r := &kit.IssueRun{Election: e, Issuer: is, Index: i, Workers: o.Workers, InFlight: o.InFlight, PageSize: o.PageSize, Progress: o.Progress,
		Fetch: func(ctx context.Context, from uint64, limit int) (election.PendingPage, error) {
			return Page(ctx, c, e.ID, i, from, limit)
		},
		Check: func(p election.PendingPage) error { return verified.CheckPending(p, o.ChainID, o.Trusted, e.ID, i) },
		Send: func(ctx context.Context, b election.IssueBody) (func() error, error) {
			raw, err := signer.Build(ctx, election.TypeIssue, b)
			if err != nil {
				return nil, err
			}
			if err := submit(ctx, c, raw); err != nil {
				return nil, err
			}
			return func() error { return WaitCommitted(ctx, c, raw, o.CommitTimeout) }, nil
		},
		Resync: func(context.Context) error {
			signer = c.Signer(key) // fetches the nonce again on first use
			return nil
		},
	}
	return r.Run(ctx)
}

// Page reads one page of issuer i's pending requests of election id, with
// the proof of its requests.
func Page(ctx context.Context, c *client.Client, id string, i int, from uint64, limit int) (election.PendingPage, error) {
	var p election.PendingPage
	err := c.Get(ctx, fmt.Sprintf("/v1/elections/%s/requests?issuer=%d&from=%d&limit=%d&prove=1", url.PathEscape(id), i, from, limit), nil, &p)
	return p, err
}

// submit sends raw without waiting for its commit, again while the node
// answers Unavailable (a full mempool, or this signer's share of it).
func submit(ctx context.Context, c *client.Client, raw []byte) error {
	for {
		_, err := c.Submit(ctx, raw, false)
		if err == nil || codes.Of(err) != codes.Unavailable {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WaitCommitted polls until raw is committed, and returns its failure if
// it failed in its block.
func WaitCommitted(ctx context.Context, c *client.Client, raw []byte, timeout time.Duration) error {
	path := "/v1/txs/" + hex.EncodeToString(tx.Hash(raw))
	deadline := time.Now().Add(timeout)
	for {
		var res wire.TxResult
		err := c.Get(ctx, path, nil, &res)
		if err == nil {
			if res.Code != 0 {
				return &codes.Error{Code: res.Code, Msg: res.Log}
			}
			return nil
		}
		if codes.Of(err) != codes.NotFound {
			return err
		}
		if time.Now().After(deadline) {
			return codes.Unavailable.Errorf("tx %x not committed after %s", tx.Hash(raw), timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
