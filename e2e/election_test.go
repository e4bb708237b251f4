package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/election/credential"
	"github.com/pnyx-party/pnyx/election/record"
	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/node/nodetest"
	"github.com/pnyx-party/pnyx/modules/election"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/tx"
	"github.com/pnyx-party/pnyx/wire"
)

var (
	rsaOnce sync.Once
	rsaKeys []*rsa.PrivateKey
)

// issuerRSA generates the issuers' RSA-2048 keys once per test binary.
func issuerRSA(t *testing.T) []*rsa.PrivateKey {
	rsaOnce.Do(func() {
		for range 2 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys = append(rsaKeys, k)
		}
	})
	return rsaKeys
}

func pubHexOf(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }

// TestElection200Members runs a party election on a real node: 3 trustees
// (2 of 3), 2 issuers, 200 eligible members of whom 150 vote and 10
// re-vote, one spoiled ballot, trustee 1 absent at the tally. The published
// counts equal the intended ones, the exported record verifies, a tampered
// one fails, and nothing served for a ballot names or links to a member.
func TestElection200Members(t *testing.T) {
	logs := &syncBuffer{}
	tn := startNodeLogged(t, logs)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	c := tn.c
	admin := c.Signer(tn.admin)
	must := func(_ wire.TxResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	const nVoters, nVoting, nRevote, nOptions = 200, 150, 10, 4
	key := func(name string) ed25519.PrivateKey { return seedKey("election-" + name) }
	commissioner := key("commissioner")
	var trustees, issuers, voters []ed25519.PrivateKey
	for i := range 3 {
		trustees = append(trustees, key(fmt.Sprintf("trustee-%d", i+1)))
	}
	for i := range 2 {
		issuers = append(issuers, key(fmt.Sprintf("issuer-%d", i+1)))
	}
	// Officials are general members: only the 200 responsible members are eligible.
	var entries []members.ApproveEntry
	for _, k := range append(append([]ed25519.PrivateKey{commissioner}, trustees...), issuers...) {
		entries = append(entries, members.ApproveEntry{PublicKey: pubHexOf(k), Chapter: "hq", Class: members.General})
	}
	must(admin.Send(ctx, members.TypeApprove, members.ApproveBody{Entries: entries}))
	entries = nil
	for i := range nVoters {
		k := key(fmt.Sprintf("voter-%d", i))
		voters = append(voters, k)
		entries = append(entries, members.ApproveEntry{PublicKey: pubHexOf(k), Chapter: "hq", Class: members.Responsible})
	}
	must(admin.Send(ctx, members.TypeApprove, members.ApproveBody{Entries: entries}))
	idOf := func(k ed25519.PrivateKey) string { return members.DeriveID(pubHexOf(k)) }
	must(admin.Send(ctx, org.TypeGrantRole, org.RoleBody{Member: idOf(commissioner), Role: org.ElectionCommissioner, Chapter: "hq"}))
	for _, k := range trustees {
		must(admin.Send(ctx, org.TypeGrantRole, org.RoleBody{Member: idOf(k), Role: org.Trustee, Chapter: "hq"}))
	}
	for _, k := range issuers {
		must(admin.Send(ctx, org.TypeGrantRole, org.RoleBody{Member: idOf(k), Role: org.CredentialIssuer, Chapter: "hq"}))
	}

	// The commission creates the election.
	const id = "chair-2026"
	now := time.Now().Unix()
	cb := election.CreateBody{ID: id, Chapter: "hq", Class: members.Responsible, Title: "2026 party chair",
		Contests:  []election.ContestSpec{{Title: "Chair", SelectionLimit: 1, OptionLimit: 1, Options: []string{"Kim", "Lee", "Park", "Choi"}}},
		Threshold: 2, IssueStart: now, IssueEnd: now + 22, VoteStart: now + 22, VoteEnd: now + 36}
	for _, k := range trustees {
		cb.Trustees = append(cb.Trustees, idOf(k))
	}
	for _, k := range issuers {
		cb.Issuers = append(cb.Issuers, idOf(k))
	}
	must(c.Signer(commissioner).Send(ctx, election.TypeCreate, cb))
	st := c.ElectionState(ctx)
	get := func() *election.Election {
		t.Helper()
		e, ok := election.Get(st, id)
		if !ok {
			t.Fatalf("election: %v", st.Err)
		}
		return e
	}
	if e := get(); e.Eligible != nVoters {
		t.Fatalf("eligible %d, want %d", e.Eligible, nVoters)
	}

	// Key ceremony, each trustee rebuilding its state from its seed.
	seeds := make([][32]byte, 3)
	for i := range seeds {
		seeds[i] = election.NewSeed()
	}
	step := func(f func(l int, s *client.Signer)) {
		for l := 1; l <= 3; l++ {
			f(l, c.Signer(trustees[l-1]))
		}
	}
	step(func(l int, s *client.Signer) {
		tr, _, _, err := election.Trustee(st, get(), seeds[l-1], l)
		if err != nil {
			t.Fatal(err)
		}
		must(s.Send(ctx, election.TypeTrusteeKey, election.TrusteeKeyBody{Election: id, Key: hex.EncodeToString(tr.HPKEKey)}))
	})
	step(func(l int, s *client.Signer) {
		_, d, _, err := election.Trustee(st, get(), seeds[l-1], l)
		if err != nil {
			t.Fatal(err)
		}
		must(s.Send(ctx, election.TypeDeal, election.DealBodyFor(id, d)))
	})
	step(func(l int, s *client.Signer) {
		_, _, bad, err := election.Trustee(st, get(), seeds[l-1], l)
		if err != nil {
			t.Fatal(err)
		}
		must(s.Send(ctx, election.TypeCheck, election.CheckBody{Election: id, Complaints: bad}))
	})
	step(func(l int, s *client.Signer) {
		e := get()
		tr, _, _, err := election.Trustee(st, e, seeds[l-1], l)
		if err != nil {
			t.Fatal(err)
		}
		ack, err := election.AckBodyFor(e, tr, seeds[l-1])
		if err != nil {
			t.Fatal(err)
		}
		must(s.Send(ctx, election.TypeAck, ack))
	})
	var iss []*credential.Issuer
	for i, k := range issuers {
		is, err := credential.NewIssuer(issuerRSA(t)[i])
		if err != nil {
			t.Fatal(err)
		}
		iss = append(iss, is)
		must(c.Signer(k).Send(ctx, election.TypeIssuerKey, election.IssuerKeyBodyFor(id, is)))
	}
	e := get()
	if e.Status != election.PhaseReady {
		t.Fatalf("status %s after the ceremony", e.Status)
	}

	// An ineligible member (the commissioner, a general member) and a
	// second request by one member are refused.
	probe, _ := election.NewVoter(election.NewSeed())
	pb, _ := probe.Request(e, commissioner)
	if _, err := c.Signer(commissioner).Send(ctx, election.TypeRequest, pb); codes.Of(err) != election.CodeNotEligible {
		t.Fatalf("ineligible request: %v", err)
	}

	// Every voter requests credentials; the issuers answer in batches.
	vs := make([]*election.Voter, nVoters)
	var raws [][]byte
	for i, k := range voters {
		v, err := election.NewVoter(election.NewSeed())
		if err != nil {
			t.Fatal(err)
		}
		vs[i] = v
		body, err := v.Request(e, k)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := c.Signer(k).Build(ctx, election.TypeRequest, body)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	submitAll(t, ctx, c, raws)
	waitFor(t, ctx, "requests", func() bool { tl, _ := election.GetTally(st, id); return tl != nil && tl.Requests == nVoters })
	again, _ := vs[0].Request(e, voters[0])
	if _, err := c.Signer(voters[0]).Send(ctx, election.TypeRequest, again); codes.Of(err) != election.CodeAlreadyRequested {
		t.Fatalf("second request: %v", err)
	}
	for j, is := range iss {
		for lo := uint64(0); lo < nVoters; lo += election.MaxIssueBatch {
			var seqs []uint64
			for s := lo; s < min(lo+election.MaxIssueBatch, nVoters); s++ {
				seqs = append(seqs, s)
			}
			ib, err := election.IssueBodyFor(st, e, is, j, seqs)
			if err != nil {
				t.Fatal(err)
			}
			must(c.Signer(issuers[j]).Send(ctx, election.TypeIssue, ib))
		}
	}
	// The voters' machines unblind their credentials and seal ballots.
	chainID, _ := c.ChainID(ctx)
	bc, err := election.PublicContext(e)
	if err != nil {
		t.Fatal(err)
	}
	intent := make([]uint64, nOptions)
	var first, second [][]byte
	var firstBallots []*ballot.Ballot
	var spoil []byte
	for i := range nVoting {
		seq, ok := election.RequestOf(st, id, idOf(voters[i]))
		if !ok {
			t.Fatalf("voter %d: no request", i)
		}
		creds, err := vs[i].Credentials(st, e, voters[i], seq)
		if err != nil {
			t.Fatalf("voter %d: %v", i, err)
		}
		ch := i % nOptions
		b, _, err := vs[i].Encrypt(bc, creds, oneHot(nOptions, ch))
		if err != nil {
			t.Fatal(err)
		}
		firstBallots = append(firstBallots, b)
		first = append(first, election.BallotTx(chainID, b))
		if i < nRevote {
			ch = (ch + 1) % nOptions
			b2, _, err := vs[i].Encrypt(bc, creds, oneHot(nOptions, ch))
			if err != nil {
				t.Fatal(err)
			}
			second = append(second, election.BallotTx(chainID, b2))
		}
		if i == nVoting-1 {
			sb, rv, err := vs[i].Encrypt(bc, creds, oneHot(nOptions, 0))
			if err != nil {
				t.Fatal(err)
			}
			spoil = election.SpoilTx(chainID, sb, rv)
		}
		intent[ch]++
	}

	// Voting.
	waitUntil(t, e.VoteStart+1)
	// A quiet chain makes an empty block only every 30 s and CheckTx judges
	// windows by the last block's time. A block's time is when the block
	// before it was committed, so two transactions in a row bring it to now.
	nudge := func() {
		for range 2 {
			must(c.Signer(commissioner).Send(ctx, token.TypeBurn, token.BurnBody{Amount: 1}))
		}
	}
	nudge()
	submitAll(t, ctx, c, first)
	waitFor(t, ctx, "first ballots", func() bool { tl, _ := election.GetTally(st, id); return tl != nil && tl.Cast == nVoting })
	submitAll(t, ctx, c, append(second, spoil))
	waitFor(t, ctx, "re-votes", func() bool {
		tl, _ := election.GetTally(st, id)
		return tl != nil && tl.Cast == nVoting+nRevote && tl.Spoiled == 1
	})
	// A voter looks up their tracking code, with an inclusion proof; the
	// re-voter's first ballot shows as replaced.
	var tr wire.TrackingAnswer
	tc := firstBallots[0].TrackingCode()
	if err := c.Get(ctx, "/v1/elections/"+id+"/tracking/"+hex.EncodeToString(tc[:])+"?prove=1", nil, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.Kind != "cast" || !tr.Replaced || len(tr.Proof) == 0 {
		t.Fatalf("tracking: %+v", tr)
	}
	// The ballot's bytes come from its block; the proven code pins them.
	if raw, err := base64.StdEncoding.DecodeString(tr.Ballot); err != nil || ballot.TrackingCodeOf(raw) != tc {
		t.Fatalf("tracking answer's ballot bytes do not match its code (%v)", err)
	}

	// Privacy: nothing served for a ballot names or links to a member.
	var secrets []string
	for _, k := range append(append(voters, trustees...), issuers...) {
		secrets = append(secrets, idOf(k), pubHexOf(k))
	}
	var served []string
	for _, raw := range append(first[:20], second...) {
		env, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Trim(hex.EncodeToString(env.Signer), "0") != "" || env.Nonce != 0 {
			t.Fatal("a ballot tx carries a signer")
		}
		served = append(served, string(raw), httpGet(t, tn.r.APIURL+"/v1/txs/"+hex.EncodeToString(tx.Hash(raw))))
	}
	served = append(served, string(tr.Record), httpGet(t, tn.r.APIURL+"/v1/elections/"+id+"/tally"),
		httpGet(t, tn.r.APIURL+"/v1/elections/"+id+"/ballots?limit=500"))
	var page api.BallotPage
	if err := c.Get(ctx, "/v1/elections/"+id+"/ballots?after=149&limit=500", nil, &page); err != nil || len(page.Ballots) != nRevote || page.Ballots[0].Replaces != 0 {
		t.Fatalf("ballot box page after 149: %v %+v", err, page.Ballots[:min(1, len(page.Ballots))])
	}
	for _, b := range page.Ballots {
		raw, err := base64.StdEncoding.DecodeString(b.Ballot)
		if tc := ballot.TrackingCodeOf(raw); err != nil || hex.EncodeToString(tc[:]) != b.Tracking {
			t.Fatalf("ballot box entry %d: bytes do not match the tracking code (%v)", b.Seq, err)
		}
	}
	for _, s := range served {
		for _, x := range secrets {
			if strings.Contains(s, x) {
				t.Fatalf("a ballot's served data contains member data %s: %.200s", x, s)
			}
		}
	}

	// Nor do the node's logs (CometBFT and pnyx at info level) name a voter.
	for i, k := range voters {
		if x := logs.String(); strings.Contains(x, idOf(k)) || strings.Contains(x, pubHexOf(k)) {
			t.Fatalf("the node's log names voter %d", i)
		}
	}
	if logs.Len() == 0 {
		t.Fatal("no log captured")
	}

	// Tally: trustee 1 is absent.
	waitUntil(t, e.VoteEnd+1)
	nudge()
	for l := 2; l <= 3; l++ {
		e := get()
		trustee, _, _, err := election.Trustee(st, e, seeds[l-1], l)
		if err != nil {
			t.Fatal(err)
		}
		db, err := election.DecryptBodyFor(st, e, trustee)
		if err != nil {
			t.Fatal(err)
		}
		must(c.Signer(trustees[l-1]).Send(ctx, election.TypeDecrypt, db))
	}
	tl, _ := election.GetTally(st, id)
	if get().Status != election.PhasePublished || fmt.Sprint(tl.Results[0]) != fmt.Sprint(intent) {
		t.Fatalf("status %s results %v intent %v", get().Status, tl.Results, intent)
	}
	if tl.Cast != nVoting+nRevote || tl.Counted != nVoting {
		t.Fatalf("cast %d counted %d", tl.Cast, tl.Counted)
	}

	// The record, exported from the chain, verifies; tampered, it fails.
	data, err := c.ElectionRecord(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	rep := record.VerifyBytes(data, record.Options{})
	if !rep.OK() || rep.Ballots != nVoting+nRevote {
		t.Fatalf("record: %v (%d ballots)", rep.Failed(), rep.Ballots)
	}
	rec, _ := record.Decode(data)
	// The record states what the chain fixed at creation: the windows (no
	// overlap here) and the eligibility snapshot.
	el := get()
	want := record.Schedule{IssueStart: el.IssueStart, IssueEnd: el.IssueEnd, VoteStart: el.VoteStart, VoteEnd: el.VoteEnd}
	wantElig := record.Eligibility{Count: nVoters, RegistryHeight: uint64(el.CreatedAtH - 1), Chapter: el.Chapter, Class: string(el.Class)}
	if rec.Schedule != want || rec.Eligibility != wantElig || el.EligibleAt != el.CreatedAtH-1 {
		t.Fatalf("record states schedule %+v, eligibility %+v; chain has %+v, %+v (eligible_at %d)",
			rec.Schedule, rec.Eligibility, want, wantElig, el.EligibleAt)
	}
	rec.Results[0][1]++
	rec.Results[0][2]--
	if rep := record.VerifyBytes(rec.Encode(), record.Options{}); rep.OK() {
		t.Fatal("a tampered record verifies")
	}
	// Every record entry is provable: the tally against a signed header.
	var sv wire.StateValue
	if err := c.Get(ctx, "/v1/election-state/"+string(election.TallyKey(id))+"?prove=1", nil, &sv); err != nil || len(sv.Proof) == 0 {
		t.Fatalf("tally proof: %v", err)
	}
}

func oneHot(n, k int) [][]uint32 {
	c := [][]uint32{make([]uint32, n)}
	c[0][k] = 1
	return c
}

func submitAll(t *testing.T, ctx context.Context, c *client.Client, raws [][]byte) {
	t.Helper()
	for lo := 0; lo < len(raws); lo += 500 {
		res, err := c.SubmitBatch(ctx, raws[lo:min(lo+500, len(raws))])
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Code != 0 {
				t.Fatalf("tx %d: %s %s", lo+i, r.Name, r.Log)
			}
		}
	}
}

func waitFor(t *testing.T, ctx context.Context, what string, ok func() bool) {
	t.Helper()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitUntil waits for wall-clock Unix time ts, which block time follows.
func waitUntil(t *testing.T, ts int64) {
	if d := time.Until(time.Unix(ts, 0)); d > 0 {
		time.Sleep(d)
	}
}

func httpGet(t *testing.T, url string) string {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
func (s *syncBuffer) Len() int       { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Len() }

// startNodeLogged is startNode with the node's log at info level into w.
func startNodeLogged(t *testing.T, w io.Writer) *testNode {
	t.Helper()
	home := t.TempDir()
	port := nodetest.FreePorts(t, 1)[0]
	admin, err := launch.Init(home, launch.InitOptions{ChainID: "pnyx-e2e", P2PAddr: fmt.Sprintf("tcp://127.0.0.1:%d", port), RPCAddr: node.RPCOff})
	if err != nil {
		t.Fatal(err)
	}
	opts := node.Options{LogLevel: "info", LogWriter: w, Config: fastNode}
	r, err := launch.Start(home, launch.Options{APIAddr: "127.0.0.1:0", CheckInvariants: true, Node: opts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop() })
	tn := &testNode{t: t, home: home, admin: admin, r: r, c: client.New(r.APIURL)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.WaitForBlocks(ctx, 1); err != nil {
		t.Fatalf("no first block: %v", err)
	}
	return tn
}
