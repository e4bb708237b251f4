package chain

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
)

// The replay test holds the chain to its past: block sequences recorded from
// the stories below, with the app hash and result code of every block, must
// execute to the same hashes and codes forever after. A refactoring that
// changes one byte of state, or one rejection, fails it. Regenerate the
// recordings only for a deliberate protocol change:
//
//	go test ./chain -run TestRecordReplay -record-replay
var recordReplay = flag.Bool("record-replay", false, "re-record testdata/replay from the story tests")

// A deliberate change of the state's layout, which moves records but
// decides every tx as before, keeps the recorded blocks and only their app
// hashes change. So that no other difference slips in with it, the
// recordings are then re-hashed rather than re-recorded: every block runs
// again, every tx must get its recorded code, and the new app hashes are
// written back:
//
//	go test ./chain -run TestReplayRecordedBlocks -rehash-replay
var rehashReplay = flag.Bool("rehash-replay", false, "write the app hashes of the recorded blocks, executed again with their recorded codes, back to testdata/replay")

// replayStories are the stories whose blocks are recorded: together they
// touch every module and every kind of rejection. Stories that became
// scenario files (modules/*/testdata) keep their recordings here, which
// TestReplayRecordedBlocks still replays, but can no longer re-record them.
var replayStories = map[string]func(*testing.T){
	"envelope-rejections": TestEnvelopeRejections,
	"election":            TestStoryElection,
	"eligibility":         TestEligibilityIsTheRegistryBeforeCreation,
}

// replayRecord is one recorded chain: its genesis and every block.
type replayRecord struct {
	ChainID       string        `json:"chain_id"`
	GenesisTime   time.Time     `json:"genesis_time"`
	InitialHeight int64         `json:"initial_height"`
	AppState      string        `json:"app_state"`
	Blocks        []replayBlock `json:"blocks"`
}

type replayBlock struct {
	Height  int64     `json:"height"`
	Time    time.Time `json:"time"`
	Txs     []string  `json:"txs"`
	Codes   []uint32  `json:"codes"`
	AppHash string    `json:"app_hash"`
}

// recorder, when set, receives every harness's genesis and blocks.
var recorder *replayRecord

func (r *replayRecord) block(height int64, at time.Time, txs [][]byte, resp *abci.ResponseFinalizeBlock) {
	b := replayBlock{Height: height, Time: at, AppHash: hex.EncodeToString(resp.AppHash)}
	for i, raw := range txs {
		b.Txs = append(b.Txs, hex.EncodeToString(raw))
		b.Codes = append(b.Codes, resp.TxResults[i].Code)
	}
	r.Blocks = append(r.Blocks, b)
}

func TestRecordReplay(t *testing.T) {
	if !*recordReplay {
		t.Skip("records only with -record-replay")
	}
	names := make([]string, 0, len(replayStories))
	for n := range replayStories {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		recorder = &replayRecord{}
		t.Run(name, replayStories[name])
		rec := recorder
		recorder = nil
		if err := os.MkdirAll("testdata/replay", 0o755); err != nil {
			t.Fatal(err)
		}
		writeReplay(t, filepath.Join("testdata/replay", name+".json.gz"), rec)
	}
}

func writeReplay(t *testing.T, path string, rec *replayRecord) {
	t.Helper()
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReplayRecordedBlocks executes every recorded chain on a fresh app and
// requires the recorded app hash after every block and the recorded code of
// every tx.
func TestReplayRecordedBlocks(t *testing.T) {
	files, _ := filepath.Glob("testdata/replay/*.json.gz")
	if len(files) == 0 {
		t.Fatal("no recorded blocks in testdata/replay")
	}
	engines := []struct {
		name string
		open func(t *testing.T) *store.Store
	}{
		{"iavl", func(*testing.T) *store.Store { return store.OpenMemory() }},
		// The memiavl engine must reach every recorded hash as well: a
		// node may keep its state in either.
		{"memiavl", func(t *testing.T) *store.Store {
			st, err := store.OpenWith(t.TempDir(), store.Options{Engine: "memiavl", SnapshotInterval: 5})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}},
	}
	for _, f := range files {
		for _, engine := range engines {
			if engine.name != "iavl" && *rehashReplay {
				continue
			}
			t.Run(engine.name+"/"+filepath.Base(f), func(t *testing.T) {
				replayFile(t, f, engine.open(t))
			})
		}
	}
}

// replayFile executes the recording in f on st.
func replayFile(t *testing.T, f string, st *store.Store) {
	{
		{
			zr, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			gz, err := gzip.NewReader(zr)
			if err != nil {
				t.Fatal(err)
			}
			var rec replayRecord
			if err := json.NewDecoder(gz).Decode(&rec); err != nil {
				t.Fatal(err)
			}
			app := New(st, modules.New(), Options{CheckInvariants: true})
			if _, err := app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: rec.ChainID, Time: rec.GenesisTime, InitialHeight: rec.InitialHeight, AppStateBytes: []byte(rec.AppState)}); err != nil {
				t.Fatal(err)
			}
			for j, b := range rec.Blocks {
				txs := make([][]byte, len(b.Txs))
				for i, h := range b.Txs {
					txs[i], _ = hex.DecodeString(h)
				}
				resp, err := app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: b.Height, Time: b.Time})
				if err != nil {
					t.Fatalf("block %d: %v", b.Height, err)
				}
				for i, r := range resp.TxResults {
					if r.Code != b.Codes[i] {
						t.Fatalf("block %d tx %d: code %d (%s), recorded %d", b.Height, i, r.Code, r.Log, b.Codes[i])
					}
				}
				if got := hex.EncodeToString(resp.AppHash); got != b.AppHash {
					if !*rehashReplay {
						t.Fatalf("block %d: app hash %s, recorded %s", b.Height, got, b.AppHash)
					}
					rec.Blocks[j].AppHash = got
				}
				if _, err := app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
					t.Fatal(err)
				}
			}
			if *rehashReplay {
				writeReplay(t, f, &rec)
			}
			t.Logf("%d blocks replayed to the recorded app hashes", len(rec.Blocks))
		}
	}
}
