package election

// The pending-requests index a node serves to issuers (GET
// /v1/elections/{id}/requests): the credential requests an issuer has not
// answered, from a cursor on. The issuer's kit (modules/election/kit,
// IssueRun) follows it; with ?prove=1 the API adds a proof of every record
// (modules/election/verified.CheckPending).

import (
	"encoding/json"
	"fmt"

	store "github.com/pnyx-party/pnyx/internal/store/kv"
)

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
