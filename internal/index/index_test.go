package index_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/store"
	"github.com/pnyx-party/pnyx/modules"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/tx"
)

// world runs the real application without a node and keeps every committed
// block, so an index can be built live and rebuilt from the same blocks.
type world struct {
	t      *testing.T
	app    *chain.App
	height int64
	now    time.Time
	nonces map[string]uint64
	admin  ed25519.PrivateKey
	blocks []node.CommittedBlock
	live   *index.Index
}

func key(name string) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, name)
	return ed25519.NewKeyFromSeed(seed)
}

func pub(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }
func id(k ed25519.PrivateKey) string  { return members.DeriveID(pub(k)) }

func openIndex(t *testing.T) *index.Index {
	x, err := index.Open(filepath.Join(t.TempDir(), "index.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, app: chain.New(store.OpenMemory(), modules.New(), chain.Options{}), now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), nonces: map[string]uint64{}, admin: key("admin")}
	raw, _ := json.Marshal(modules.DefaultGenesis(pub(w.admin)))
	if _, err := w.app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: "pnyx-test", Time: w.now, InitialHeight: 1, AppStateBytes: raw}); err != nil {
		t.Fatal(err)
	}
	w.live = openIndex(t)
	w.block()
	return w
}

func (w *world) block(txs ...[]byte) []*abci.ExecTxResult {
	w.t.Helper()
	w.height++
	w.now = w.now.Add(5 * time.Second)
	resp, err := w.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: w.height, Time: w.now})
	if err != nil {
		w.t.Fatal(err)
	}
	w.app.Commit(context.Background(), &abci.RequestCommit{})
	b := node.CommittedBlock{Height: w.height, Time: w.now, Txs: txs, Results: resp.TxResults}
	w.blocks = append(w.blocks, b)
	if err := w.live.ApplyBlock(b); err != nil {
		w.t.Fatal(err)
	}
	return resp.TxResults
}

func (w *world) do(k ed25519.PrivateKey, typ string, body any) {
	w.t.Helper()
	env := &tx.Envelope{ChainID: "pnyx-test", Type: typ, Nonce: w.nonces[pub(k)]}
	env.SetBody(body)
	env.Sign(k)
	if res := w.block(env.Encode())[0]; res.Code != 0 {
		w.t.Fatalf("%s: code %d %s", typ, res.Code, res.Log)
	}
	w.nonces[pub(k)]++
}

// story builds a small corpus: two chapters, three petitions, comments in
// Korean, English and both, with one hidden by reports, one hidden by a
// moderator, one deleted and one edited.
func story(t *testing.T) *world {
	w := newWorld(t)
	w.do(w.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "서울", Parent: "hq"})
	w.do(w.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul-mapo", Name: "마포", Parent: "seoul"})
	w.do(w.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "busan", Name: "부산", Parent: "hq"})
	var es []members.ApproveEntry
	for _, n := range []string{"kim", "lee", "park", "choi", "mod"} {
		es = append(es, members.ApproveEntry{PublicKey: pub(key(n)), Chapter: "seoul-mapo", Class: members.General})
	}
	es = append(es, members.ApproveEntry{PublicKey: pub(key("yoon")), Chapter: "busan", Class: members.General})
	w.do(w.admin, members.TypeApprove, members.ApproveBody{Entries: es})
	w.do(w.admin, org.TypeGrantRole, org.RoleBody{Member: id(key("mod")), Role: org.Moderator, Chapter: "hq"})
	w.do(w.admin, petition.TypeSetParams, petition.SetParamsBody{Chapter: "hq", Params: petition.Params{PreAgreements: 0, PreWindow: 3600, Threshold: 100, Window: 30 * 24 * 3600, AnswerDue: 3600}})

	create := func(who, pid, ch, cat, title, body string) {
		w.do(key(who), petition.TypeCreate, petition.CreateBody{ID: pid, Chapter: ch, Category: cat, Title: title, Body: body})
		w.do(key(who), petition.TypeOpen, petition.RefBody{Petition: pid})
	}
	comment := func(who, cid, pid, parent, stance, body string) {
		w.do(key(who), petition.TypeComment, petition.CommentBody{ID: cid, Petition: pid, Parent: parent, Stance: stance, Body: body})
	}
	create("kim", "youth-housing", "seoul-mapo", "youth", "청년 주거 지원 확대", "당원들의 요청으로 청년 주거 policy를 제안합니다.")
	create("yoon", "busan-transit", "busan", "transport", "Busan transit for everyone", "부산 당원이 제안하는 대중교통 policies.")
	create("lee", "party-school", "seoul", "education", "당원 교육 프로그램", "Training for new members, 신규 교육.")
	comment("lee", "c1", "youth-housing", "", petition.For, "당원이 직접 참여해야 합니다.")
	comment("park", "c2", "youth-housing", "c1", petition.Against, "Youth policy needs a funding plan first.")
	comment("choi", "c3", "youth-housing", "c2", petition.Neutral, "청년 일자리 policy와 함께 봐야 합니다.")
	comment("kim", "c4", "busan-transit", "", petition.For, "부산 청년들의 출퇴근 문제가 심각합니다.")
	comment("yoon", "c5", "busan-transit", "", petition.Against, "The budget cannot cover 청년 discounts.")
	comment("park", "spam", "youth-housing", "", petition.Neutral, "광고 zzqspam 링크 클릭")
	comment("lee", "rude", "party-school", "", petition.Against, "모욕적인 zzqrude 표현")
	comment("choi", "gone", "party-school", "", petition.For, "삭제될 zzqgone 댓글")
	comment("kim", "edited", "party-school", "", petition.For, "처음 문장 zzqfirst")
	w.do(key("kim"), petition.TypeEdit, petition.EditBody{Comment: "edited", Body: "고친 문장 zzqsecond"})
	for _, n := range []string{"kim", "lee", "choi"} {
		w.do(key(n), petition.TypeReport, petition.ReportBody{Comment: "spam", Reason: "spam"})
	}
	w.do(key("mod"), petition.TypeHide, petition.HideBody{Kind: petition.KindComment, ID: "rude", Reason: petition.ReasonOffensive})
	w.do(key("choi"), petition.TypeDelete, petition.CommentRefBody{Comment: "gone"})
	return w
}

func commentIDs(t *testing.T, x *index.Index, q index.Query) []string {
	t.Helper()
	hits, _, err := x.SearchComments(q)
	if err != nil {
		t.Fatalf("%+v: %v", q, err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.ID)
	}
	slices.Sort(out)
	return out
}

func petitionIDs(t *testing.T, x *index.Index, q index.Query) []string {
	t.Helper()
	hits, _, err := x.SearchPetitions(q)
	if err != nil {
		t.Fatalf("%+v: %v", q, err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.ID)
	}
	slices.Sort(out)
	return out
}

func TestTokensSplitHangulIntoBigrams(t *testing.T) {
	got := index.Tokens("당원들의 Youth-Policy 2026년, 청년!")
	// Numbers stay inside their Korean word, and are also tokens alone
	// after the text's bigrams.
	want := []string{"당원", "원들", "들의", "youth", "policy", "2026년", "청년", "2026"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Tokens = %q, want %q", got, want)
	}
	// Bigrams cross a space or a middle dot between Korean words; a
	// one-syllable stem (법은 -> 법, 받았다 -> 받) follows the text's bigrams.
	got = index.Tokens("언론·출판 이 법은 받았다")
	want = []string{"언론", "론출", "출판", "판이", "이", "이법", "법은", "은받", "받았", "았다", "법", "받"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Tokens = %q, want %q", got, want)
	}
	// Decomposed jamo (as macOS types them) fold to the same syllables.
	if got := index.Tokens("\u1103\u1161\u11BC\u110B\u116F\u11AB"); !reflect.DeepEqual(got, []string{"당원"}) {
		t.Fatalf("NFD = %q", got)
	}
}

// searchCases are the queries the live and the rebuilt index must answer
// alike; want lists the expected comment or petition IDs.
var searchCases = []struct {
	name      string
	petitions bool
	q         index.Query
	want      []string
}{
	{"당원 finds 당원이 and 당원들의 (comments)", false, index.Query{Text: "당원"}, []string{"c1"}},
	{"당원 finds 당원들의 and 당원이 (petitions)", true, index.Query{Text: "당원"}, []string{"busan-transit", "party-school", "youth-housing"}},
	{"two-syllable Korean", false, index.Query{Text: "청년"}, []string{"c3", "c4", "c5"}},
	{"one English word, stemmed", true, index.Query{Text: "policy"}, []string{"busan-transit", "youth-housing"}},
	{"English word in comments", false, index.Query{Text: "Policy"}, []string{"c2", "c3"}},
	{"mixed query 청년 policy", false, index.Query{Text: "청년 policy"}, []string{"c3"}},
	{"mixed query on petitions", true, index.Query{Text: "청년 policy"}, []string{"youth-housing"}},
	{"three-syllable word as a phrase", false, index.Query{Text: "출퇴근"}, []string{"c4"}},
	{"filter chapter subtree", false, index.Query{Text: "청년", Chapter: "seoul"}, []string{"c3"}},
	{"filter chapter busan", false, index.Query{Text: "청년", Chapter: "busan"}, []string{"c4", "c5"}},
	{"filter stance", false, index.Query{Text: "청년", Stance: petition.Against}, []string{"c5"}},
	{"filter author", false, index.Query{Author: id(key("park"))}, []string{"c2"}},
	{"filter petition", false, index.Query{Petition: "youth-housing"}, []string{"c1", "c2", "c3"}},
	{"filter category", true, index.Query{Category: "transport"}, []string{"busan-transit"}},
	{"filter state", true, index.Query{State: petition.Collecting, Chapter: "seoul"}, []string{"party-school", "youth-housing"}},
	{"hidden by reports never appears", false, index.Query{Text: "zzqspam"}, nil},
	{"hidden by a moderator never appears", false, index.Query{Text: "zzqrude"}, nil},
	{"deleted never appears", false, index.Query{Text: "zzqgone"}, nil},
	{"edited: new text found", false, index.Query{Text: "zzqsecond"}, []string{"edited"}},
	{"edited: old text gone", false, index.Query{Text: "zzqfirst"}, nil},
	{"relevance within a petition", false, index.Query{Text: "policy", Petition: "youth-housing", Sort: "relevance"}, []string{"c2", "c3"}},
}

func TestSearch(t *testing.T) {
	w := story(t)
	for _, c := range searchCases {
		var got []string
		if c.petitions {
			got = petitionIDs(t, w.live, c.q)
		} else {
			got = commentIDs(t, w.live, c.q)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// Hidden content is not served anywhere, even by ID or in the thread.
	c, vs, err := w.live.GetComment("spam")
	if err != nil || c.Body != "" || !c.Hidden || len(vs) != 0 {
		t.Fatalf("hidden comment served: %+v %v %v", c, vs, err)
	}
	thread, _, err := w.live.Thread("youth-housing", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range thread {
		order = append(order, c.ID)
		if c.ID == "spam" && c.Body != "" {
			t.Fatal("hidden comment's body in the thread")
		}
	}
	if want := []string{"c1", "c2", "c3", "spam"}; !slices.Equal(order, want) {
		t.Fatalf("thread order %v, want %v", order, want)
	}
	// Edit history is served.
	_, vs, _ = w.live.GetComment("edited")
	if len(vs) != 2 || vs[0].Body != "처음 문장 zzqfirst" || vs[1].Body != "고친 문장 zzqsecond" {
		t.Fatalf("versions = %+v", vs)
	}
	// Every hit carries its on-chain reference.
	hits, _, _ := w.live.SearchComments(index.Query{Text: "당원"})
	if r := hits[0].Ref; r.Key != "pet/c/c1" || r.Height == 0 || len(r.Tx) != 64 {
		t.Fatalf("ref = %+v", r)
	}
	// Relevance ranking needs a scope.
	if _, _, err := w.live.SearchComments(index.Query{Text: "policy", Sort: "relevance"}); err == nil {
		t.Fatal("unscoped relevance accepted")
	}

	// A moderator unhides: the comment is searchable again. Hiding the whole
	// petition takes its comments out of the search.
	w.do(key("mod"), petition.TypeUnhide, petition.HideBody{Kind: petition.KindComment, ID: "rude", Reason: petition.ReasonOther})
	if got := commentIDs(t, w.live, index.Query{Text: "zzqrude"}); !slices.Equal(got, []string{"rude"}) {
		t.Fatalf("after unhide: %v", got)
	}
	w.do(key("mod"), petition.TypeHide, petition.HideBody{Kind: petition.KindPetition, ID: "party-school", Reason: petition.ReasonPrivacy})
	if got := commentIDs(t, w.live, index.Query{Text: "zzqrude"}); got != nil {
		t.Fatalf("comment of a hidden petition found: %v", got)
	}
	if got := petitionIDs(t, w.live, index.Query{Text: "교육"}); got != nil {
		t.Fatalf("hidden petition found: %v", got)
	}
	if p, _ := w.live.GetPetition("party-school"); p.Title != "" || !p.Hidden {
		t.Fatalf("hidden petition served: %+v", p)
	}
}

// TestRebuildEqualsLive: an index rebuilt from the same blocks answers every
// query exactly as the one built while the blocks committed.
func TestRebuildEqualsLive(t *testing.T) {
	w := story(t)
	rebuilt := openIndex(t)
	for _, b := range w.blocks {
		if err := rebuilt.ApplyBlock(b); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range searchCases {
		var a, b any
		if c.petitions {
			a, _, _ = w.live.SearchPetitions(c.q)
			b, _, _ = rebuilt.SearchPetitions(c.q)
		} else {
			a, _, _ = w.live.SearchComments(c.q)
			b, _, _ = rebuilt.SearchComments(c.q)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("%s: live %s\nrebuilt %s", c.name, ja, jb)
		}
	}
}

func TestPaginationAndExpiry(t *testing.T) {
	w := story(t)
	for i := 0; i < 7; i++ {
		w.do(key("lee"), petition.TypeComment, petition.CommentBody{ID: "page-" + string(rune('a'+i)), Petition: "youth-housing", Stance: petition.Neutral, Body: "페이지 청년 댓글"})
	}
	all := commentIDs(t, w.live, index.Query{Text: "페이지", Limit: 100})
	var paged []string
	cursor := ""
	for {
		hits, next, err := w.live.SearchComments(index.Query{Text: "페이지", Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range hits {
			paged = append(paged, h.ID)
			if i > 0 && h.CreatedAt > hits[i-1].CreatedAt {
				t.Fatal("not newest first")
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	slices.Sort(paged)
	if !slices.Equal(all, paged) || len(all) != 7 {
		t.Fatalf("paged %v, all %v", paged, all)
	}
	// Thread pages in order.
	var thread []string
	cursor = ""
	for {
		page, next, err := w.live.Thread("youth-housing", cursor, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			thread = append(thread, c.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(thread) != 11 || thread[0] != "c1" || thread[1] != "c2" || thread[2] != "c3" {
		t.Fatalf("thread = %v", thread)
	}
	// The collection window (30 days) passes: petitions read as expired.
	w.now = w.now.Add(31 * 24 * time.Hour)
	w.block()
	if got := petitionIDs(t, w.live, index.Query{State: petition.Expired}); len(got) != 3 {
		t.Fatalf("expired = %v", got)
	}
	if p, _ := w.live.GetPetition("youth-housing"); p.State != petition.Expired {
		t.Fatalf("state = %s", p.State)
	}
	if strings.Contains(strings.Join(petitionIDs(t, w.live, index.Query{State: petition.Collecting}), ","), "youth") {
		t.Fatal("expired petition listed as collecting")
	}
}
