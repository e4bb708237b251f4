package chain

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
)

// TestElectionExportsRecordVersion5WithRegistryProofs: given the state as
// committed at the election's EligibleAt, the export proves every
// requester's member record and the chapters above it against that
// state's root, which is the AppHash of header EligibleAt+1; the record
// verifies (issuers.registry), and with another version's state in place
// of the snapshot the export refuses.
func TestElectionExportsRecordVersion5WithRegistryProofs(t *testing.T) {
	p := newPoll(t, 3)
	h := p.h
	body := p.createBody()
	body.RecordVersion = 4
	h.do(p.commissioner, election.TypeCreate, body)
	p.ceremony()
	v0, c0 := p.credentials(0)
	v1, c1 := p.credentials(1)
	e := p.election()
	p.at(e.VoteStart)
	p.castAll([]*ballot.Ballot{p.seal(v0, c0, 0), p.seal(v1, c1, 1)})
	p.at(e.VoteEnd)
	for l := 2; l <= 3; l++ {
		tr, _, _ := p.trustee(l)
		db, err := kit.DecryptBodyFor(h.snap(), p.election(), tr)
		if err != nil {
			t.Fatal(err)
		}
		h.do(p.trustees[l-1], election.TypeDecrypt, db)
	}

	reg, err := h.app.store.Snapshot(e.EligibleAt)
	if err != nil {
		t.Fatal(err)
	}
	st, err := election.RecordStreamProven(h.snap(), p.id, election.BallotsFromBlocks(h.blockTxs), reg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if n, err := st.WriteTo(&buf); err != nil || n != st.Len() {
		t.Fatalf("wrote %d of %d bytes: %v", n, st.Len(), err)
	}
	rep := record.VerifyBytes(buf.Bytes(), record.Options{})
	var detail string
	for _, c := range rep.Checks {
		if c.Name == record.CheckRegistry {
			detail = c.Detail
		}
	}
	if !rep.OK() || !strings.HasPrefix(detail, "2 requesters, each a distinct active member") {
		t.Fatalf("failed %v; registry: %q", rep.Failed(), detail)
	}
	if rec, err := record.Decode(buf.Bytes()); err != nil || rec.Version != 5 || !bytes.Equal(rec.Registry.AppHash, reg.Hash()) {
		t.Fatalf("decoded version-5 record: %v", err)
	}
	later, err := h.app.store.Snapshot(e.EligibleAt + 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := election.RecordStreamProven(h.snap(), p.id, election.BallotsFromBlocks(h.blockTxs), later); err == nil {
		t.Fatal("an export with the registry at another version than EligibleAt")
	}
}
