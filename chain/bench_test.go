package chain

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/tx"
)

// The application's throughput without a node or a network, so regressions
// in the app show up on their own:
//
//	go test ./chain -run '^$' -bench . -benchtime 20000x
//
// Both run on a disk store (as a node does) holding benchMembers members.
// `pnyx bench tx` measures the whole node; see docs/performance.md.

const (
	benchMembers   = 5000
	benchBlockSize = 1000
)

// benchApp is an App on a disk store with benchMembers members signed up by
// the genesis administrator, and the keys of those members.
type benchApp struct {
	app    *App
	height int64
	now    time.Time
	keys   []ed25519.PrivateKey
	nonces []uint64
}

func newBenchApp(b *testing.B) *benchApp {
	b.Helper()
	st, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	admin := key("admin")
	ba := &benchApp{app: New(st, modules.New(), Options{}), now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	raw, _ := json.Marshal(modules.DefaultGenesis(pubHex(admin)))
	if _, err := ba.app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, Time: ba.now, InitialHeight: 1, AppStateBytes: raw}); err != nil {
		b.Fatal(err)
	}
	ba.block(b)
	ba.keys = make([]ed25519.PrivateKey, benchMembers)
	ba.nonces = make([]uint64, benchMembers)
	var adminNonce uint64
	for from := 0; from < benchMembers; from += members.MaxBatch {
		var body members.ApproveBody
		for k := from; k < min(from+members.MaxBatch, benchMembers); k++ {
			seed := make([]byte, ed25519.SeedSize)
			binary.BigEndian.PutUint64(seed, uint64(k+1))
			ba.keys[k] = ed25519.NewKeyFromSeed(seed)
			body.Entries = append(body.Entries, members.ApproveEntry{PublicKey: pubHex(ba.keys[k]), Chapter: "hq", Class: members.General})
		}
		res := ba.block(b, signed(b, admin, adminNonce, members.TypeApprove, body))
		if res[0].Code != 0 {
			b.Fatalf("approve: %s", res[0].Log)
		}
		adminNonce++
	}
	return ba
}

func signed(b *testing.B, k ed25519.PrivateKey, nonce uint64, typ string, body any) []byte {
	env := &tx.Envelope{ChainID: testChainID, Type: typ, Nonce: nonce}
	if err := env.SetBody(body); err != nil {
		b.Fatal(err)
	}
	env.Sign(k)
	return env.Encode()
}

// burns pre-signs n burns of 1 point, spread over the members.
func (ba *benchApp) burns(b *testing.B, n int) [][]byte {
	txs := make([][]byte, n)
	for i := range txs {
		k := i % len(ba.keys)
		txs[i] = signed(b, ba.keys[k], ba.nonces[k], token.TypeBurn, token.BurnBody{Amount: 1})
		ba.nonces[k]++
	}
	return txs
}

func (ba *benchApp) block(b *testing.B, txs ...[]byte) []*abci.ExecTxResult {
	ba.height++
	ba.now = ba.now.Add(time.Second)
	res, err := ba.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: ba.height, Time: ba.now})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ba.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		b.Fatal(err)
	}
	return res.TxResults
}

func (ba *benchApp) check(b *testing.B, raw []byte) {
	res, err := ba.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil || res.Code != 0 {
		b.Fatalf("CheckTx: %v %s", err, res.GetLog())
	}
}

// BenchmarkFinalizeBlockBurn: FinalizeBlock and Commit of blocks of
// token/burn txs (one op is one tx), whose signatures CheckTx verified
// beforehand, as the mempool does on a node.
func BenchmarkFinalizeBlockBurn(b *testing.B) {
	ba := newBenchApp(b)
	txs := ba.burns(b, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for from := 0; from < len(txs); from += benchBlockSize {
		blk := txs[from:min(from+benchBlockSize, len(txs))]
		b.StopTimer()
		for _, raw := range blk {
			ba.check(b, raw)
		}
		b.StartTimer()
		for i, r := range ba.block(b, blk...) {
			if r.Code != 0 {
				b.Fatalf("tx %d: %s", from+i, r.Log)
			}
		}
	}
}

// BenchmarkCheckTxBurn: CheckTx of a token/burn tx, signature included;
// a block commits every benchBlockSize txs (untimed) as on a node.
func BenchmarkCheckTxBurn(b *testing.B) {
	ba := newBenchApp(b)
	txs := ba.burns(b, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for from := 0; from < len(txs); from += benchBlockSize {
		blk := txs[from:min(from+benchBlockSize, len(txs))]
		for _, raw := range blk {
			ba.check(b, raw)
		}
		b.StopTimer()
		ba.block(b, blk...)
		b.StartTimer()
	}
}
