package e2e

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/wire"
)

// TestRestartKeepsEveryRecord: a node stopped and started on the same home
// serves every member record and the token supply as before, resumes at
// its height, and takes the admin's next nonce. (Signup, proofs and read
// permissions are modules/members/testdata/proofs-and-privacy.txt.)
func TestRestartKeepsEveryRecord(t *testing.T) {
	tn := startNode(t)
	ctx := ctxT(t)
	admin := tn.c.Signer(tn.admin)
	must := func(_ wire.TxResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(admin.Send(ctx, org.TypeCreateChapter, org.CreateChapterBody{ID: "busan", Name: "부산광역시당", Parent: "hq"}))
	var keys []ed25519.PrivateKey
	var entries []members.ApproveEntry
	for i := range 5 {
		k := seedKey(fmt.Sprintf("member-%d", i))
		keys = append(keys, k)
		entries = append(entries, members.ApproveEntry{PublicKey: hex.EncodeToString(k.Public().(ed25519.PublicKey)), Chapter: "busan", Class: members.General})
	}
	must(admin.Send(ctx, members.TypeApprove, members.ApproveBody{Entries: entries}))
	read := func(k ed25519.PrivateKey) string {
		t.Helper()
		var rec wire.Record
		id := members.DeriveID(hex.EncodeToString(k.Public().(ed25519.PublicKey)))
		if err := tn.c.Get(ctx, "/v1/members/"+id, k, &rec); err != nil {
			t.Fatal(err)
		}
		var bal wire.Record
		if err := tn.c.Get(ctx, "/v1/members/"+id+"/balance", k, &bal); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal([]json.RawMessage{rec.Record, bal.Record})
		return string(b)
	}
	before := map[int]string{}
	for i, k := range keys {
		before[i] = read(k)
	}
	var supplyBefore, supplyAfter wire.Record
	tn.c.Get(ctx, "/v1/token/supply", nil, &supplyBefore)
	height := tn.r.Node.LatestHeight()

	tn.stop()
	tn.start()
	if h := tn.r.Node.LatestHeight(); h < height {
		t.Fatalf("restarted at height %d, was %d", h, height)
	}
	for i, k := range keys {
		if got := read(k); got != before[i] {
			t.Fatalf("member %d changed across restart:\n%s\n%s", i, before[i], got)
		}
	}
	tn.c.Get(ctx, "/v1/token/supply", nil, &supplyAfter)
	if string(supplyAfter.Record) != string(supplyBefore.Record) || len(supplyAfter.Record) == 0 {
		t.Fatalf("supply changed across restart: %s -> %s", supplyBefore.Record, supplyAfter.Record)
	}
	// Nonces survive too: the admin's next tx, signed with the nonce the
	// restarted node reports, goes through.
	must(tn.c.Signer(tn.admin).Send(ctx, org.TypeCreateChapter, org.CreateChapterBody{ID: "daegu", Name: "대구광역시당", Parent: "hq"}))
}
