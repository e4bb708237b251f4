package members_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/tx"
)

// A registration adds two records: the member's own (which holds the
// membership credential's standing and the party points as well) and its
// entry in the chapter index, at the index's end. Every other place a
// member's write lands is a walk through a tree of millions of keys,
// mostly out of the cache, so a record added elsewhere makes every
// registration dearer as the registry grows (issue 17,
// docs/performance.md); so does a second record beside the member's own,
// a second leaf on the same walk (a registration of three records cost
// 45 % more at a million members). The chapter index's entries of a block
// sort after every earlier entry, so a block's index writes share the
// index's rightmost path, which stays in the cache: only the member's own
// key is a random place.
func TestRegistrationWritesTwoPlaces(t *testing.T) {
	c := newTestChain(t)
	st := c.st
	keys := func() map[string]bool {
		snap, err := st.Snapshot(st.Version())
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		snap.Iterate(nil, func(k, _ []byte) bool { out[string(k)] = true; return true })
		return out
	}
	// The registrar's first tx and the chain's first block records, not a
	// member's; and members enough that new entries keyed by ID alone
	// would fall among them.
	earlier := c.approve("hq", 0, 20)
	before := keys()
	ids := c.approve("hq", 20, 3)

	var added []string
	for k := range keys() {
		if !before[k] {
			added = append(added, k)
		}
	}
	sort.Strings(added)
	places := map[string]bool{}
	for _, k := range added {
		place := ""
		for _, id := range ids {
			switch {
			case k == string(members.MemberKey(id)):
				place = "member " + id
			case strings.HasPrefix(k, "mem/ch/hq/") && strings.HasSuffix(k, "/"+id):
				place = "chapter index"
			}
		}
		if place == "" {
			t.Errorf("a registration added %q, neither the member's record nor its chapter index entry", k)
		}
		places[place] = true
	}
	var lastEarlier string
	for _, id := range earlier {
		m, _ := members.Get(st, id)
		lastEarlier = max(lastEarlier, string(members.ChapterIndexKey(m)))
	}
	for _, id := range ids {
		m, _ := members.Get(st, id)
		k := string(members.ChapterIndexKey(m))
		if !slices.Contains(added, k) {
			t.Errorf("member %s's chapter index entry %q was not added", id, k)
		}
		if k <= lastEarlier {
			t.Errorf("member %s's chapter index entry %q sorts before an earlier block's %q: not at the index's end", id, k, lastEarlier)
		}
	}
	if len(added) != 3*2 || len(places) != 3+1 {
		t.Errorf("3 registrations added %d keys at %d places, want 6 keys (record, chapter index entry each) at 4: %q", len(added), len(places), added)
	}
}

// A chapter lists its members in the order they joined, page by page from
// a member's ID, and a transferred member keeps its place in that order in
// the new chapter: its entry there is found from its record alone.
func TestChapterListsMembersInJoinOrder(t *testing.T) {
	c := newTestChain(t)
	c.send(org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "Seoul", Parent: "hq"})
	first := c.approve("seoul", 0, 3)
	second := c.approve("seoul", 3, 4)
	moved := c.approve("hq", 7, 1)
	c.send(members.TypeTransfer, members.TransferBody{Member: moved[0], Chapter: "seoul"})
	third := c.approve("seoul", 8, 2)
	c.send(members.TypeTransfer, members.TransferBody{Member: second[1], Chapter: "hq"})

	// Within a block, entries go by ID.
	var want []string
	for _, block := range [][]string{first, slices.Delete(slices.Clone(second), 1, 2), moved, third} {
		want = append(want, slices.Sorted(slices.Values(block))...)
	}
	snap, err := c.st.Snapshot(c.st.Version())
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]store.Reader{"snapshot": snap, "working state": c.st} {
		var got []string
		for after := ""; ; {
			page := members.InChapter(r, "seoul", after, 3)
			got = append(got, page...)
			if len(page) < 3 {
				break
			}
			after = page[len(page)-1]
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: seoul lists %q, want %q", name, got, want)
		}
		if hq := members.InChapter(r, "hq", "", 100); !slices.Contains(hq, second[1]) || slices.Contains(hq, moved[0]) {
			t.Errorf("%s: hq lists %q after the transfers", name, hq)
		}
		if got := members.InChapter(r, "seoul", "m00000000000000000000", 3); got != nil {
			t.Errorf("%s: a cursor naming no member listed %q", name, got)
		}
	}
}

// testChain is an App on a memory store whose genesis administrator sends
// one tx per block.
type testChain struct {
	t     *testing.T
	st    *store.Store
	app   *chain.App
	admin ed25519.PrivateKey
	now   time.Time
	nonce uint64
}

func newTestChain(t *testing.T) *testChain {
	c := &testChain{t: t, st: store.OpenMemory(), admin: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)),
		now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	c.app = chain.New(c.st, modules.New(), chain.Options{})
	raw, _ := json.Marshal(modules.DefaultGenesis(hex.EncodeToString(c.admin.Public().(ed25519.PublicKey))))
	if _, err := c.app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: "pnyx-layout", Time: c.now, InitialHeight: 1, AppStateBytes: raw}); err != nil {
		t.Fatal(err)
	}
	c.block(1)
	return c
}

func (c *testChain) block(height int64, txs ...[]byte) {
	res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: height, Time: c.now.Add(time.Duration(height) * time.Second)})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, r := range res.TxResults {
		if r.Code != 0 {
			c.t.Fatalf("tx failed: %s", r.Log)
		}
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatal(err)
	}
}

// signed is a tx of the administrator's with the next nonce, not yet sent.
func (c *testChain) signed(typ string, body any) []byte {
	env := &tx.Envelope{ChainID: "pnyx-layout", Type: typ, Nonce: c.nonce}
	if err := env.SetBody(body); err != nil {
		c.t.Fatal(err)
	}
	env.Sign(c.admin)
	return env.Encode()
}

// send executes one tx of the administrator's in a block of its own.
func (c *testChain) send(typ string, body any) {
	c.block(int64(c.nonce)+2, c.signed(typ, body))
	c.nonce++
}

// approve registers n members at chapter in one block and returns their
// IDs; member i's key is SHA-256 of byte i.
func (c *testChain) approve(chapter string, from, n int) []string {
	var txs [][]byte
	ids := c.approveIn(&txs, chapter, from, n)
	c.block(int64(c.nonce)+1, txs...)
	return ids
}

// approveIn appends to txs, for a block of the caller's, the approval of
// n members at chapter, and returns their IDs.
func (c *testChain) approveIn(txs *[][]byte, chapter string, from, n int) []string {
	var body members.ApproveBody
	var ids []string
	for i := from; i < from+n; i++ {
		pub := sha256.Sum256([]byte{byte(i)})
		p := hex.EncodeToString(pub[:])
		body.Entries = append(body.Entries, members.ApproveEntry{PublicKey: p, Chapter: chapter, Class: members.General})
		ids = append(ids, members.DeriveID(p))
	}
	*txs = append(*txs, c.signed(members.TypeApprove, body))
	c.nonce++
	return ids
}
