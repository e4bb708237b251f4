package chain

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/tx"
)

const testChainID = "pnyx-test"

// harness runs an App without a node: every send is one block.
type harness struct {
	t      testing.TB
	app    *App
	party  *modules.Party
	height int64
	now    time.Time
	nonces map[string]uint64
	admin  ed25519.PrivateKey
	// blocks keeps every block's txs, as a node's block store does.
	blocks map[int64][][]byte
}

// key derives a deterministic key from a name, so stories read with names.
func key(name string) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, name)
	return ed25519.NewKeyFromSeed(seed)
}

func pubHex(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }

func idOf(k ed25519.PrivateKey) string { return members.DeriveID(pubHex(k)) }

func newHarness(t testing.TB) *harness {
	t.Helper()
	party := modules.New()
	h := &harness{t: t, party: party, app: New(store.OpenMemory(), party, Options{CheckInvariants: true}), now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), nonces: map[string]uint64{}, admin: key("admin"), blocks: map[int64][][]byte{}}
	g := modules.DefaultGenesis(pubHex(h.admin))
	raw, _ := json.Marshal(g)
	if _, err := h.app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, Time: h.now, InitialHeight: 1, AppStateBytes: raw}); err != nil {
		t.Fatalf("InitChain: %v", err)
	}
	if recorder != nil {
		if len(recorder.Blocks) > 0 || recorder.ChainID != "" {
			t.Fatal("replay recording: a story made two chains")
		}
		*recorder = replayRecord{ChainID: testChainID, GenesisTime: h.now, InitialHeight: 1, AppState: string(raw)}
	}
	h.block() // commit genesis state as version 1
	return h
}

// sign builds a signed tx with the key's next nonce.
func (h *harness) sign(k ed25519.PrivateKey, typ string, body any) []byte {
	env := &tx.Envelope{ChainID: testChainID, Type: typ, Nonce: h.nonces[pubHex(k)]}
	if err := env.SetBody(body); err != nil {
		h.t.Fatal(err)
	}
	env.Sign(k)
	return env.Encode()
}

// block executes raw txs as one block and commits it.
func (h *harness) block(txs ...[]byte) []*abci.ExecTxResult {
	h.t.Helper()
	h.height++
	h.now = h.now.Add(5 * time.Second)
	h.blocks[h.height] = txs
	resp, err := h.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: h.height, Time: h.now})
	if err != nil {
		h.t.Fatalf("FinalizeBlock: %v", err)
	}
	if recorder != nil {
		recorder.block(h.height, h.now, txs, resp)
	}
	if _, err := h.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		h.t.Fatalf("Commit: %v", err)
	}
	return resp.TxResults
}

// do sends one tx through CheckTx and a block, and fails the test unless it
// succeeds.
func (h *harness) do(k ed25519.PrivateKey, typ string, body any) *abci.ExecTxResult {
	h.t.Helper()
	raw := h.sign(k, typ, body)
	if ct := h.check(raw); ct.Code != 0 {
		h.t.Fatalf("%s: CheckTx rejected: code %d (%s) %s", typ, ct.Code, codes.Code(ct.Code), ct.Log)
	}
	res := h.block(raw)[0]
	if res.Code != 0 {
		h.t.Fatalf("%s: FinalizeBlock rejected: code %d (%s) %s", typ, res.Code, codes.Code(res.Code), res.Log)
	}
	h.nonces[pubHex(k)]++
	return res
}

func (h *harness) check(raw []byte) *abci.ResponseCheckTx {
	ct, err := h.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		h.t.Fatal(err)
	}
	return ct
}

// reject sends a raw tx that must fail with want in both CheckTx and
// FinalizeBlock, and asserts that no state changed.
func (h *harness) reject(raw []byte, want codes.Code) string {
	h.t.Helper()
	before := h.dump()
	if ct := h.check(raw); codes.Code(ct.Code) != want {
		h.t.Fatalf("CheckTx: got code %d (%s) %q, want %s", ct.Code, codes.Code(ct.Code), ct.Log, want)
	}
	res := h.block(raw)[0]
	if codes.Code(res.Code) != want {
		h.t.Fatalf("FinalizeBlock: got code %d (%s) %q, want %s", res.Code, codes.Code(res.Code), res.Log, want)
	}
	if res.Log == "" {
		h.t.Fatalf("rejection with code %s carries no message", want)
	}
	if after := h.dump(); after != before {
		h.t.Fatalf("a rejected tx changed state:\nbefore %s\nafter  %s", before, after)
	}
	return res.Log
}

// rejectDo signs and sends a tx that must be rejected with want.
func (h *harness) rejectDo(k ed25519.PrivateKey, typ string, body any, want codes.Code) string {
	h.t.Helper()
	return h.reject(h.sign(k, typ, body), want)
}

// dump renders every state key except the last-block marker, which every
// block rewrites.
func (h *harness) dump() string {
	var keys []string
	vals := map[string][]byte{}
	h.app.store.Iterate(nil, func(k, v []byte) bool {
		if string(k) != keyLastBlock {
			keys = append(keys, string(k))
			vals[string(k)] = bytes.Clone(v)
		}
		return true
	})
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&b, "%q=%x;", k, vals[k])
	}
	return b.String()
}

// blockTxs reads a block's txs, for election.BallotsFromBlocks.
func (h *harness) blockTxs(height int64) ([][]byte, error) {
	txs, ok := h.blocks[height]
	if !ok {
		return nil, fmt.Errorf("no block %d", height)
	}
	return txs, nil
}

// snap opens the latest committed state.
func (h *harness) snap() *store.Snapshot {
	s, err := h.app.store.Snapshot(h.app.store.Version())
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}
