package e2e

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/modules/token"
	"github.com/pnyx-party/pnyx/proof"
	"github.com/pnyx-party/pnyx/wire"
)

func hexPub(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }
func memberID(k ed25519.PrivateKey) string {
	return members.DeriveID(hexPub(k))
}

// TestPetitionLifecycleOnANode drives petitions through a real node and its
// API: the whole lifecycle with the overdue flag and a late answer, expiry,
// withdrawal, comments three deep, every moderation path, searches in Korean
// and English, a member's own agreement read with a proof, and finally an
// index rebuilt by reindex that answers exactly as the live one did.
func TestPetitionLifecycleOnANode(t *testing.T) {
	tn := startNode(t)
	ctx := ctxT(t)
	signers := map[string]*client.Signer{}
	as := func(name string) *client.Signer {
		if name == "admin" {
			name = "\x00admin"
			if signers[name] == nil {
				signers[name] = tn.c.Signer(tn.admin)
			}
			return signers[name]
		}
		if signers[name] == nil {
			signers[name] = tn.c.Signer(seedKey(name))
		}
		return signers[name]
	}
	do := func(who, typ string, body any) {
		t.Helper()
		if _, err := as(who).Send(ctx, typ, body); err != nil {
			t.Fatalf("%s %s: %v", who, typ, err)
		}
	}
	reject := func(who, typ string, body any, want codes.Code) {
		t.Helper()
		_, err := as(who).Send(ctx, typ, body)
		if codes.Of(err) != want {
			t.Fatalf("%s %s: got %v, want code %d (%s)", who, typ, err, want, want)
		}
		as(who).Resync()
	}
	id := func(name string) string { return memberID(seedKey(name)) }

	do("admin", org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "서울특별시당", Parent: "hq"})
	do("admin", org.TypeCreateChapter, org.CreateChapterBody{ID: "busan", Name: "부산광역시당", Parent: "hq"})
	var es []members.ApproveEntry
	for _, n := range []string{"kim", "lee", "park", "choi", "jung", "secretary", "moderator"} {
		es = append(es, members.ApproveEntry{PublicKey: hexPub(seedKey(n)), Chapter: "seoul", Class: members.General})
	}
	for _, n := range []string{"yoon", "han"} {
		es = append(es, members.ApproveEntry{PublicKey: hexPub(seedKey(n)), Chapter: "busan", Class: members.General})
	}
	do("admin", members.TypeApprove, members.ApproveBody{Entries: es})
	do("admin", org.TypeGrantRole, org.RoleBody{Member: id("secretary"), Role: org.Secretary, Chapter: "seoul"})
	do("admin", org.TypeGrantRole, org.RoleBody{Member: id("moderator"), Role: org.Moderator, Chapter: "hq"})
	// Seoul: 2 pre-agreements, 3 to reach the threshold, an answer due within 2 s.
	do("admin", petition.TypeSetParams, petition.SetParamsBody{Chapter: "seoul", Params: petition.Params{PreAgreements: 2, PreWindow: 600, Threshold: 3, Window: 600, AnswerDue: 2}})
	// Busan: the pre-agreement window is 2 s, so petitions there expire fast.
	do("admin", petition.TypeSetParams, petition.SetParamsBody{Chapter: "busan", Params: petition.Params{PreAgreements: 2, PreWindow: 2, Threshold: 3, Window: 600, AnswerDue: 600}})

	// The whole lifecycle: draft, pre-agreement, collecting, threshold.
	do("kim", petition.TypeCreate, petition.CreateBody{ID: "youth-housing", Chapter: "seoul", Category: "youth", Title: "청년 주거 지원 확대", Body: "당원들의 요청으로 청년 housing policy 확대를 제안합니다."})
	state := func(pid string) index.Petition {
		t.Helper()
		v, err := tn.c.Petition(ctx, pid, false)
		if err != nil {
			t.Fatal(err)
		}
		return v.Petition
	}
	if p := state("youth-housing"); p.State != petition.Draft || p.Title != "청년 주거 지원 확대" {
		t.Fatalf("draft: %+v", p)
	}
	do("kim", petition.TypeOpen, petition.RefBody{Petition: "youth-housing"})
	do("kim", petition.TypeAgree, petition.RefBody{Petition: "youth-housing"})
	reject("kim", petition.TypeAgree, petition.RefBody{Petition: "youth-housing"}, petition.CodeAlreadyAgreed)
	reject("yoon", petition.TypeAgree, petition.RefBody{Petition: "youth-housing"}, petition.CodeNotEligible)
	do("lee", petition.TypeAgree, petition.RefBody{Petition: "youth-housing"})
	if p := state("youth-housing"); p.State != petition.Collecting || p.Agreements != 2 {
		t.Fatalf("after pre-agreements: %+v", p)
	}
	// A member reads whether they agreed, with a proof; the public sees counts.
	av, err := tn.c.Agreed(ctx, seedKey("lee"), "youth-housing")
	if err != nil || !av.Agreed || av.Member != id("lee") {
		t.Fatalf("lee agreed = %+v %v", av, err)
	}
	var withProof wire.AgreementView
	if err := tn.c.Get(ctx, "/v1/petitions/youth-housing/agreement?prove=1", seedKey("park"), &withProof); err != nil || withProof.Agreed {
		t.Fatalf("park's agreement read: %+v %v", withProof, err)
	}
	p, err := proof.Unmarshal(withProof.Chain)
	if err != nil {
		t.Fatal(err)
	}
	trusted, _ := proof.TrustedFromGenesis(tn.r.Node.Genesis())
	if v, covered := p.Value(petition.AgreementKey("youth-housing", id("park"))); proof.Verify(p, trusted) != nil || !covered || v != nil {
		t.Fatalf("absence proof: %v (value %q, covered %v)", proof.Verify(p, trusted), v, covered)
	}
	if err := tn.c.Get(ctx, "/v1/petitions/youth-housing/agreement", nil, nil); codes.Of(err) != codes.Forbidden {
		t.Fatalf("unsigned agreement read: %v", err)
	}
	do("park", petition.TypeAgree, petition.RefBody{Petition: "youth-housing"})
	if p := state("youth-housing"); p.State != petition.ThresholdReached {
		t.Fatalf("at threshold: %+v", p)
	}
	view, err := tn.c.Petition(ctx, "youth-housing", false)
	if err != nil || len(view.AgreementsByChapter) != 1 || view.AgreementsByChapter[0].Count != 3 {
		t.Fatalf("counts by chapter: %+v %v", view.AgreementsByChapter, err)
	}
	var rec petition.Petition
	json.Unmarshal(view.Chain.Record, &rec)
	if rec.ContentHash != petition.ContentHash("petition", view.Petition.Title, view.Petition.Body) {
		t.Fatal("served text does not match the on-chain content hash")
	}

	// Comments three deep, on the petition; the fourth level is refused.
	comment := func(who, cid, parent, stance, body string) {
		t.Helper()
		do(who, petition.TypeComment, petition.CommentBody{ID: cid, Petition: "youth-housing", Parent: parent, Stance: stance, Body: body})
	}
	comment("lee", "c1", "", petition.For, "당원이 직접 참여해야 합니다.")
	comment("park", "c2", "c1", petition.Against, "Youth policy needs a funding plan.")
	comment("choi", "c3", "c2", petition.Neutral, "청년 일자리 policy와 함께 봐야 합니다.")
	reject("jung", petition.TypeComment, petition.CommentBody{ID: "c4", Petition: "youth-housing", Parent: "c3", Stance: petition.For, Body: "너무 깊음"}, petition.CodeTooDeep)

	// Overdue: the answer was due 2 s after the threshold. Block time moves
	// only with blocks, so a member's harmless tx (burning a point) makes one.
	tick := func() {
		t.Helper()
		time.Sleep(300 * time.Millisecond)
		do("han", token.TypeBurn, token.BurnBody{Amount: 1})
	}
	deadline := time.Now().Add(20 * time.Second)
	for !state("youth-housing").Overdue {
		if time.Now().After(deadline) {
			t.Fatal("never flagged overdue")
		}
		tick()
	}
	reject("moderator", petition.TypeAnswer, petition.AnswerBody{Petition: "youth-housing", Body: "x"}, codes.Unauthorized)
	do("secretary", petition.TypeAnswer, petition.AnswerBody{Petition: "youth-housing", Body: "청년 주거 예산을 두 배로 늘리겠습니다. We will double the youth housing budget."})
	if p := state("youth-housing"); p.State != petition.Answered || !p.AnsweredLate || p.Overdue || p.Answer == "" {
		t.Fatalf("answered: %+v", p)
	}
	reject("secretary", petition.TypeAnswer, petition.AnswerBody{Petition: "youth-housing", Body: "again"}, codes.WrongState)
	do("jung", petition.TypeComment, petition.CommentBody{ID: "on-answer", Petition: "youth-housing", OnAnswer: true, Stance: petition.For, Body: "답변 환영합니다 welcome answer"})

	// Expiry: a Busan petition misses its 2 s pre-agreement window.
	do("yoon", petition.TypeCreate, petition.CreateBody{ID: "busan-transit", Chapter: "busan", Category: "transport", Title: "부산 대중교통", Body: "부산 당원이 제안하는 교통 policy"})
	do("yoon", petition.TypeOpen, petition.RefBody{Petition: "busan-transit"})
	deadline = time.Now().Add(20 * time.Second)
	for state("busan-transit").State != petition.Expired {
		if time.Now().After(deadline) {
			t.Fatal("never expired")
		}
		tick()
	}
	reject("han", petition.TypeAgree, petition.RefBody{Petition: "busan-transit"}, codes.Expired)
	// Withdrawal by the author.
	do("kim", petition.TypeCreate, petition.CreateBody{ID: "changed-mind", Chapter: "seoul", Category: "party", Title: "철회할 청원", Body: "본문"})
	do("kim", petition.TypeOpen, petition.RefBody{Petition: "changed-mind"})
	reject("lee", petition.TypeWithdraw, petition.RefBody{Petition: "changed-mind"}, petition.CodeNotAuthor)
	do("kim", petition.TypeWithdraw, petition.RefBody{Petition: "changed-mind"})
	if p := state("changed-mind"); p.State != petition.Withdrawn {
		t.Fatalf("withdrawn: %+v", p)
	}

	search := func(kind string, q client.Query) []string {
		t.Helper()
		res, err := tn.c.Search(ctx, kind, q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range res.Petitions {
			ids = append(ids, "p:"+p.ID)
		}
		for _, c := range res.Comments {
			ids = append(ids, "c:"+c.ID)
		}
		slices.Sort(ids)
		return ids
	}
	expect := func(kind string, q client.Query, want ...string) {
		t.Helper()
		if got := search(kind, q); !slices.Equal(got, want) {
			t.Fatalf("search %s %+v = %v, want %v", kind, q, got, want)
		}
	}
	expect("all", client.Query{Text: "당원"}, "c:c1", "p:busan-transit", "p:youth-housing")
	// Bad searches are refused with a stable code; the routes are documented.
	for _, bad := range []string{"/v1/search?q=policy&sort=relevance", "/v1/search?limit=500", "/v1/search?kind=votes", "/v1/search?from=yesterday", "/v1/petitions?state=open"} {
		if err := tn.c.Get(ctx, bad, nil, nil); codes.Of(err) != codes.BadRequest {
			t.Fatalf("%s: %v, want bad_request", bad, err)
		}
	}
	if err := tn.c.Get(ctx, "/v1/petitions/no-such-petition", nil, nil); codes.Of(err) != codes.NotFound {
		t.Fatalf("missing petition: %v", err)
	}
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	if err := tn.c.Get(ctx, "/openapi.json", nil, &doc); err != nil {
		t.Fatal(err)
	}
	for _, route := range []string{"/v1/search", "/v1/petitions", "/v1/petitions/{id}", "/v1/petitions/{id}/comments", "/v1/petitions/{id}/agreement", "/v1/comments/{id}"} {
		if doc.Paths[route] == nil {
			t.Errorf("openapi lacks %s", route)
		}
	}
	expect("comments", client.Query{Text: "청년 policy"}, "c:c3")
	expect("petitions", client.Query{Text: "policy", State: petition.Expired}, "p:busan-transit")

	// Moderation path 1: three distinct reports hide a comment; the same
	// member cannot report twice; a moderator unhides it with a reason.
	comment("jung", "spammy", "", petition.Neutral, "광고 zzqspam 링크")
	do("kim", petition.TypeReport, petition.ReportBody{Comment: "spammy", Reason: "spam"})
	reject("kim", petition.TypeReport, petition.ReportBody{Comment: "spammy", Reason: "offensive"}, petition.CodeAlreadyReport)
	expect("comments", client.Query{Text: "zzqspam"}, "c:spammy")
	do("lee", petition.TypeReport, petition.ReportBody{Comment: "spammy", Reason: "spam"})
	do("park", petition.TypeReport, petition.ReportBody{Comment: "spammy", Reason: "off_topic"})
	expect("comments", client.Query{Text: "zzqspam"})
	cv, err := tn.c.Comment(ctx, "spammy")
	if err != nil || !cv.Comment.Hidden || cv.Comment.Body != "" {
		t.Fatalf("hidden comment served: %+v %v", cv.Comment, err)
	}
	do("moderator", petition.TypeUnhide, petition.HideBody{Kind: petition.KindComment, ID: "spammy", Reason: petition.ReasonOther})
	expect("comments", client.Query{Text: "zzqspam"}, "c:spammy")
	// Path 2: the moderator hides a comment directly.
	do("moderator", petition.TypeHide, petition.HideBody{Kind: petition.KindComment, ID: "spammy", Reason: petition.ReasonDefamation})
	expect("comments", client.Query{Text: "zzqspam"})
	thread, err := tn.c.Thread(ctx, "youth-housing", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range thread.Comments {
		if c.ID == "spammy" && (c.Body != "" || !c.Hidden) {
			t.Fatalf("hidden comment in thread: %+v", c)
		}
	}
	// Path 3: blocking a member from commenting, and unblocking.
	do("moderator", petition.TypeBlock, petition.BlockBody{Member: id("jung"), Chapter: "seoul", Reason: petition.ReasonOffensive})
	reject("jung", petition.TypeComment, petition.CommentBody{ID: "blocked", Petition: "youth-housing", Stance: petition.For, Body: "차단됨"}, petition.CodeBlocked)
	do("moderator", petition.TypeUnblock, petition.BlockBody{Member: id("jung"), Chapter: "seoul"})
	comment("jung", "after-unblock", "", petition.For, "다시 참여합니다")
	// Path 4: a hidden petition leaves the search with its comments.
	do("moderator", petition.TypeHide, petition.HideBody{Kind: petition.KindPetition, ID: "youth-housing", Reason: petition.ReasonPrivacy})
	expect("all", client.Query{Text: "당원"}, "p:busan-transit")
	if p := state("youth-housing"); !p.Hidden || p.Title != "" || p.Body != "" {
		t.Fatalf("hidden petition served: %+v", p)
	}
	if _, err := tn.c.Thread(ctx, "youth-housing", "", 10); codes.Of(err) != petition.CodeContentHidden {
		t.Fatalf("thread of a hidden petition: %v", err)
	}
	do("moderator", petition.TypeUnhide, petition.HideBody{Kind: petition.KindPetition, ID: "youth-housing", Reason: petition.ReasonOther})
	// Edits keep their history.
	do("lee", petition.TypeEdit, petition.EditBody{Comment: "c1", Body: "당원이 직접 참여해야 합니다. (수정)"})
	if cv, _ := tn.c.Comment(ctx, "c1"); len(cv.Versions) != 2 || cv.Comment.Version != 2 {
		t.Fatalf("edit history: %+v", cv)
	}

	// Reindex: stop the node, rebuild the index from the blocks, start again:
	// the same queries give the same answers.
	queries := []struct {
		kind string
		q    client.Query
	}{
		{"all", client.Query{Text: "당원"}}, {"all", client.Query{Text: "청년"}}, {"comments", client.Query{Text: "policy"}},
		{"all", client.Query{Text: "청년 policy"}}, {"comments", client.Query{Chapter: "seoul", Stance: petition.For}},
		{"petitions", client.Query{State: petition.Expired}}, {"comments", client.Query{Text: "zzqspam"}},
	}
	snapshot := func() string {
		var out []any
		for _, q := range queries {
			res, err := tn.c.Search(ctx, q.kind, q.q)
			if err != nil {
				t.Fatal(err)
			}
			res.Height = 0
			out = append(out, res)
		}
		th, _ := tn.c.Thread(ctx, "youth-housing", "", 100)
		th.Height = 0
		out = append(out, th)
		b, _ := json.Marshal(out)
		return string(b)
	}
	before := snapshot()
	tn.stop()
	x, err := launch.Reindex(tn.home, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, c, _ := x.Counts(); p != 3 || c != 6 {
		t.Fatalf("reindexed %d petitions, %d comments", p, c)
	}
	x.Close()
	tn.start()
	if after := snapshot(); after != before {
		t.Fatalf("rebuilt index answers differently:\nlive    %s\nrebuilt %s", before, after)
	}
}
