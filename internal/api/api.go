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
// The JSON shapes are package wire's, which clients read without linking
// this package. Every route is listed in one table (routes.go, Server.table);
// GET /openapi.json is rendered from it, with schemas reflected from the
// wire types.
package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"sync"
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
	"github.com/pnyx-party/pnyx/internal/portal"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules/validator"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

// Node is what the API needs of a running node.
type Node interface {
	BroadcastTxSync(ctx context.Context, tx []byte) (*abci.ResponseCheckTx, error)
	// WaitTxAfter waits for a tx's outcome in a block above height after
	// (node.Node.WaitTxAfter).
	WaitTxAfter(ctx context.Context, hash []byte, after int64) (node.TxOutcome, error)
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
	// AlsoRegister, if set, receives the same metrics too: the node's
	// registry on --metrics-addr (package launch), while /metrics here
	// keeps serving Registry alone.
	AlsoRegister prometheus.Registerer
	// BlobDir holds content-addressed documents too large for a tx (assembly
	// minutes over 64 KiB). Empty disables blob uploads.
	BlobDir string
	// BlobSource, if set, fetches a blob this node lacks when a client
	// reads it (package blobsync's Syncer: only blobs a committed
	// transaction references, verified before they are stored).
	BlobSource BlobSource
	// Index serves petitions, comments and search; nil answers those routes
	// with code 18 (unavailable).
	Index *index.Index
	// RequestTimeout bounds the time of one request's handler (default
	// DefaultRequestTimeout): its context ends then, and with it any wait.
	RequestTimeout time.Duration
	// BlobBytesPerHour and BlobUploadsPerHour bound what one secretary or
	// admin uploads to BlobDir an hour (defaults DefaultBlobBytesPerHour,
	// DefaultBlobUploadsPerHour).
	BlobBytesPerHour   int64
	BlobUploadsPerHour int
	// MaxBodyBytes bounds every request body (default DefaultMaxBodyBytes);
	// routes bound their own bodies further.
	MaxBodyBytes int64
	// CORSOrigins lists the other origins whose pages may call the API
	// (cors.go); empty, the default, allows none.
	CORSOrigins []string
	// Genesis is the network's genesis.json as the node read it, served
	// byte for byte at /v1/genesis, so that its SHA-256 is the one HQ
	// publishes (`pnyx genesis fetch` checks it); nil answers that route
	// with code 18 (unavailable).
	Genesis []byte
}

// DefaultRequestTimeout exceeds the default WaitTimeout, so a submission
// waiting for its commit ends with its own, clearer, answer.
const DefaultRequestTimeout = 40 * time.Second

// DefaultMaxBodyBytes is the largest body any route takes: a blob.
const DefaultMaxBodyBytes = MaxBlobBytes

// Server is the HTTP API.
type Server struct {
	app  *chain.App
	node Node
	opts Options
	mux  *http.ServeMux
	reg  *prometheus.Registry
	// replays accepts each signed request once (finding 10 of issue 12).
	replays *auth.Replays
	// blobs is each uploader's hourly blob budget.
	blobs *blobBudget
	// stopping ends every wait for a commit or a header when the node
	// stops (EndWaits).
	stopping    context.Context
	endStopping context.CancelFunc

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	// running holds the routes of the requests being handled and when each
	// began, for InFlight.
	runningMu sync.Mutex
	running   map[*http.Request]inFlight
}

type inFlight struct {
	route string
	start time.Time
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
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s := &Server{app: app, node: n, opts: opts, mux: http.NewServeMux(), reg: opts.Registry, replays: auth.NewReplays(0), blobs: newBlobBudget(opts.BlobBytesPerHour, opts.BlobUploadsPerHour)}
	s.stopping, s.endStopping = context.WithCancel(context.Background())
	s.registerMetrics()
	s.registerNodeSideMetrics()
	s.routes()
	return s
}

// EndWaits answers every submission waiting for its commit, and every one
// that asks to wait from now on, with code Unavailable ("accepted, not
// committed yet; look it up later"); so too every read with a proof that
// waits for the next block's header. Call it when the node stops, before
// the HTTP server's graceful shutdown: that shutdown waits for handlers to
// finish, and a wait for a block that a halted or partitioned node will
// not commit would otherwise hold it for up to WaitTimeout.
func (s *Server) EndWaits() { s.endStopping() }

// Handler returns the HTTP handler. Every request gets at most
// Options.RequestTimeout and a body of at most Options.MaxBodyBytes, whatever
// its route does; the listener's connection cap and the http.Server's
// timeouts (package launch) bound the rest.
func (s *Server) Handler() http.Handler {
	return s.cors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
		defer versionGone(w)
		s.mux.ServeHTTP(w, r)
	}))
}

// versionGone answers a read whose version the store stopped keeping
// while the request ran (the memiavl engine retires its kept versions when
// it switches snapshots, store.ErrVersionGone): 503 unavailable, to be
// asked again. Any other panic goes on.
func versionGone(w http.ResponseWriter) {
	p := recover()
	if p == nil {
		return
	}
	if err, ok := p.(error); ok && errors.Is(err, store.ErrVersionGone) {
		writeError(w, codes.Unavailable.Errorf("%v", err))
		return
	}
	panic(p)
}

// track notes a request as running until the returned func is called.
func (s *Server) track(r *http.Request, route string, start time.Time) func() {
	s.runningMu.Lock()
	if s.running == nil {
		s.running = make(map[*http.Request]inFlight)
	}
	s.running[r] = inFlight{route, start}
	s.runningMu.Unlock()
	return func() {
		s.runningMu.Lock()
		delete(s.running, r)
		s.runningMu.Unlock()
	}
}

// InFlight describes the API requests being handled now, longest-running
// first ("POST /v1/txs for 4.2s"): what a graceful shutdown that ran out
// of time was waiting for.
func (s *Server) InFlight() []string {
	now := time.Now()
	s.runningMu.Lock()
	all := make([]inFlight, 0, len(s.running))
	for _, f := range s.running {
		all = append(all, f)
	}
	s.runningMu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].start.Before(all[j].start) })
	out := make([]string, len(all))
	for i, f := range all {
		out[i] = fmt.Sprintf("%s for %s", f.route, now.Sub(f.start).Round(100*time.Millisecond))
	}
	return out
}

func (s *Server) routes() {
	for _, rt := range s.table() {
		rt := rt
		s.mux.HandleFunc(rt.method+" "+rt.path, func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			defer s.track(r, rt.method+" "+rt.path, start)()
			if r.Header.Get("Authorization") != "" {
				closeAfterNaming(w)
			}
			err := s.trusted()
			if err == nil || rt.path == "/v1/status" || rt.path == "/v1/health" {
				err = rt.handler(w, r)
			}
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
	// Whatever no API route takes: the member portal (package portal) for
	// pages, a JSON 404 for everything under /v1/ and every other method.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if portal.Serves(r) {
			portal.Handler().ServeHTTP(w, r)
			return
		}
		writeError(w, codes.NotFound.Errorf("no route %s %s; see /openapi.json", r.Method, r.URL.Path))
	})
}

func (s *Server) registerMetrics() {
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pnyx_api_requests_total", Help: "API requests by route and result code name."}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pnyx_api_request_seconds", Help: "API request latency.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8)}, []string{"route"})
	s.register(s.requests, s.latency,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pnyx_block_height", Help: "Height of the last committed block."}, func() float64 { return float64(s.app.Store().Version()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pnyx_mempool_txs", Help: "Transactions waiting in the mempool."}, func() float64 { return float64(s.node.MempoolSize()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "pnyx_txs_succeeded_total", Help: "Committed transactions that executed."}, func() float64 { return float64(s.app.Stats().TxsOK) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "pnyx_txs_failed_total", Help: "Committed transactions that were rejected and changed nothing."}, func() float64 { return float64(s.app.Stats().TxsFailed) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "pnyx_sig_cache_hits_total", Help: "Signatures FinalizeBlock did not re-verify because CheckTx had."}, func() float64 { return float64(s.app.Stats().SigCacheHits) }),
	)
	for _, phase := range []struct {
		name string
		of   func(chain.Stats) time.Duration
	}{
		{"execute", func(st chain.Stats) time.Duration { return st.ExecuteTime }},
		{"save_wait", func(st chain.Stats) time.Duration { return st.SaveWaitTime }},
		{"hash", func(st chain.Stats) time.Duration { return st.HashTime }},
		{"commit", func(st chain.Stats) time.Duration { return st.CommitTime }},
	} {
		s.register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "pnyx_block_seconds_total",
			Help:        "Wall time this node spent on blocks by phase: executing their txs, waiting for the previous block's state to be saved, hashing the tree with their writes, committing (chain.Stats).",
			ConstLabels: prometheus.Labels{"phase": phase.name}},
			func() float64 { return phase.of(s.app.Stats()).Seconds() }))
	}
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
	writeJSON(w, httpStatus(c), wire.ErrorBody{Error: wire.ErrorDetail{Code: c, Name: c.String(), Message: codes.Message(err)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// No indentation: records are served byte for byte as stored, so the
	// bytes a client reads are the bytes a proof covers.
	json.NewEncoder(w).Encode(v)
}

// latest opens the latest committed state on disk: the node announces a
// block (WaitTx) only once it is, and a read never waits for a save.
func (s *Server) latest() (*store.Snapshot, error) {
	if s.app.Store().Saved() == 0 {
		return nil, codes.Unavailable.Errorf("the chain has no committed block yet")
	}
	snap, err := s.app.Store().LatestSnapshot()
	if err != nil {
		return nil, codes.Unavailable.Errorf("%v", err)
	}
	return snap, nil
}

// writeRecord answers with the record at key, proving it when asked.
func (s *Server) writeRecord(w http.ResponseWriter, r *http.Request, snap *store.Snapshot, key []byte) error {
	val := snap.Get(key)
	if val == nil {
		return codes.NotFound.Errorf("no record at %q", key)
	}
	rec := wire.Record{Height: snap.Version(), Key: string(key), Record: val}
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

// prove proves key as read from snap (see proveKeys).
func (s *Server) prove(ctx context.Context, snap *store.Snapshot, key []byte) (*proof.StateProof, error) {
	return s.proveKeys(ctx, snap, [][]byte{key})
}

// proveMany proves several keys of snap under one header.
func (s *Server) proveMany(r *http.Request, snap *store.Snapshot, keys [][]byte) (*proof.StateProof, error) {
	return s.proveKeys(r.Context(), snap, keys)
}

// proveKeys proves the values keys have in snap, the latest state, under
// one signed header (see waitForHeader).
func (s *Server) proveKeys(ctx context.Context, snap *store.Snapshot, keys [][]byte) (*proof.StateProof, error) {
	var p *proof.StateProof
	err := s.waitForHeader(ctx, snap, keys, func(at *store.Snapshot) (err error) {
		p, err = proof.BuildMany(s.app.ChainID(), at, keys, s.node)
		if err != nil {
			return err
		}
		return proof.AddHandoffs(p, validator.ChangeHeights(at), s.node)
	})
	return p, err
}

// waitForHeader calls build with the state a proof of keys as read from
// snap, the latest state, is anchored at, until the header that commits to
// it exists. The header that commits to a state version v is header v+1,
// and CometBFT stores it only with the next block, which during a bulk
// import is many seconds away; header v already exists (it is stored
// before the app executes block v). So keys that block v left unchanged
// are proven at v-1 at once, with the same values, and only a read of a
// record the latest block changed waits for the next header, so a client
// that reads what it just wrote gets what it wrote. Proofs a node serves
// never go back in time: once header v+1 exists every proof is anchored
// at v or later.
func (s *Server) waitForHeader(ctx context.Context, snap *store.Snapshot, keys [][]byte, build func(at *store.Snapshot) error) error {
	if prev := s.unchangedSince(snap, keys); prev != nil {
		err := build(prev)
		if err == nil {
			return nil
		}
		if !errors.Is(err, node.ErrHeightNotAvailable) {
			return proofError(err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// A stopping node will not make that header: answer now rather than
	// hold the HTTP server's graceful shutdown (see EndWaits).
	defer context.AfterFunc(s.stopping, cancel)()
	for {
		err := build(snap)
		if err == nil {
			return nil
		}
		if !errors.Is(err, node.ErrHeightNotAvailable) {
			return proofError(err)
		}
		select {
		case <-ctx.Done():
			if s.stopping.Err() != nil {
				return codes.Unavailable.Errorf("this node is stopping; read from another node or retry")
			}
			return codes.Unavailable.Errorf("the header after height %d is not available yet; retry", snap.Version())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// unchangedSince returns the state before snap when every key holds the
// same value (or is absent) in both and the header committing to snap
// does not exist yet; otherwise nil, and the proof is built at snap.
func (s *Server) unchangedSince(snap *store.Snapshot, keys [][]byte) *store.Snapshot {
	v := snap.Version()
	if v <= 1 {
		return nil
	}
	if _, err := s.node.SignedHeader(v + 1); err == nil {
		return nil
	}
	prev, err := s.app.Store().Snapshot(v - 1)
	if err != nil {
		return nil // pruned: wait for the header of snap's own
	}
	if !bytes.Equal(prev.Hash(), snap.Hash()) {
		for _, k := range keys {
			if !bytes.Equal(prev.Get(k), snap.Get(k)) {
				return nil
			}
		}
	}
	return prev
}

func proofError(err error) error {
	if codes.Of(err) != codes.Internal {
		return err
	}
	return codes.Internal.Errorf("build proof: %v", err)
}

// caller authenticates a signed read and returns the requester's key.
func (s *Server) caller(r *http.Request) (ed25519.PublicKey, error) {
	key, err := s.replays.Verify(r, s.app.ChainID(), s.opts.Now())
	switch {
	case errors.Is(err, auth.ErrMissing):
		return nil, codes.Forbidden.Errorf("this read needs a signed request (see package auth)")
	case errors.Is(err, auth.ErrBusy):
		return nil, codes.Unavailable.Errorf("%v", err)
	case err != nil:
		return nil, codes.Forbidden.Errorf("%v", err)
	}
	return key, nil
}

// healthReporter is the optional part of Node that says whether the
// node's state can be served (node.Node implements it).
type healthReporter interface {
	Health() node.HealthReport
}

// trusted refuses every route but status and health once the node knows
// its state diverged from the chain's: what it would serve is not on chain.
func (s *Server) trusted() error {
	hr, ok := s.node.(healthReporter)
	if !ok {
		return nil
	}
	if h := hr.Health(); h.Health == node.Diverged {
		return codes.Unavailable.Errorf("this node's state diverged from the chain's after height %d; it serves nothing until an operator restores it (%s)", h.Height, h.Reason)
	}
	return nil
}

// health answers GET /v1/health; 200 only when healthy.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	hr, ok := s.node.(healthReporter)
	if !ok {
		return codes.Unavailable.Errorf("this node does not report its health")
	}
	h := hr.Health()
	status := http.StatusOK
	if h.Health != node.Healthy {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, wire.Health{Health: string(h.Health), Reason: h.Reason, Height: h.Height, SecondsSinceCommit: h.SinceCommit.Seconds()})
	return nil
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) error {
	st, err := s.node.Status()
	if err != nil {
		return codes.Unavailable.Errorf("%v", err)
	}
	writeJSON(w, http.StatusOK, wire.Status{
		ChainID: st.ChainID, NodeID: st.NodeID, Moniker: st.Moniker,
		ValidatorAddress: st.ValidatorAddress, Height: st.Height,
		AppHash: hex.EncodeToString(st.AppHash), BlockTime: st.BlockTime,
		CatchingUp: st.CatchingUp, Peers: st.Peers, MempoolTxs: s.node.MempoolSize(),
	})
	return nil
}

// genesis serves the network's genesis.json byte for byte. A member's
// tools trust the validators it names; it is worth no more than the hash
// it is checked against, which must come from elsewhere than this node.
func (s *Server) genesis(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Genesis == nil {
		return codes.Unavailable.Errorf("this node serves no genesis")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(s.opts.Genesis)
	return err
}

// outcome is a committed tx's result, with the events it emitted.
func outcome(o node.TxOutcome) wire.TxResult {
	return wire.TxResult{Hash: hex.EncodeToString(o.Hash), Stage: "commit", Code: codes.Code(o.Code), Name: codes.Code(o.Code).String(), Log: o.Log, Height: o.Height, Index: o.Index, Codespace: o.Codespace, Events: events(o.Events)}
}

// events converts ABCI events to their wire shape; nil when there are none,
// so the field is left out.
func events(evs []abci.Event) []wire.Event {
	if len(evs) == 0 {
		return nil
	}
	out := make([]wire.Event, len(evs))
	for i, ev := range evs {
		out[i] = wire.Event{Type: ev.Type}
		if len(ev.Attributes) > 0 {
			out[i].Attributes = make([]wire.EventAttribute, len(ev.Attributes))
			for j, a := range ev.Attributes {
				out[i].Attributes[j] = wire.EventAttribute{Key: a.Key, Value: a.Value}
			}
		}
	}
	return out
}

func (s *Server) submitTx(w http.ResponseWriter, r *http.Request) error {
	raw, wait, err := readSubmission(w, r)
	if err != nil {
		return err
	}
	if env, err := tx.Decode(raw); err == nil && !allZero(env.Signer) {
		closeAfterNaming(w)
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.WaitTimeout)
	defer cancel()
	defer context.AfterFunc(s.stopping, cancel)()
	s.preverify(raw)
	// A copy of the same bytes that failed before this submission (see
	// node.WaitTxAfter) committed at or below this height.
	var before int64
	if s.app != nil {
		before = s.app.Store().Version()
	}
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
	o, err := s.node.WaitTxAfter(ctx, tx.Hash(raw), before)
	if err != nil && s.stopping.Err() != nil {
		err = errors.New("this node is stopping")
	}
	if err != nil {
		return codes.Unavailable.Errorf("tx %x accepted but not committed yet (%v); look it up later", tx.Hash(raw), err)
	}
	writeJSON(w, http.StatusOK, outcome(o))
	return nil
}

// closeAfterNaming makes a request that names a member (a signed read, a
// transaction signed by a member's key) the last on its connection. Clients
// keep connections alive, so without it a browser's anonymous ballot could
// ride the connection that just carried its member's signed request, and the
// node would see the two together. Anonymous submissions and public reads
// keep their connection. Batches are officials' bulk work and keep theirs.
func closeAfterNaming(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// readSubmission reads POST /v1/txs in either form.
func readSubmission(w http.ResponseWriter, r *http.Request) (raw []byte, wait bool, err error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == wire.RawTxType {
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
	var req wire.SubmitRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4*tx.MaxTxBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, false, codes.BadRequest.Errorf("body must be {\"tx\": base64, \"wait\": bool} or the raw tx as %s: %v", wire.RawTxType, err)
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
func (s *Server) admit(ctx context.Context, raw []byte) (res wire.TxResult, pending bool, err error) {
	if len(raw) > tx.MaxTxBytes {
		return wire.TxResult{}, false, codes.TooLarge.Errorf("tx is %d bytes, the limit is %d", len(raw), tx.MaxTxBytes)
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
		return wire.TxResult{}, false, codes.Unavailable.Errorf("mempool is full; retry shortly")
	case err != nil:
		return wire.TxResult{}, false, codes.Unavailable.Errorf("%v", err)
	case ct.Code != 0:
		c := codes.Code(ct.Code)
		return wire.TxResult{Hash: hex.EncodeToString(hash), Stage: "check", Code: c, Name: c.String(), Log: ct.Log, Codespace: ct.Codespace}, false, nil
	}
	return wire.TxResult{Hash: hex.EncodeToString(hash), Stage: "check", Name: codes.OK.String()}, true, nil
}

// submitBatch admits many txs per request: for bulk clients (imports, the
// benchmark) one HTTP round trip per tx costs more than the tx itself.
func (s *Server) submitBatch(w http.ResponseWriter, r *http.Request) error {
	var req wire.SubmitBatchRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, wire.MaxBatchBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return codes.BadRequest.Errorf("body must be {\"txs\": [base64, ...]} of at most %d bytes: %v", wire.MaxBatchBytes, err)
	}
	if len(req.Txs) == 0 || len(req.Txs) > wire.MaxBatchTxs {
		return codes.BadRequest.Errorf("a batch holds 1-%d txs, not %d", wire.MaxBatchTxs, len(req.Txs))
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.WaitTimeout)
	defer cancel()
	out := wire.SubmitBatchResponse{Results: make([]wire.TxResult, len(req.Txs))}
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
			out.Results[i] = wire.TxResult{Code: c, Name: c.String(), Log: codes.Message(err)}
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
		return codes.NotFound.Errorf("tx %x is not in any committed block this node holds", hash)
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
