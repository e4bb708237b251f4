// Package api serves pnyx over HTTP with JSON: it forwards signed
// transactions to the node and answers reads from committed state, with
// Merkle proofs on request.
//
// Build a Server over the application and its node and mount Handler:
//
//	srv := api.New(app, n, api.Options{})
//	http.ListenAndServe(addr, srv.Handler())
//
// Every error is a JSON object {"error": {"code": 9, "name": "not_found",
// "message": "..."}} whose code is one of package codes' stable numbers.
// Reads of a member's personal records need a request signed per package
// auth by the member or by an official (admin, registrar or treasurer) whose
// scope covers the member's chapter. The API keeps no client addresses in
// its logs, so nothing it records links a request to a person.
// GET /openapi.json describes every route.
package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pnyx-party/pnyx/auth"
	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/tx"
)

// Node is what the API needs of a running node.
type Node interface {
	BroadcastTxSync(ctx context.Context, tx []byte) (*abci.ResponseCheckTx, error)
	WaitTx(ctx context.Context, hash []byte) (node.TxOutcome, error)
	FindTx(hash []byte) (node.TxOutcome, bool)
	Status() (node.Status, error)
	SignedHeader(height int64) (*types.SignedHeader, error)
	Validators(height int64) (*types.ValidatorSet, error)
	// Block serves the ballot bytes of the ballot box and the election
	// record, which state pins by their tracking codes but does not repeat.
	Block(height int64) (*types.Block, error)
	MempoolSize() int
}

// Options tune the server.
type Options struct {
	// WaitTimeout bounds how long a submission with wait=true waits for its
	// commit (default 30 s).
	WaitTimeout time.Duration
	// Now is the clock for signed-read freshness (default time.Now). The API
	// is outside consensus, so a wall clock is fine here.
	Now func() time.Time
	// Registry receives the metrics (default a new registry).
	Registry *prometheus.Registry
	// BlobDir holds content-addressed documents too large for a tx (assembly
	// minutes over 64 KiB). Empty disables blob uploads.
	BlobDir string
	// Index serves petitions, comments and search; nil answers those routes
	// with code 18 (unavailable).
	Index *index.Index
}

// Server is the HTTP API.
type Server struct {
	app  *chain.App
	node Node
	opts Options
	mux  *http.ServeMux
	reg  *prometheus.Registry

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// New builds the server. With a nil app only the tx submission routes
// work; `pnyx bench tx` serves its trivial-app baseline that way, so both of
// its measurements go through this same handler code.
func New(app *chain.App, n Node, opts Options) *Server {
	if opts.WaitTimeout == 0 {
		opts.WaitTimeout = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	s := &Server{app: app, node: n, opts: opts, mux: http.NewServeMux(), reg: opts.Registry}
	s.registerMetrics()
	s.routes()
	return s
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// route describes one endpoint, for the mux and for the OpenAPI document.
type route struct {
	method, path, summary string
	signed, provable      bool
	handler               func(w http.ResponseWriter, r *http.Request) error
}

// extraRoutes lets each capability add its routes from its own file (in an
// init function), so the route table and the OpenAPI document grow without
// everyone editing this list.
var extraRoutes []func(s *Server) []route

func (s *Server) table() []route {
	rs := []route{
		{"GET", "/v1/status", "Node and chain status", false, false, s.status},
		{"POST", "/v1/txs", "Submit a signed transaction: JSON {tx: base64, wait}, or the raw tx as application/octet-stream with ?wait=1; with wait, answer once it commits", false, false, s.submitTx},
		{"POST", "/v1/txs/batch", "Submit up to 1000 signed transactions in one request, without waiting; one result each", false, false, s.submitBatch},
		{"GET", "/v1/txs/{hash}", "Look up a committed transaction by hash", false, false, s.getTx},
		{"GET", "/v1/accounts/{key}", "Next nonce of a key and the member it belongs to", false, false, s.account},
		{"GET", "/v1/chapters", "The chapter tree", false, false, s.chapters},
		{"GET", "/v1/chapters/{id}", "One chapter", false, true, s.chapter},
		{"GET", "/v1/chapters/{id}/roles", "Roles granted at a chapter", false, false, s.chapterRoles},
		{"GET", "/v1/chapters/{id}/members", "Members registered at a chapter (officials with scope)", true, false, s.chapterMembers},
		{"GET", "/v1/members/{id}", "A member record (the member or an official with scope)", true, true, s.member},
		{"GET", "/v1/members/{id}/roles", "Roles a member holds", false, false, s.memberRoles},
		{"GET", "/v1/members/{id}/credential", "A member's membership credential", true, true, s.credential},
		{"GET", "/v1/members/{id}/balance", "A member's party points", true, true, s.balance},
		{"GET", "/v1/token/supply", "Total, minted and burned party points", false, true, s.supply},
	}
	for _, more := range extraRoutes {
		rs = append(rs, more(s)...)
	}
	return rs
}

func (s *Server) routes() {
	for _, rt := range s.table() {
		rt := rt
		s.mux.HandleFunc(rt.method+" "+rt.path, func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			err := rt.handler(w, r)
			code := codes.Of(err)
			if err != nil {
				writeError(w, err)
			}
			s.requests.WithLabelValues(rt.method+" "+rt.path, code.String()).Inc()
			s.latency.WithLabelValues(rt.method + " " + rt.path).Observe(time.Since(start).Seconds())
		})
	}
	s.mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.openAPI())
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, codes.NotFound.Errorf("no route %s %s; see /openapi.json", r.Method, r.URL.Path))
	})
}

func (s *Server) registerMetrics() {
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pnyx_api_requests_total", Help: "API requests by route and result code name."}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pnyx_api_request_seconds", Help: "API request latency.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8)}, []string{"route"})
	s.reg.MustRegister(s.requests, s.latency,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pnyx_block_height", Help: "Height of the last committed block."}, func() float64 { return float64(s.app.Store().Version()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pnyx_mempool_txs", Help: "Transactions waiting in the mempool."}, func() float64 { return float64(s.node.MempoolSize()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "pnyx_txs_succeeded_total", Help: "Committed transactions that executed."}, func() float64 { return float64(s.app.Stats().TxsOK) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "pnyx_txs_failed_total", Help: "Committed transactions that were rejected and changed nothing."}, func() float64 { return float64(s.app.Stats().TxsFailed) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "pnyx_sig_cache_hits_total", Help: "Signatures FinalizeBlock did not re-verify because CheckTx had."}, func() float64 { return float64(s.app.Stats().SigCacheHits) }),
	)
}

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

func httpStatus(c codes.Code) int {
	switch c {
	case codes.NotFound:
		return http.StatusNotFound
	case codes.Forbidden:
		return http.StatusForbidden
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.Internal:
		return http.StatusInternalServerError
	case codes.BadRequest, codes.Malformed, codes.InvalidArgument, codes.TooLarge:
		return http.StatusBadRequest
	default:
		return http.StatusUnprocessableEntity
	}
}

func writeError(w http.ResponseWriter, err error) {
	c := codes.Of(err)
	writeJSON(w, httpStatus(c), ErrorBody{ErrorDetail{Code: c, Name: c.String(), Message: codes.Message(err)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// No indentation: records are served byte for byte as stored, so the
	// bytes a client reads are the bytes a proof covers.
	json.NewEncoder(w).Encode(v)
}

// latest opens the latest committed state.
func (s *Server) latest() (*store.Snapshot, error) {
	v := s.app.Store().Version()
	if v == 0 {
		return nil, codes.Unavailable.Errorf("the chain has no committed block yet")
	}
	snap, err := s.app.Store().Snapshot(v)
	if err != nil {
		return nil, codes.Unavailable.Errorf("%v", err)
	}
	return snap, nil
}

// Record is the JSON shape of a single-record read.
type Record struct {
	Height int64           `json:"height"`
	Key    string          `json:"key"`
	Record json.RawMessage `json:"record"`
	// Proof is present with ?prove=true: a proof.StateProof that
	// `pnyx verify proof` checks offline.
	Proof json.RawMessage `json:"proof,omitempty"`
}

// writeRecord answers with the record at key, proving it when asked.
func (s *Server) writeRecord(w http.ResponseWriter, r *http.Request, snap *store.Snapshot, key []byte) error {
	val := snap.Get(key)
	if val == nil {
		return codes.NotFound.Errorf("no record at %q", key)
	}
	rec := Record{Height: snap.Version(), Key: string(key), Record: val}
	if wantProof(r) {
		p, err := s.prove(r.Context(), snap, key)
		if err != nil {
			return err
		}
		raw, err := proof.Marshal(p)
		if err != nil {
			return codes.Internal.Errorf("encode proof: %v", err)
		}
		rec.Proof = raw
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

func wantProof(r *http.Request) bool {
	v := r.URL.Query().Get("prove")
	return v == "1" || v == "true"
}

// prove builds a proof of key in snap against header snap.Version()+1.
func (s *Server) prove(ctx context.Context, snap *store.Snapshot, key []byte) (*proof.StateProof, error) {
	var p *proof.StateProof
	err := s.waitForHeader(ctx, snap, func(at *store.Snapshot) (err error) {
		p, err = proof.Build(s.app.ChainID(), at, key, s.node)
		return err
	})
	return p, err
}

// proveMany proves several keys of snap under one header.
func (s *Server) proveMany(r *http.Request, snap *store.Snapshot, keys [][]byte) (*proof.StateProof, error) {
	var p *proof.StateProof
	err := s.waitForHeader(r.Context(), snap, func(at *store.Snapshot) (err error) {
		p, err = proof.BuildMany(s.app.ChainID(), at, keys, s.node)
		return err
	})
	return p, err
}

// waitForHeader calls build with the snapshot a proof of snap's state should
// be anchored at, until the header that commits to it exists. CometBFT makes
// that header at once after a block that changed state; after a block that
// changed nothing it may not come for a long while (an idle chain makes
// empty blocks rarely), but then the block's own header already commits to
// the same state, and the proof is anchored one version earlier.
func (s *Server) waitForHeader(ctx context.Context, snap *store.Snapshot, build func(at *store.Snapshot) error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	at := snap
	if _, err := s.node.SignedHeader(snap.Version() + 1); err != nil && snap.Version() > 1 {
		if prev, err := s.app.Store().Snapshot(snap.Version() - 1); err == nil && bytes.Equal(prev.Hash(), snap.Hash()) {
			at = prev
		}
	}
	for {
		err := build(at)
		if err == nil {
			return nil
		}
		if !errors.Is(err, node.ErrHeightNotAvailable) {
			if codes.Of(err) != codes.Internal {
				return err
			}
			return codes.Internal.Errorf("build proof: %v", err)
		}
		select {
		case <-ctx.Done():
			return codes.Unavailable.Errorf("the header after height %d is not available yet; retry", snap.Version())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// caller authenticates a signed read and returns the requester's key.
func (s *Server) caller(r *http.Request) (ed25519.PublicKey, error) {
	key, err := auth.Verify(r, s.app.ChainID(), s.opts.Now())
	if errors.Is(err, auth.ErrMissing) {
		return nil, codes.Forbidden.Errorf("this read needs a signed request (see package auth)")
	}
	if err != nil {
		return nil, codes.Forbidden.Errorf("%v", err)
	}
	return key, nil
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) error {
	st, err := s.node.Status()
	if err != nil {
		return codes.Unavailable.Errorf("%v", err)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"chain_id": st.ChainID, "node_id": st.NodeID, "moniker": st.Moniker,
		"validator_address": st.ValidatorAddress, "height": st.Height,
		"app_hash": hex.EncodeToString(st.AppHash), "block_time": st.BlockTime,
		"catching_up": st.CatchingUp, "peers": st.Peers, "mempool_txs": s.node.MempoolSize(),
	})
	return nil
}

// SubmitRequest is the body of POST /v1/txs.
type SubmitRequest struct {
	// Tx is the encoded envelope, base64.
	Tx string `json:"tx"`
	// Wait asks the API to answer only once the tx is committed.
	Wait bool `json:"wait"`
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
}

func outcome(o node.TxOutcome) TxResult {
	return TxResult{Hash: hex.EncodeToString(o.Hash), Stage: "commit", Code: codes.Code(o.Code), Name: codes.Code(o.Code).String(), Log: o.Log, Height: o.Height, Index: o.Index, Codespace: o.Codespace}
}

func (s *Server) submitTx(w http.ResponseWriter, r *http.Request) error {
	raw, wait, err := readSubmission(w, r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.WaitTimeout)
	defer cancel()
	s.preverify(raw)
	res, pending, err := s.admit(ctx, raw)
	switch {
	case err != nil:
		return err
	case !pending && res.Stage == "check":
		writeJSON(w, httpStatus(res.Code), res)
		return nil
	case !pending:
		writeJSON(w, http.StatusOK, res)
		return nil
	case !wait:
		writeJSON(w, http.StatusAccepted, res)
		return nil
	}
	o, err := s.node.WaitTx(ctx, tx.Hash(raw))
	if err != nil {
		return codes.Unavailable.Errorf("tx %x accepted but not committed yet (%v); look it up later", tx.Hash(raw), err)
	}
	writeJSON(w, http.StatusOK, outcome(o))
	return nil
}

// RawTxType is the content type of a submission that is the encoded tx
// itself. Clients that submit many txs (voters' ballots, bulk tools) use it:
// under pnyx bench election the JSON form's base64 and decoding took about
// 7 % of the CPU, client and API together.
const RawTxType = "application/octet-stream"

// readSubmission reads POST /v1/txs in either form.
func readSubmission(w http.ResponseWriter, r *http.Request) (raw []byte, wait bool, err error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == RawTxType {
		switch v := r.URL.Query().Get("wait"); v {
		case "", "0", "false":
		case "1", "true":
			wait = true
		default:
			return nil, false, codes.BadRequest.Errorf("wait must be 1, true, 0 or false, not %q", v)
		}
		raw, err = io.ReadAll(http.MaxBytesReader(w, r.Body, tx.MaxTxBytes+1))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return nil, false, codes.TooLarge.Errorf("tx is over %d bytes, the limit", tx.MaxTxBytes)
		case err != nil:
			return nil, false, codes.BadRequest.Errorf("read tx: %v", err)
		}
		return raw, wait, nil
	}
	var req SubmitRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4*tx.MaxTxBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, false, codes.BadRequest.Errorf("body must be {\"tx\": base64, \"wait\": bool} or the raw tx as %s: %v", RawTxType, err)
	}
	if raw, err = base64.StdEncoding.DecodeString(req.Tx); err != nil {
		return nil, false, codes.BadRequest.Errorf("tx is not base64: %v", err)
	}
	return raw, req.Wait, nil
}

// preverify verifies a tx's signature on the request's goroutine, in
// parallel with other requests and with the block being executed, so that
// CheckTx, which CometBFT's mempool runs one at a time, need not. A failure
// is left for CheckTx to report, with the code it would give anyway.
func (s *Server) preverify(raw []byte) {
	if s.app != nil && len(raw) <= tx.MaxTxBytes {
		_ = s.app.Preverify(raw)
	}
}

// admit hands one tx to the mempool. pending reports that the tx waits in
// the mempool (res is then the acceptance); otherwise res is final: a CheckTx
// rejection (stage "check") or, for a tx committed a moment ago, its
// outcome. err means the node could not take the tx now (codes.Unavailable:
// retry) or it is too large.
func (s *Server) admit(ctx context.Context, raw []byte) (res TxResult, pending bool, err error) {
	if len(raw) > tx.MaxTxBytes {
		return TxResult{}, false, codes.TooLarge.Errorf("tx is %d bytes, the limit is %d", len(raw), tx.MaxTxBytes)
	}
	hash := tx.Hash(raw)
	ct, err := s.node.BroadcastTxSync(ctx, raw)
	switch {
	case errors.Is(err, node.ErrTxInCache):
		// Seen recently: pending or just committed. Resubmission is safe.
		if o, ok := s.node.FindTx(hash); ok {
			return outcome(o), false, nil
		}
	case errors.Is(err, node.ErrMempoolFull):
		return TxResult{}, false, codes.Unavailable.Errorf("mempool is full; retry shortly")
	case err != nil:
		return TxResult{}, false, codes.Unavailable.Errorf("%v", err)
	case ct.Code != 0:
		c := codes.Code(ct.Code)
		return TxResult{Hash: hex.EncodeToString(hash), Stage: "check", Code: c, Name: c.String(), Log: ct.Log, Codespace: ct.Codespace}, false, nil
	}
	return TxResult{Hash: hex.EncodeToString(hash), Stage: "check", Name: codes.OK.String()}, true, nil
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

// submitBatch admits many txs per request: for bulk clients (imports, the
// benchmark) one HTTP round trip per tx costs more than the tx itself.
func (s *Server) submitBatch(w http.ResponseWriter, r *http.Request) error {
	var req SubmitBatchRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBatchBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return codes.BadRequest.Errorf("body must be {\"txs\": [base64, ...]} of at most %d bytes: %v", MaxBatchBytes, err)
	}
	if len(req.Txs) == 0 || len(req.Txs) > MaxBatchTxs {
		return codes.BadRequest.Errorf("a batch holds 1-%d txs, not %d", MaxBatchTxs, len(req.Txs))
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.WaitTimeout)
	defer cancel()
	out := SubmitBatchResponse{Results: make([]TxResult, len(req.Txs))}
	raws := make([][]byte, len(req.Txs))
	errs := make([]error, len(req.Txs))
	// Verify every signature first: while a block executes, CheckTx waits,
	// and this work need not.
	for i, enc := range req.Txs {
		raws[i], errs[i] = base64.StdEncoding.DecodeString(enc)
		if errs[i] != nil {
			errs[i] = codes.BadRequest.Errorf("tx %d is not base64: %v", i, errs[i])
			raws[i] = nil
			continue
		}
		s.preverify(raws[i])
	}
	for i, raw := range raws {
		err := errs[i]
		if err == nil {
			out.Results[i], _, err = s.admit(ctx, raw)
		}
		if err != nil {
			c := codes.Of(err)
			out.Results[i] = TxResult{Code: c, Name: c.String(), Log: codes.Message(err)}
			if raw != nil {
				out.Results[i].Hash = hex.EncodeToString(tx.Hash(raw))
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getTx(w http.ResponseWriter, r *http.Request) error {
	hash, err := hex.DecodeString(r.PathValue("hash"))
	if err != nil || len(hash) != 32 {
		return codes.BadRequest.Errorf("hash must be 64 hex digits")
	}
	o, ok := s.node.FindTx(hash)
	if !ok {
		return codes.NotFound.Errorf("tx %x is not among the recently committed txs", hash)
	}
	writeJSON(w, http.StatusOK, outcome(o))
	return nil
}

func parseLimit(r *http.Request, def, max int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, codes.BadRequest.Errorf("limit must be 1-%d", max)
	}
	return n, nil
}
