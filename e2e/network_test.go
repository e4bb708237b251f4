package e2e

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/tx"
)

// TestFourValidatorsRunPnyx: four validators on loopback run the pnyx
// application; they agree on every block and app hash; with one stopped the
// other three keep committing pnyx transactions; the stopped one restarts
// from its home and catches up to the same state.
func TestFourValidatorsRunPnyx(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four validators")
	}
	// Consensus timeouts, not CPU, bound its time: it runs alongside the
	// scenario files, the other long test.
	t.Parallel()
	admin := seedKey("network-admin")
	appState, err := modules.MarshalGenesis(modules.DefaultGenesis(hex.EncodeToString(admin.Public().(ed25519.PublicKey))))
	if err != nil {
		t.Fatal(err)
	}
	newApp := func(home string) abci.Application {
		app, _, err := launch.NewApp(home, chain.Options{CheckInvariants: true})
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
	net := nodetest.StartNetwork(t, 4, "pnyx-net", appState, newApp, launch.Quiet())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var nonce uint64
	var prev []byte
	// submit signs a chapter creation by the admin and sends it to node via;
	// it returns the tx hash. Like a client that reads the next nonce from
	// the node it talks to, it first waits until via has committed the
	// admin's previous tx: a validator may trail the others by a block or
	// two (three of four suffice to commit), and until it catches up its
	// mempool rightly refuses the next nonce as out of order.
	submit := func(via *node.Node, id string) []byte {
		t.Helper()
		if prev != nil {
			if _, err := via.WaitTx(ctx, prev); err != nil {
				t.Fatalf("before %s: node has not seen the previous tx: %v", id, err)
			}
		}
		env := &tx.Envelope{ChainID: "pnyx-net", Type: org.TypeCreateChapter, Nonce: nonce}
		env.SetBody(org.CreateChapterBody{ID: id, Name: "Chapter " + id, Parent: "hq"})
		env.Sign(admin)
		raw := env.Encode()
		res, err := via.BroadcastTxSync(ctx, raw)
		if err != nil || res.Code != 0 {
			t.Fatalf("broadcast %s: %v %v", id, err, res)
		}
		nonce++
		prev = tx.Hash(raw)
		return prev
	}
	wait := func(via *node.Node, hash []byte) int64 {
		t.Helper()
		out, err := via.WaitTx(ctx, hash)
		if err != nil || out.Code != 0 {
			t.Fatalf("tx %x: %v %+v", hash, err, out)
		}
		return out.Height
	}

	for i := 0; i < 5; i++ {
		wait(net.Nodes[0], submit(net.Nodes[i%4], fmt.Sprintf("chapter-%d", i)))
	}
	h := net.MaxHeight()
	net.WaitHeight(ctx, h)
	net.CheckAgreement(h)

	// One validator stops; three of four still hold more than 2/3.
	net.StopNode(3)
	stoppedAt := net.MaxHeight()
	var last int64
	for i := 5; i < 10; i++ {
		last = wait(net.Nodes[1], submit(net.Nodes[i%3], fmt.Sprintf("chapter-%d", i)))
	}
	if last <= stoppedAt {
		t.Fatalf("no progress without validator 3: height %d -> %d", stoppedAt, last)
	}

	// It restarts from its home and catches up.
	net.StartNode(3)
	target := net.MaxHeight() + 2
	net.WaitHeight(ctx, target)
	net.CheckAgreement(target)

	// And the state it rebuilt is the same: every chapter is there.
	for i := range 4 {
		app := net.App(i).(*chain.App)
		snap, err := app.Store().Snapshot(app.Store().Version())
		if err != nil {
			t.Fatal(err)
		}
		for c := 0; c < 10; c++ {
			if _, ok := org.GetChapter(snap, fmt.Sprintf("chapter-%d", c)); !ok {
				t.Fatalf("validator %d lacks chapter-%d", i, c)
			}
		}
		if _, ok := members.ByKey(snap, admin.Public().(ed25519.PublicKey)); !ok {
			t.Fatalf("validator %d lacks the genesis admin", i)
		}
	}
}
