package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
)

// fastSingle shortens timeout_commit so the test does not spend its time
// waiting between blocks; behaviour is the same at any value.
func fastSingle(c *node.Config) { c.Consensus.TimeoutCommit = 50 * time.Millisecond }

func newCounter(t *testing.T, home string) *nodetest.CounterApp {
	t.Helper()
	app, err := nodetest.NewCounterApp(filepath.Join(home, "data", "counter"))
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func initSingle(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	ports := nodetest.FreePorts(t, 1)
	err := node.Init(home, node.InitOptions{
		ChainID:  "pnyx-test",
		Moniker:  "single",
		AppState: json.RawMessage(`{"hello":"world"}`),
		P2PAddr:  fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]),
		RPCAddr:  node.RPCOff,
	})
	if err != nil {
		t.Fatal(err)
	}
	return home
}

func TestInitLayoutAndRefusal(t *testing.T) {
	home := initSingle(t)
	for _, f := range []string{"config/config.toml", "config/genesis.json", "config/node_key.json",
		"config/priv_validator_key.json", "data/priv_validator_state.json"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	if !node.IsInitialized(home) {
		t.Fatal("IsInitialized = false after Init")
	}
	if node.IsInitialized(t.TempDir()) {
		t.Fatal("IsInitialized = true for an empty dir")
	}
	if err := node.Init(home, node.InitOptions{ChainID: "again"}); err == nil {
		t.Fatal("Init overwrote an existing home")
	}

	var gen struct {
		ChainID  string          `json:"chain_id"`
		AppState json.RawMessage `json:"app_state"`
	}
	b, _ := os.ReadFile(filepath.Join(home, "config/genesis.json"))
	if err := json.Unmarshal(b, &gen); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, gen.AppState)
	if gen.ChainID != "pnyx-test" || compact.String() != `{"hello":"world"}` {
		t.Fatalf("genesis chain_id=%q app_state=%s", gen.ChainID, compact.String())
	}

	c, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if c.TxIndex.Indexer != "null" || c.Storage.DiscardABCIResponses || c.Mempool.Size != node.DefaultMempoolSize ||
		c.RPC.ListenAddress != "" || c.Consensus.TimeoutCommit != node.DefaultTimeoutCommit {
		t.Fatalf("config.toml does not carry the pnyx defaults: %+v %+v %+v", c.TxIndex, c.Storage, c.Mempool)
	}
}

func TestSingleNodeCommitsAndResumes(t *testing.T) {
	home := initSingle(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	app := newCounter(t, home)
	n, err := node.New(home, app, node.Options{Config: fastSingle})
	if err != nil {
		t.Fatal(err)
	}
	if n.ChainID() != "pnyx-test" {
		t.Fatalf("chain id %q", n.ChainID())
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Stop() })

	// Rejected by CheckTx: never enters the mempool.
	res, err := n.BroadcastTxSync(ctx, []byte{})
	if err != nil || res.Code != nodetest.CodeEmptyTx {
		t.Fatalf("empty tx: res=%v err=%v", res, err)
	}

	const N = 200
	var hashes [][]byte
	for i := range N {
		tx := []byte(fmt.Sprintf("tx-%d", i))
		if i == 7 {
			tx = []byte(nodetest.FailTxPrefix + "seven")
		}
		res, err := n.BroadcastTxSync(ctx, tx)
		if err != nil || res.Code != 0 {
			t.Fatalf("broadcast %d: res=%v err=%v", i, res, err)
		}
		hashes = append(hashes, node.TxHash(tx))
	}
	// A duplicate is refused by the mempool cache.
	if _, err := n.BroadcastTxSync(ctx, []byte("tx-0")); !errors.Is(err, node.ErrTxInCache) {
		t.Fatalf("duplicate: err=%v, want ErrTxInCache", err)
	}

	seen := map[int64]bool{}
	for i, h := range hashes {
		out, err := n.WaitTx(ctx, h)
		if err != nil {
			t.Fatalf("WaitTx %d: %v", i, err)
		}
		want := uint32(0)
		if i == 7 {
			want = nodetest.CodeFailInTx
		}
		if out.Code != want || out.Height < 1 || !bytes.Equal(out.Hash, h) {
			t.Fatalf("tx %d outcome %+v", i, out)
		}
		seen[out.Height] = true
		// The outcome matches the stored block and results.
		blk, err := n.Block(out.Height)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(node.TxHash(blk.Txs[out.Index]), h) {
			t.Fatalf("tx %d not at %d/%d", i, out.Height, out.Index)
		}
		if f, ok := n.FindTx(h); !ok || f.Height != out.Height {
			t.Fatalf("FindTx %d: %+v %v", i, f, ok)
		}
	}
	if got := app.Count(); got != N-1 {
		t.Fatalf("count %d, want %d (state visible once WaitTx returns)", got, N-1)
	}

	// Follow from 1 delivers every block in order, with results matching txs.
	latest := n.LatestHeight()
	var next int64 = 1
	txs := 0
	fctx, fcancel := context.WithCancel(ctx)
	err = n.Follow(fctx, 1, func(b node.CommittedBlock) error {
		if b.Height != next || len(b.Results) != len(b.Txs) {
			return fmt.Errorf("block %d (want %d): %d txs, %d results", b.Height, next, len(b.Txs), len(b.Results))
		}
		next++
		txs += len(b.Txs)
		if b.Height == latest {
			fcancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || txs != N {
		t.Fatalf("Follow: err=%v txs=%d", err, txs)
	}

	// Light-client material: the header at h+1 carries the app hash after h.
	st, err := n.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Height < latest || st.ValidatorAddress == "" || st.CatchingUp || len(st.AppHash) == 0 {
		t.Fatalf("status %+v", st)
	}
	sh, err := n.SignedHeader(latest)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := n.Validators(latest)
	if err != nil {
		t.Fatal(err)
	}
	if err := vals.VerifyCommitLight(n.ChainID(), sh.Commit.BlockID, latest, sh.Commit); err != nil {
		t.Fatalf("commit does not verify: %v", err)
	}
	if err := sh.ValidateBasic(n.ChainID()); err != nil {
		t.Fatal(err)
	}
	// For an older height the canonical commit (stored with the next block)
	// verifies too, and header h+1 carries the app hash after block h: what
	// a state proof at h is checked against.
	for h := int64(1); h < latest; h++ {
		sh, err := n.SignedHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		vals, err := n.Validators(h)
		if err != nil {
			t.Fatal(err)
		}
		if err := vals.VerifyCommitLight(n.ChainID(), sh.Commit.BlockID, h, sh.Commit); err != nil {
			t.Fatalf("commit %d: %v", h, err)
		}
		next, err := n.SignedHeader(h + 1)
		if err != nil {
			t.Fatal(err)
		}
		res, err := n.BlockResults(h)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(next.AppHash, res.AppHash) {
			t.Fatalf("header %d app hash %X, results of %d say %X", h+1, next.AppHash, h, res.AppHash)
		}
	}
	if _, err := n.Block(latest + 100); !errors.Is(err, node.ErrHeightNotAvailable) {
		t.Fatalf("Block beyond the tip: %v", err)
	}

	// Restart on the same home: height and app state resume.
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := n.BroadcastTxSync(ctx, []byte("late")); !errors.Is(err, node.ErrStopped) {
		t.Fatalf("broadcast after stop: %v", err)
	}
	stopped := n.LatestHeight()
	resBefore, _ := os.ReadFile(filepath.Join(home, "data/counter/counter.json"))

	app2 := newCounter(t, home)
	n2, err := node.New(home, app2, node.Options{Config: fastSingle})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n2.Stop() })
	if n2.LatestHeight() != stopped || app2.Count() != N-1 {
		t.Fatalf("after restart height %d (was %d), count %d; state %s", n2.LatestHeight(), stopped, app2.Count(), resBefore)
	}
	if err := n2.Start(); err != nil {
		t.Fatal(err)
	}
	tx := []byte("after-restart")
	if res, err := n2.BroadcastTxSync(ctx, tx); err != nil || res.Code != 0 {
		t.Fatalf("broadcast after restart: %v %v", res, err)
	}
	out, err := n2.WaitTx(ctx, node.TxHash(tx))
	if err != nil || out.Height <= stopped {
		t.Fatalf("after restart: %+v %v", out, err)
	}
	if app2.Count() != N {
		t.Fatalf("count %d after restart, want %d", app2.Count(), N)
	}
}

// A start that fails (p2p port taken) leaves the home usable.
func TestFailedStartReleasesHome(t *testing.T) {
	home := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := node.Init(home, node.InitOptions{ChainID: "pnyx-test", RPCAddr: node.RPCOff,
		P2PAddr: "tcp://" + l.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	n, err := node.New(home, newCounter(t, home), node.Options{LogLevel: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err == nil {
		t.Fatal("Start succeeded on a taken port")
	}
	if err := n.Stop(); err != nil {
		t.Fatalf("Stop after failed Start: %v", err)
	}
	l.Close()

	// New on the same home opens the databases again; New without Start,
	// then Stop, also releases them.
	for range 2 {
		n, err = node.New(home, newCounter(t, home), node.Options{Config: fastSingle})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	n, err = node.New(home, newCounter(t, home), node.Options{Config: fastSingle})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := n.BroadcastTxSync(ctx, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := n.WaitTx(ctx, node.TxHash([]byte("x"))); err != nil {
		t.Fatal(err)
	}
}

// Many concurrent WaitTx calls and a slow live follower: every tx is
// confirmed and the follower sees every block once, in order, with all txs.
func TestConcurrentWaitTxAndLiveFollow(t *testing.T) {
	home := initSingle(t)
	n, err := node.New(home, newCounter(t, home), node.Options{Config: fastSingle})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const workers, per = 8, 150
	followed := make(chan int, 1)
	go func() {
		var next int64 = 1
		txs := 0
		err := n.Follow(ctx, 1, func(b node.CommittedBlock) error {
			if b.Height != next {
				return fmt.Errorf("got block %d, want %d", b.Height, next)
			}
			next++
			txs += len(b.Txs)
			time.Sleep(2 * time.Millisecond) // a slow consumer falls behind, loses nothing
			if txs == workers*per {
				return errors.New("all seen")
			}
			return nil
		})
		if err.Error() != "all seen" {
			t.Error(err)
		}
		followed <- txs
	}()

	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			var txs [][]byte
			for i := range per {
				tx := fmt.Appendf(nil, "w%d-%d", w, i)
				if _, err := n.BroadcastTxSync(ctx, tx); err != nil {
					errs <- err
					return
				}
				txs = append(txs, tx)
			}
			for _, tx := range txs {
				out, err := n.WaitTx(ctx, node.TxHash(tx))
				if err != nil || out.Code != 0 {
					errs <- fmt.Errorf("tx %s: %+v %v", tx, out, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	select {
	case got := <-followed:
		if got != workers*per {
			t.Fatalf("follower saw %d txs", got)
		}
	case <-ctx.Done():
		t.Fatal("follower did not see every tx")
	}
	assertRecentMatchStored(t, n)
}

// assertRecentMatchStored checks that the blocks followers get from memory
// are the blocks on disk: same txs, time, hashes, results and events.
func assertRecentMatchStored(t *testing.T, n *node.Node) {
	t.Helper()
	latest := n.LatestHeight()
	inMemory := 0
	for h := latest; h >= 1 && h > latest-16; h-- {
		stored, recent, err := n.StoredAndRecent(h)
		if err != nil {
			t.Fatal(err)
		}
		if recent == nil {
			continue
		}
		inMemory++
		if got, want := blockFingerprint(t, recent), blockFingerprint(t, stored); got != want {
			t.Fatalf("block %d in memory differs from the stored one:\n%s\n%s", h, got, want)
		}
	}
	if inMemory == 0 {
		t.Fatal("no recent block is kept in memory")
	}
}

// blockFingerprint renders a block canonically (protobuf for results and
// events), so nil and empty slices compare equal as they do on the wire.
func blockFingerprint(t *testing.T, b *node.CommittedBlock) string {
	t.Helper()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "h=%d hash=%x time=%s app=%x txs=%d\n", b.Height, b.Hash, b.Time.UTC().Format(time.RFC3339Nano), b.AppHash, len(b.Txs))
	for i, tx := range b.Txs {
		res, err := b.Results[i].Marshal()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&buf, "%x %x\n", tx, res)
	}
	for _, ev := range b.Events {
		raw, err := ev.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&buf, "ev %x\n", raw)
	}
	return buf.String()
}

// Stopping in the middle of a burst is clean, and the restarted node's app
// state matches the blocks on disk exactly.
func TestStopUnderLoad(t *testing.T) {
	home := initSingle(t)
	app := newCounter(t, home)
	n, err := node.New(home, app, node.Options{Config: fastSingle})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	loadDone := make(chan error, 1)
	go func() {
		_, err := nodetest.Load(ctx, n, nodetest.PaddedCounterTxs("burst", 30000, 200), 4)
		loadDone <- err
	}()
	for app.Count() < 1000 {
		select {
		case <-ctx.Done():
			t.Fatal("no txs committed")
		case <-time.After(time.Millisecond):
		}
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-loadDone; err == nil {
		t.Log("the load finished before Stop; the restart check still holds")
	}

	app2 := newCounter(t, home)
	n2, err := node.New(home, app2, node.Options{Config: fastSingle})
	if err != nil {
		t.Fatal(err)
	}
	defer n2.Stop()
	var ok uint64
	err = n2.Follow(ctx, 1, func(b node.CommittedBlock) error {
		for _, r := range b.Results {
			if r.Code == 0 {
				ok++
			}
		}
		if b.Height == n2.LatestHeight() {
			return errors.New("end")
		}
		return nil
	})
	if err == nil || err.Error() != "end" {
		t.Fatal(err)
	}
	if ok != app2.Count() || ok == 0 {
		t.Fatalf("blocks hold %d successful txs, app counted %d", ok, app2.Count())
	}
}

// A WaitTx registered before Start is answered once the tx commits.
func TestWaitTxBeforeStart(t *testing.T) {
	home := initSingle(t)
	n, err := node.New(home, newCounter(t, home), node.Options{Config: fastSingle})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx := []byte("early")
	got := make(chan error, 1)
	go func() {
		out, err := n.WaitTx(ctx, node.TxHash(tx))
		if err == nil && out.Height < 1 {
			err = fmt.Errorf("outcome %+v", out)
		}
		got <- err
	}()
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := n.BroadcastTxSync(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}
