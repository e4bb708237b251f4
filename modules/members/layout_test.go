package members_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/tx"
)

// A registration adds records at two places of the tree only: under the
// member's own key (the record, and the token's credential and balance)
// and in the chapter index. Every other place a member's write lands is a
// walk through a tree of millions of keys, mostly out of the cache, so a
// record added elsewhere makes every registration dearer as the registry
// grows (issue 17, docs/performance.md).
func TestRegistrationWritesTwoPlaces(t *testing.T) {
	st := store.OpenMemory()
	admin := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	app := chain.New(st, modules.New(), chain.Options{})
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	raw, _ := json.Marshal(modules.DefaultGenesis(hex.EncodeToString(admin.Public().(ed25519.PublicKey))))
	if _, err := app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: "pnyx-layout", Time: now, InitialHeight: 1, AppStateBytes: raw}); err != nil {
		t.Fatal(err)
	}
	block := func(height int64, txs ...[]byte) {
		res, err := app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: height, Time: now.Add(time.Duration(height) * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.TxResults {
			if r.Code != 0 {
				t.Fatalf("tx failed: %s", r.Log)
			}
		}
		if _, err := app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
	}
	keys := func() map[string]bool {
		snap, err := st.Snapshot(st.Version())
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		snap.Iterate(nil, func(k, _ []byte) bool { out[string(k)] = true; return true })
		return out
	}
	approve := func(nonce uint64, from, n int) []string {
		var body members.ApproveBody
		var ids []string
		for i := from; i < from+n; i++ {
			pub := sha256.Sum256([]byte{byte(i)})
			p := hex.EncodeToString(pub[:])
			body.Entries = append(body.Entries, members.ApproveEntry{PublicKey: p, Chapter: "hq", Class: members.General})
			ids = append(ids, members.DeriveID(p))
		}
		env := &tx.Envelope{ChainID: "pnyx-layout", Type: members.TypeApprove, Nonce: nonce}
		if err := env.SetBody(body); err != nil {
			t.Fatal(err)
		}
		env.Sign(admin)
		block(int64(nonce)+2, env.Encode())
		return ids
	}
	block(1)
	approve(0, 0, 1) // the registrar's first tx and the chain's first block records, not a member's
	before := keys()
	ids := approve(1, 1, 3)

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
			case k == string(members.MemberKey(id)) || strings.HasPrefix(k, string(members.MemberKey(id))+"/"):
				place = "member " + id
			case k == "mem/ch/hq/"+id:
				place = "chapter index"
			}
		}
		if place == "" {
			t.Errorf("a registration added %q, neither under the member's key nor in the chapter index", k)
		}
		places[place] = true
	}
	if len(added) != 3*4 || len(places) != 3+1 {
		t.Errorf("3 registrations added %d keys at %d places, want 12 keys (record, credential, balance, chapter index each) at 4: %q", len(added), len(places), added)
	}
}
