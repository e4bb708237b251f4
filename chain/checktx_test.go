package chain

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/tx"
)

// CheckTx judges against the last committed state: a block that is executed
// but not committed is invisible to it, and Commit makes it visible. This is
// what lets the node run CheckTx while the next block executes.
func TestCheckTxSeesOnlyCommittedState(t *testing.T) {
	h := newHarness(t)
	park := key("member-park")
	approve := h.sign(h.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(park), Chapter: "hq", Class: members.General}}})
	burn := h.sign(park, token.TypeBurn, token.BurnBody{Amount: 1})

	// The block approving Park executes; it is not committed yet.
	h.height++
	h.now = h.now.Add(5 * time.Second)
	res, err := h.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: [][]byte{approve}, Height: h.height, Time: h.now})
	if err != nil || res.TxResults[0].Code != 0 {
		t.Fatalf("approve: %v %+v", err, res)
	}
	h.nonces[pubHex(h.admin)]++
	if ct := h.check(burn); codes.Code(ct.Code) != codes.UnknownSigner {
		t.Fatalf("CheckTx before Commit: code %d (%s) %s, want unknown signer", ct.Code, codes.Code(ct.Code), ct.Log)
	}
	// The admin's next tx must carry the nonce after the committed one until
	// the block commits: CheckTx has not seen the approval.
	if ct := h.check(h.sign(h.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(key("x")), Chapter: "hq", Class: members.General}}})); codes.Code(ct.Code) != codes.BadNonce {
		t.Fatalf("CheckTx of the admin's next nonce before Commit: code %d %s, want bad nonce", ct.Code, ct.Log)
	}

	if _, err := h.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	if ct := h.check(burn); ct.Code != 0 {
		t.Fatalf("CheckTx after Commit: code %d %s", ct.Code, ct.Log)
	}
	// CheckTx remembers what it admitted: the same nonce again is refused.
	if ct := h.check(burn); codes.Code(ct.Code) != codes.BadNonce {
		t.Fatalf("second CheckTx of one nonce: code %d %s, want bad nonce", ct.Code, ct.Log)
	}
}

// CheckTx runs concurrently with FinalizeBlock and Commit without sharing
// their state (run under -race, this fails on any unguarded access), and
// answers each tx as the committed state plus the txs it admitted since
// would: only "OK" or, for a nonce that a Commit made stale, "bad nonce".
func TestCheckTxConcurrentWithBlocks(t *testing.T) {
	h := newHarness(t)
	inBlocks, inMempool := key("burner-blocks"), key("burner-mempool")
	for _, k := range []ed25519.PrivateKey{inBlocks, inMempool} {
		h.do(h.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(k), Chapter: "hq", Class: members.General}}})
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	// The blocks start once CheckTx has admitted a tx, so that the two
	// overlap even when the scheduler runs the blocks first.
	admitting := make(chan struct{})
	go func() {
		var nonce, accepted uint64
		for {
			select {
			case <-stop:
				if accepted == 0 {
					done <- errors.New("CheckTx admitted nothing")
					return
				}
				done <- nil
				return
			default:
			}
			env := &tx.Envelope{ChainID: testChainID, Type: token.TypeBurn, Nonce: nonce}
			if err := env.SetBody(token.BurnBody{Amount: 1}); err != nil {
				done <- err
				return
			}
			env.Sign(inMempool)
			ct, err := h.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: env.Encode(), Type: abci.CheckTxType_New})
			switch {
			case err != nil:
				done <- err
				return
			case ct.Code == 0:
				nonce++
				accepted++
				if accepted == 1 {
					close(admitting)
				}
			case codes.Code(ct.Code) == codes.BadNonce:
				nonce = 0 // a Commit forgot the admitted txs, as the mempool's recheck would
			default:
				done <- fmt.Errorf("CheckTx: code %d (%s) %s", ct.Code, codes.Code(ct.Code), ct.Log)
				return
			}
		}
	}()
	select {
	case <-admitting:
	case err := <-done:
		t.Fatalf("CheckTx stopped before admitting a tx: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("CheckTx admitted nothing in a minute")
	}
	for range 20 {
		burn := h.sign(inBlocks, token.TypeBurn, token.BurnBody{Amount: 1})
		h.nonces[pubHex(inBlocks)]++
		if r := h.block(burn)[0]; r.Code != 0 {
			t.Fatalf("burn in block: %s", r.Log)
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if b := token.GetBalance(h.snap(), idOf(inBlocks)); b != 80 {
		t.Fatalf("balance after 20 burns in blocks = %d, want 80", b)
	}
	if b := token.GetBalance(h.snap(), idOf(inMempool)); b != 100 {
		t.Fatalf("CheckTx changed state: balance = %d, want 100", b)
	}
}

// Before the first commit there is no snapshot: CheckTx judges against the
// genesis state in the working tree, so the administrators' first txs are
// admitted.
func TestCheckTxBeforeFirstCommit(t *testing.T) {
	app := New(store.OpenMemory(), modules.New(), Options{})
	admin := key("admin")
	raw, _ := json.Marshal(modules.DefaultGenesis(pubHex(admin)))
	if _, err := app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, Time: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), InitialHeight: 1, AppStateBytes: raw}); err != nil {
		t.Fatal(err)
	}
	env := &tx.Envelope{ChainID: testChainID, Type: token.TypeBurn}
	if err := env.SetBody(token.BurnBody{Amount: 1}); err != nil {
		t.Fatal(err)
	}
	env.Sign(admin)
	ct, err := app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: env.Encode(), Type: abci.CheckTxType_New})
	if err != nil || ct.Code != 0 {
		t.Fatalf("CheckTx before the first commit: %v code %d (%s) %s", err, ct.Code, codes.Code(ct.Code), ct.Log)
	}
}
