package api

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/election/kit"
	"github.com/pnyx-party/pnyx/modules/org"
)

// The pending index serves issuer I the requests it has not answered, from
// a cursor, with what it signs; answered ones drop out, and a bad issuer
// index or an unknown election is a clear error.
func TestPendingRequestsIndex(t *testing.T) {
	c := newTestChain(t)
	names := []string{"commish", "t1", "t2", "t3", "i1", "i2", "v1", "v2", "v3"}
	for _, n := range names {
		c.approve(testKey(n))
	}
	roles := map[string]org.Role{"commish": org.ElectionCommissioner, "t1": org.Trustee, "t2": org.Trustee, "t3": org.Trustee, "i1": org.CredentialIssuer, "i2": org.CredentialIssuer}
	for n, r := range roles {
		c.do(c.admin, org.TypeGrantRole, org.RoleBody{Member: memberID(testKey(n)), Role: r, Chapter: "hq"})
	}
	start := c.now.Unix()
	c.do(testKey("commish"), election.TypeCreate, election.CreateBody{ID: "e1", Chapter: "hq", Title: "t",
		Contests: []election.ContestSpec{{Title: "c", SelectionLimit: 1, OptionLimit: 1, Options: []string{"a", "b"}}},
		Trustees: []string{memberID(testKey("t1")), memberID(testKey("t2")), memberID(testKey("t3"))}, Threshold: 2,
		Issuers: []string{memberID(testKey("i1")), memberID(testKey("i2"))}, IssueStart: start, IssueEnd: start + 3600, VoteStart: start + 3600, VoteEnd: start + 7200})
	st := c.app.Store()
	var seeds [3][32]byte
	for i := range seeds {
		seeds[i] = kit.NewSeed()
	}
	for range 6 {
		for l := 1; l <= 3; l++ {
			for {
				e, _ := election.Get(st, "e1")
				typ, body, _, err := kit.TrusteeStep(st, e, seeds[l-1], l, c.now.Unix())
				if err != nil {
					t.Fatal(err)
				}
				if typ == "" || typ == election.TypeDecrypt {
					break
				}
				c.do(testKey(fmt.Sprintf("t%d", l)), typ, body)
			}
		}
	}
	var issuers []*credential.Issuer
	for i := range 2 {
		sk, _ := rsa.GenerateKey(rand.Reader, 2048)
		is, _ := credential.NewIssuer(sk)
		issuers = append(issuers, is)
		c.do(testKey(fmt.Sprintf("i%d", i+1)), election.TypeIssuerKey, kit.IssuerKeyBodyFor("e1", is))
	}
	e, _ := election.Get(st, "e1")
	if e.Status != election.PhaseReady {
		t.Fatalf("election %s after the ceremony", e.Status)
	}
	for _, v := range []string{"v1", "v2", "v3"} {
		voter, _ := kit.NewVoter(kit.NewSeed())
		b, err := voter.Request(e, testKey(v))
		if err != nil {
			t.Fatal(err)
		}
		c.do(testKey(v), election.TypeRequest, b)
	}
	// Issuer 0 answers request 1 only.
	ans, err := kit.IssueBodyFor(st, e, issuers[0], 0, []uint64{1})
	if err != nil {
		t.Fatal(err)
	}
	c.do(testKey("i1"), election.TypeIssue, ans)

	srv := New(c.app, stubNode{}, Options{})
	page := func(q string) (int, election.PendingPage) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/elections/e1/requests?"+q, nil))
		var p election.PendingPage
		if rec.Code == http.StatusOK {
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
		}
		return rec.Code, p
	}
	seqs := func(p election.PendingPage) (out []uint64) {
		for _, r := range p.Pending {
			out = append(out, r.Seq)
		}
		return out
	}
	if code, p := page("issuer=0"); code != 200 || fmt.Sprint(seqs(p)) != "[0 2]" || p.Next != 3 || p.Requests != 3 {
		t.Fatalf("issuer 0: HTTP %d %+v", code, p)
	}
	if code, p := page("issuer=1&from=1&limit=1"); code != 200 || fmt.Sprint(seqs(p)) != "[1]" || p.Next != 2 {
		t.Fatalf("issuer 1 from 1: HTTP %d %+v", code, p)
	}
	// What issuer 1 gets for request 2 is what it signs: its blind
	// signature from the page passes the chain's check.
	_, p := page("issuer=1&from=2")
	entries, err := kit.SignPending(e, issuers[1], 1, p.Pending, 0)
	if err != nil {
		t.Fatal(err)
	}
	c.do(testKey("i2"), election.TypeIssue, election.IssueBody{Election: "e1", Entries: entries})
	if code, p := page("issuer=1"); code != 200 || fmt.Sprint(seqs(p)) != "[0 1]" {
		t.Fatalf("issuer 1 after answering 2: HTTP %d %+v", code, p)
	}
	for _, q := range []string{"issuer=2", "issuer=-1", "issuer=x", "", "issuer=0&from=x", "issuer=0&limit=5000"} {
		if code, _ := page(q); code != http.StatusBadRequest {
			t.Errorf("?%s: HTTP %d, want 400", q, code)
		}
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/elections/nope/requests?issuer=0", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("unknown election: HTTP %d, want 404", rec.Code)
	}
}
