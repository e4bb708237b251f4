package e2e

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

// TestSignupProofsAndRestart: officials sign members up through the API,
// members read their balances and credentials with proofs that verify
// offline against the validators in genesis, the node restarts, and every
// record is as it was.
func TestSignupProofsAndRestart(t *testing.T) {
	tn := startNode(t)
	ctx := ctxT(t)
	admin := tn.c.Signer(tn.admin)
	must := func(_ wire.TxResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// A committed tx's result carries the events it emitted.
	res, err := admin.Send(ctx, org.TypeCreateChapter, org.CreateChapterBody{ID: "busan", Name: "부산광역시당", Parent: "hq"})
	must(res, err)
	if i := slices.IndexFunc(res.Events, func(e wire.Event) bool { return e.Type == "chapter.created" }); i < 0 ||
		res.Events[i].Attr("chapter") != "busan" || res.Events[i].Attr("parent") != "hq" {
		t.Fatalf("creating a chapter emitted %+v", res.Events)
	}
	must(admin.Send(ctx, org.TypeCreateChapter, org.CreateChapterBody{ID: "busan-haeundae-a", Name: "해운대구갑", Parent: "busan"}))
	reg := seedKey("busan-registrar")
	must(admin.Send(ctx, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: hex.EncodeToString(reg.Public().(ed25519.PublicKey)), Chapter: "busan", Class: members.Responsible}}}))
	regID := members.DeriveID(hex.EncodeToString(reg.Public().(ed25519.PublicKey)))
	must(admin.Send(ctx, org.TypeGrantRole, org.RoleBody{Member: regID, Role: org.Registrar, Chapter: "busan"}))

	// The registrar enrolls five newcomers by one-time codes; each redeems
	// with a key made on their own device.
	registrar := tn.c.Signer(reg)
	var entries []members.EnrollEntry
	var codesIssued []string
	for i := 0; i < 5; i++ {
		code := fmt.Sprintf("HAEUNDAE-%04d-QWERTY", i)
		codesIssued = append(codesIssued, code)
		entries = append(entries, members.EnrollEntry{CodeHash: members.EnrollmentCodeHash("pnyx-e2e", code), Chapter: "busan-haeundae-a", Class: members.General})
	}
	must(registrar.Send(ctx, members.TypeEnroll, members.EnrollBody{Entries: entries}))
	var newcomers []ed25519.PrivateKey
	var ids []string
	for i, code := range codesIssued {
		k := seedKey(fmt.Sprintf("newcomer-%d", i))
		must(tn.c.Signer(k).Send(ctx, members.TypeRedeem, members.RedeemBody{Code: code}))
		newcomers = append(newcomers, k)
		ids = append(ids, members.DeriveID(members.EnrollmentCodeHash("pnyx-e2e", code)))
	}

	// Each member reads their own balance and credential, with proofs.
	genesis := tn.r.Node.Genesis()
	trusted, err := proof.TrustedFromGenesis(genesis)
	if err != nil {
		t.Fatal(err)
	}
	readProven := func(path string, key ed25519.PrivateKey, into any) {
		t.Helper()
		var rec wire.Record
		if err := tn.c.Get(ctx, path+"?prove=1", key, &rec); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		p, err := proof.Unmarshal(rec.Proof)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.Verify(p, trusted); err != nil {
			t.Fatalf("%s: proof does not verify: %v", path, err)
		}
		if v, ok := p.Value([]byte(rec.Key)); !ok || !bytes.Equal(v, rec.Record) {
			t.Fatalf("%s: proven value differs from the record served", path)
		}
		json.Unmarshal(rec.Record, into)
	}
	before := map[string]string{}
	for i, id := range ids {
		var bal token.Balance
		readProven("/v1/members/"+id+"/balance", newcomers[i], &bal)
		if bal.Points != 100 {
			t.Fatalf("member %s has %d points, want the signup grant 100", id, bal.Points)
		}
		var cred token.Credential
		readProven("/v1/members/"+id+"/credential", newcomers[i], &cred)
		if cred.Status != token.CredentialActive || cred.Member != id {
			t.Fatalf("credential = %+v", cred)
		}
		raw, _ := tn.c.GetRaw(ctx, "/v1/members/"+id, newcomers[i])
		var rec wire.Record
		json.Unmarshal(raw, &rec)
		before[id] = string(rec.Record)
	}

	// Personal reads are refused to others: another member, an unsigned read.
	if err := tn.c.Get(ctx, "/v1/members/"+ids[0]+"/balance", newcomers[1], nil); codes.Of(err) != codes.Forbidden {
		t.Fatalf("another member read a balance: %v", err)
	}
	if err := tn.c.Get(ctx, "/v1/members/"+ids[0]+"/balance", nil, nil); codes.Of(err) != codes.Forbidden {
		t.Fatalf("an unsigned read got through: %v", err)
	}
	// The registrar, with scope over the chapter, may read them.
	var bal token.Balance
	var rec wire.Record
	if err := tn.c.Get(ctx, "/v1/members/"+ids[0]+"/balance", reg, &rec); err != nil {
		t.Fatalf("registrar read: %v", err)
	}
	json.Unmarshal(rec.Record, &bal)
	if bal.Points != 100 {
		t.Fatalf("registrar sees %d points", bal.Points)
	}

	// A chapter's register is for officials with scope, never for members.
	if err := tn.c.Get(ctx, "/v1/chapters/busan-haeundae-a/members", newcomers[0], nil); codes.Of(err) != codes.Forbidden {
		t.Fatalf("a member listed the chapter's register: %v", err)
	}
	var page struct {
		Members []members.Member `json:"members"`
	}
	if err := tn.c.Get(ctx, "/v1/chapters/busan-haeundae-a/members", reg, &page); err != nil || len(page.Members) != 5 {
		t.Fatalf("registrar's listing: %d members, %v", len(page.Members), err)
	}

	// An unauthorized action through the API: a member tries to create a chapter.
	_, err = tn.c.Signer(newcomers[0]).Send(ctx, org.TypeCreateChapter, org.CreateChapterBody{ID: "rogue", Name: "Rogue", Parent: "hq"})
	if codes.Of(err) != codes.Unauthorized {
		t.Fatalf("rogue chapter: %v", err)
	}

	var supplyBefore wire.Record
	tn.c.Get(ctx, "/v1/token/supply", nil, &supplyBefore)
	height := tn.r.Node.LatestHeight()

	// Restart: the same home, a new process state.
	tn.stop()
	tn.start()
	if h := tn.r.Node.LatestHeight(); h < height {
		t.Fatalf("restarted at height %d, was %d", h, height)
	}
	for i, id := range ids {
		raw, err := tn.c.GetRaw(ctx, "/v1/members/"+id, newcomers[i])
		if err != nil {
			t.Fatal(err)
		}
		var rec wire.Record
		json.Unmarshal(raw, &rec)
		if string(rec.Record) != before[id] {
			t.Fatalf("member %s changed across restart:\n%s\n%s", id, before[id], rec.Record)
		}
		var b token.Balance
		readProven("/v1/members/"+id+"/balance", newcomers[i], &b)
		if b.Points != 100 {
			t.Fatalf("after restart %s has %d points", id, b.Points)
		}
	}
	var supplyAfter wire.Record
	tn.c.Get(ctx, "/v1/token/supply", nil, &supplyAfter)
	if string(supplyAfter.Record) != string(supplyBefore.Record) {
		t.Fatalf("supply changed across restart: %s -> %s", supplyBefore.Record, supplyAfter.Record)
	}
	// Nonces survive too: the admin continues where it left off.
	must(tn.c.Signer(tn.admin).Send(ctx, org.TypeCreateChapter, org.CreateChapterBody{ID: "daegu", Name: "대구광역시당", Parent: "hq"}))
	_ = node.RPCOff
}
