package members_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/members"
)

// An import's batch is admitted to the mempool on its form, the
// registrar's authority and its entries not repeating one another; whether
// a key is in use or a code enrolled already is judged by the block, where
// a batch naming one fails with the code CheckTx used to give and changes
// nothing (issue 17: those reads made the blocks of an import wait).
func TestBatchStateJudgedInItsBlock(t *testing.T) {
	c := newTestChain(t)
	registered := c.approve("hq", 0, 3)
	key := func(i int) string {
		pub := sha256.Sum256([]byte{byte(i)})
		return hex.EncodeToString(pub[:])
	}
	codeHash := func(i int) string {
		return members.EnrollmentCodeHash("pnyx-layout", "code-number-"+string(rune('a'+i)))
	}
	c.send(members.TypeEnroll, members.EnrollBody{Entries: []members.EnrollEntry{{CodeHash: codeHash(0), Chapter: "hq", Class: members.General}}})

	// A batch whose second entry is a member already: admitted, then
	// refused by its block with nothing of the batch written.
	dup := c.signed(members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{
		{PublicKey: key(7), Chapter: "hq", Class: members.General},
		{PublicKey: key(1), Chapter: "hq", Class: members.General},
	}})
	if code, log := c.check(dup); code != 0 {
		t.Fatalf("CheckTx refused a well-formed batch from the registrar: %d %s", code, log)
	}
	nonce := chain.NextNonce(c.st, c.admin.Public().(ed25519.PublicKey))
	code, log := c.blockResult(dup)
	if code != uint32(codes.AlreadyExists) || !strings.HasPrefix(log, "entry 1: key "+key(1)[:16]+"… belongs or belonged to a member already") {
		t.Errorf("the block answered %d %q for a batch naming member %s", code, log, registered[1])
	}
	if _, ok := members.Get(c.st, members.DeriveID(key(7))); ok {
		t.Error("the refused batch's first entry became a member")
	}
	if got := chain.NextNonce(c.st, c.admin.Public().(ed25519.PublicKey)); got != nonce {
		t.Errorf("the refused batch moved the registrar's nonce from %d to %d", nonce, got)
	}

	// The same for a code enrolled already.
	enrolled := c.signed(members.TypeEnroll, members.EnrollBody{Entries: []members.EnrollEntry{
		{CodeHash: codeHash(1), Chapter: "hq", Class: members.General},
		{CodeHash: codeHash(0), Chapter: "hq", Class: members.General},
	}})
	if code, log := c.check(enrolled); code != 0 {
		t.Fatalf("CheckTx refused a well-formed enroll batch: %d %s", code, log)
	}
	code, log = c.blockResult(enrolled)
	if code != uint32(codes.AlreadyExists) || !strings.HasPrefix(log, "entry 1: code hash "+codeHash(0)[:16]+"… is enrolled already") {
		t.Errorf("the block answered %d %q for a batch naming an enrolled code", code, log)
	}

	// What CheckTx still refuses, with the block's code and message.
	for _, tc := range []struct {
		name string
		body any
		typ  string
		code codes.Code
		log  string
	}{
		{"a key twice in one batch", members.ApproveBody{Entries: []members.ApproveEntry{
			{PublicKey: key(8), Chapter: "hq", Class: members.General},
			{PublicKey: key(8), Chapter: "hq", Class: members.General},
		}}, members.TypeApprove, codes.AlreadyExists, "entry 1: key " + key(8)[:16] + "… belongs or belonged to a member already"},
		{"a code twice in one batch", members.EnrollBody{Entries: []members.EnrollEntry{
			{CodeHash: codeHash(2), Chapter: "hq", Class: members.General},
			{CodeHash: codeHash(2), Chapter: "hq", Class: members.General},
		}}, members.TypeEnroll, codes.AlreadyExists, "entry 1: code hash " + codeHash(2)[:16] + "… is enrolled already"},
		{"a chapter that does not exist", members.ApproveBody{Entries: []members.ApproveEntry{
			{PublicKey: key(9), Chapter: "atlantis", Class: members.General},
		}}, members.TypeApprove, codes.NotFound, `chapter "atlantis" does not exist`},
		{"a key that is no key", members.ApproveBody{Entries: []members.ApproveEntry{
			{PublicKey: "zz", Chapter: "hq", Class: members.General},
		}}, members.TypeApprove, codes.InvalidArgument, "entry 0: public_key must be 64 lowercase hex digits"},
	} {
		raw := c.signed(tc.typ, tc.body)
		code, log := c.check(raw)
		if code != uint32(tc.code) || !strings.HasPrefix(log, tc.log) {
			t.Errorf("%s: CheckTx answered %d %q, want %d %q", tc.name, code, log, tc.code, tc.log)
		}
		// The block agrees.
		code, log = c.blockResult(raw)
		if code != uint32(tc.code) || !strings.HasPrefix(log, tc.log) {
			t.Errorf("%s: the block answered %d %q, want %d %q", tc.name, code, log, tc.code, tc.log)
		}
	}
}

// check runs CheckTx on raw against the last committed block.
func (c *testChain) check(raw []byte) (uint32, string) {
	res, err := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		c.t.Fatal(err)
	}
	return res.Code, res.Log
}

// blockResult executes raw in a block of its own and returns its result. A
// refused tx leaves the administrator's nonce where it was.
func (c *testChain) blockResult(raw []byte) (uint32, string) {
	h := c.st.Version() + 1
	res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: [][]byte{raw}, Height: h, Time: c.now.Add(time.Duration(h) * time.Second)})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatal(err)
	}
	r := res.TxResults[0]
	if r.Code == 0 {
		c.nonce++
	}
	return r.Code, r.Log
}
