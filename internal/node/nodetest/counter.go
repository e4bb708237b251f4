// Package nodetest holds what tests and benchmarks need to run pnyx nodes:
// a trivial ABCI application (CounterApp, also the baseline of `pnyx bench
// tx`), free loopback ports, and the multi-validator scenario that the node
// tests run with CounterApp and the chain tests can rerun with the pnyx app.
package nodetest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"
)

// Codes returned by CounterApp.
const (
	CodeOK       = 0
	CodeEmptyTx  = 1 // CheckTx and FinalizeBlock: empty tx
	CodeFailInTx = 2 // FinalizeBlock: tx starts with "fail:", or "fail-below-N:" while the count is below N
	FailTxPrefix = "fail:"
	// FailBelowPrefix starts a tx ("fail-below-3:…") that fails while the
	// count is below the number and counts once it is not: the same bytes
	// fail in one block and succeed in a later one, as a real tx does whose
	// precondition another tx meets in between.
	FailBelowPrefix = "fail-below-"
	counterFile     = "counter.json"
	counterSchema   = 1
)

// CounterApp is the smallest useful deterministic ABCI application: every
// non-empty tx increments a counter, except txs starting with "fail:" (and
// "fail-below-N:" ones while the count is below N), which are accepted into
// the mempool but fail in the block (to exercise non-zero result codes). The app hash chains every tx and result, so two nodes agree
// on it only if they executed the same txs in the same order. State is a
// small JSON file written atomically in Commit, so the app resumes after a
// restart like a real one.
type CounterApp struct {
	abci.BaseApplication

	dir string

	mu        sync.Mutex
	committed counterState
	pending   *counterState
}

type counterState struct {
	Schema  int    `json:"schema"`
	Height  int64  `json:"height"`
	AppHash []byte `json:"app_hash"`
	Count   uint64 `json:"count"`
}

// NewCounterApp opens (or creates) the counter state in dir.
func NewCounterApp(dir string) (*CounterApp, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	app := &CounterApp{dir: dir, committed: counterState{Schema: counterSchema}}
	b, err := os.ReadFile(filepath.Join(dir, counterFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(b, &app.committed); err != nil {
			return nil, fmt.Errorf("counter state: %w", err)
		}
	}
	return app, nil
}

// CounterAppIn returns an app constructor for node homes: the state lives in
// HOME/data/counter. It panics on I/O errors (tests only).
func CounterAppIn(home string) abci.Application {
	app, err := NewCounterApp(filepath.Join(home, "data", "counter"))
	if err != nil {
		panic(err)
	}
	return app
}

// Count is the number of successful txs committed.
func (a *CounterApp) Count() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.committed.Count
}

func (a *CounterApp) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return &abci.ResponseInfo{
		Data:             "counter",
		LastBlockHeight:  a.committed.Height,
		LastBlockAppHash: a.committed.AppHash,
	}, nil
}

func (a *CounterApp) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	if len(req.Tx) == 0 {
		return &abci.ResponseCheckTx{Code: CodeEmptyTx, Log: "empty tx"}, nil
	}
	return &abci.ResponseCheckTx{Code: CodeOK}, nil
}

func (a *CounterApp) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.committed
	st.Height = req.Height
	res := &abci.ResponseFinalizeBlock{TxResults: make([]*abci.ExecTxResult, len(req.Txs)), AppHash: st.AppHash}
	if len(req.Txs) == 0 {
		// Like a real app, an empty block leaves the state (and the app
		// hash) alone, so CometBFT makes no proof blocks on an idle chain.
		a.pending = &st
		return res, nil
	}
	h := sha256.New()
	h.Write(st.AppHash)
	_ = binary.Write(h, binary.BigEndian, req.Height)
	for i, tx := range req.Txs {
		var r abci.ExecTxResult
		switch {
		case len(tx) == 0:
			r = abci.ExecTxResult{Code: CodeEmptyTx, Log: "empty tx"}
		case strings.HasPrefix(string(tx), FailTxPrefix) || failsBelow(tx, st.Count):
			r = abci.ExecTxResult{Code: CodeFailInTx, Log: "failed as requested"}
		default:
			st.Count++
			r = abci.ExecTxResult{Code: CodeOK, Data: binary.BigEndian.AppendUint64(nil, st.Count),
				Events: []abci.Event{{Type: "count", Attributes: []abci.EventAttribute{
					{Key: "value", Value: fmt.Sprint(st.Count), Index: false}}}}}
		}
		res.TxResults[i] = &r
		txh := sha256.Sum256(tx)
		h.Write(txh[:])
		_ = binary.Write(h, binary.BigEndian, r.Code)
	}
	st.AppHash = h.Sum(nil)
	a.pending = &st
	res.AppHash = st.AppHash
	return res, nil
}

func (a *CounterApp) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending == nil {
		return &abci.ResponseCommit{}, nil
	}
	b, err := json.Marshal(a.pending)
	if err != nil {
		return nil, err
	}
	// Write-then-rename: a crash leaves the old or the new state, never half.
	tmp := filepath.Join(a.dir, counterFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(a.dir, counterFile)); err != nil {
		return nil, err
	}
	a.committed = *a.pending
	a.pending = nil
	return &abci.ResponseCommit{}, nil
}

func (a *CounterApp) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if req.Path != "/count" {
		return &abci.ResponseQuery{Code: 1, Log: "unknown path; try /count"}, nil
	}
	return &abci.ResponseQuery{
		Value:  binary.BigEndian.AppendUint64(nil, a.committed.Count),
		Height: a.committed.Height,
	}, nil
}

// failsBelow tells whether tx is a FailBelowPrefix tx whose number the
// count has not reached.
func failsBelow(tx []byte, count uint64) bool {
	rest, ok := strings.CutPrefix(string(tx), FailBelowPrefix)
	if !ok {
		return false
	}
	n, _, _ := strings.Cut(rest, ":")
	below, err := strconv.ParseUint(n, 10, 64)
	return err == nil && count < below
}
