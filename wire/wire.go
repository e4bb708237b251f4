// Package wire holds the JSON shapes of pnyx's HTTP API: what the server
// (internal/api) writes and what clients (package client, or any program in
// any language) read. It imports only the standard library and package
// codes, so a program that talks to a node links none of the node.
//
//	var res wire.TxResult
//	json.Unmarshal(body, &res)
//	for _, ev := range res.Events { fmt.Println(ev.Type) }
//
// Every error the API answers is an ErrorBody carrying a stable code from
// package codes. GET /openapi.json describes these shapes as schemas, reflected
// from the structs here, so the document and the code are one copy.
package wire

import (
	"encoding/json"
	"time"

	"github.com/pnyx-party/pnyx/codes"
)

// ErrorBody is the JSON shape of every error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a stable code, its name and a message.
type ErrorDetail struct {
	Code    codes.Code `json:"code"`
	Name    string     `json:"name"`
	Message string     `json:"message"`
}

// RawTxType is the content type of a submission that is the encoded tx
// itself. Clients that submit many txs (voters' ballots, bulk tools) use it:
// under pnyx bench election the JSON form's base64 and decoding took about
// 7 % of the CPU, client and API together.
const RawTxType = "application/octet-stream"

// SubmitRequest is the body of POST /v1/txs.
type SubmitRequest struct {
	// Tx is the encoded envelope, base64.
	Tx string `json:"tx"`
	// Wait asks the API to answer only once the tx is committed.
	Wait bool `json:"wait"`
}

// MaxBatchTxs bounds the txs of one POST /v1/txs/batch, and MaxBatchBytes
// its body.
const (
	MaxBatchTxs   = 1000
	MaxBatchBytes = 8 << 20
)

// SubmitBatchRequest is the body of POST /v1/txs/batch.
type SubmitBatchRequest struct {
	// Txs are encoded envelopes, base64, at most MaxBatchTxs.
	Txs []string `json:"txs"`
}

// SubmitBatchResponse answers POST /v1/txs/batch with one result per tx,
// in request order. A result with code 0 and stage "check" is in the
// mempool (confirm its commit with GET /v1/txs/{hash}); stage "commit" was
// committed already; a non-zero code at stage "check" was rejected. Code
// unavailable (the mempool is full) or bad_request (not base64) or too_large
// come with an empty stage: the node never took that tx, and it may be
// resubmitted.
type SubmitBatchResponse struct {
	Results []TxResult `json:"results"`
}

// TxResult answers submissions and lookups.
type TxResult struct {
	Hash string `json:"hash"`
	// Stage is "check" when the mempool's CheckTx answered, "commit" once the
	// tx is in a block.
	Stage     string     `json:"stage"`
	Code      codes.Code `json:"code"`
	Name      string     `json:"name"`
	Log       string     `json:"log,omitempty"`
	Height    int64      `json:"height,omitempty"`
	Index     uint32     `json:"index,omitempty"`
	Codespace string     `json:"codespace,omitempty"`
	// Events are what a committed tx emitted, in order; absent before
	// commit and for a tx that emitted none. Events are not hashed into the
	// header, so they are a convenience, not a proof: prove the records.
	Events []Event `json:"events,omitempty"`
}

// Event is one event a tx emitted: a type (e.g. "member.registered") and
// its attributes in the order the module wrote them.
type Event struct {
	Type       string           `json:"type"`
	Attributes []EventAttribute `json:"attributes,omitempty"`
}

// EventAttribute is one key/value of an event.
type EventAttribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Attr returns the value of the event's first attribute named key, or "".
func (e Event) Attr(key string) string {
	for _, a := range e.Attributes {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// Status answers GET /v1/status.
type Status struct {
	ChainID          string    `json:"chain_id"`
	NodeID           string    `json:"node_id"`
	Moniker          string    `json:"moniker"`
	ValidatorAddress string    `json:"validator_address"`
	Height           int64     `json:"height"`
	AppHash          string    `json:"app_hash"` // hex
	BlockTime        time.Time `json:"block_time"`
	CatchingUp       bool      `json:"catching_up"`
	Peers            int       `json:"peers"`
	MempoolTxs       int       `json:"mempool_txs"`
}

// Account answers GET /v1/accounts/{key}: a key's next nonce and the member
// it belongs to ("" for none).
type Account struct {
	Key       string `json:"key"` // hex
	NextNonce uint64 `json:"next_nonce"`
	Member    string `json:"member"`
	Height    int64  `json:"height"`
}

// Record is the JSON shape of a single-record read.
type Record struct {
	Height int64  `json:"height"`
	Key    string `json:"key"`
	// Record is the stored value as is: the bytes a proof covers.
	Record json.RawMessage `json:"record"`
	// Proof is present with ?prove=true: a proof.StateProof that
	// `pnyx verify proof` checks offline.
	Proof json.RawMessage `json:"proof,omitempty"`
}

// StateValue is a raw election state value (GET /v1/election-state/{key}).
type StateValue struct {
	Height int64           `json:"height"`
	Key    string          `json:"key"`
	Value  string          `json:"value"` // hex; empty when absent
	Found  bool            `json:"found"`
	Proof  json.RawMessage `json:"proof,omitempty"`
}

// TrackingAnswer is a ballot found by its tracking code: the cast or
// spoiled ballot record, and with ?prove=1 one proof covering both the
// tracking index entry and the ballot record.
type TrackingAnswer struct {
	Height   int64           `json:"height"`
	Kind     string          `json:"kind"` // "cast" or "spoiled"
	Key      string          `json:"key"`
	Record   json.RawMessage `json:"record"`
	Replaced bool            `json:"replaced"` // a later ballot under the same one-time key counts instead
	// Ballot is a cast ballot's bytes (base64), from its block; the
	// tracking code in the proven record is SHA-256 over them.
	Ballot string          `json:"ballot,omitempty"`
	Proof  json.RawMessage `json:"proof,omitempty"`
}
