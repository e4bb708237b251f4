package index_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/internal/index"
	"github.com/pnyx-party/pnyx/modules/petition"
	"github.com/pnyx-party/pnyx/tx"
)

// The failure classes of issue 16: each case is a query a member types,
// the passages it must find and those it must not. Passages are comments
// on one petition, indexed the way committed blocks are.

func ev(typ string, kv ...string) []abci.Event {
	e := abci.Event{Type: typ}
	for i := 0; i < len(kv); i += 2 {
		e.Attributes = append(e.Attributes, abci.EventAttribute{Key: kv[i], Value: kv[i+1]})
	}
	return []abci.Event{{Type: "tx"}, e}
}

func mkTx(typ string, body any, n int, events []abci.Event) index.Tx {
	env := &tx.Envelope{ChainID: "pnyx-test", Type: typ, Nonce: uint64(n)}
	env.SetBody(body)
	h := sha256.Sum256(append(env.Body, byte(n), byte(n>>8)))
	return index.Tx{Hash: h[:], Env: env, Events: events}
}

// passages indexes texts as comments c0, c1, … on one petition.
func passages(t *testing.T, texts map[string]string) *index.Index {
	t.Helper()
	x := openIndex(t)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	txs := []index.Tx{mkTx(petition.TypeCreate, petition.CreateBody{ID: "p1", Chapter: "seoul", Category: "law", Title: "검색", Body: "검색 시험"}, 0,
		ev("petition.created", "id", "p1", "state", petition.Collecting, "author", "m1", "scope", "seoul hq"))}
	ids := make([]string, 0, len(texts))
	for id := range texts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		txs = append(txs, mkTx(petition.TypeComment, petition.CommentBody{ID: id, Petition: "p1", Stance: petition.Neutral, Body: texts[id]}, i+1,
			ev("comment.posted", "id", id, "petition", "p1", "author", "m1", "depth", "1", "on_answer", "false")))
	}
	if err := x.Apply(1, start, txs); err != nil {
		t.Fatal(err)
	}
	return x
}

func found(t *testing.T, x *index.Index, q index.Query) []string {
	t.Helper()
	q.Limit = index.MaxLimit
	hits, _, err := x.SearchComments(q)
	if err != nil {
		t.Fatalf("%q: %v", q.Text, err)
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids
}

var classPassages = map[string]string{
	// 1: particles and plurals
	"k1": "자녀의 교육비 부담이 너무 큽니다.",
	"k2": "맞벌이 가정의 자녀에게 돌봄 시간을 보장해야 합니다.",
	"k3": "손자녀와 함께 사는 조부모 가구도 지원 대상입니다.",
	"k4": "국회의원은 임기 중 겸직할 수 없다.",
	"k5": "국회가 의원 정수를 조정한다.",
	// 2: verb endings
	"v1": "이 조례를 개정한 이유는 청년 주거 때문입니다.",
	"v2": "당헌을 개정하려는 움직임에 반대합니다.",
	"v3": "장학금을 받은 학생은 보고서를 낸다.",
	"v4": "지원금을 받았다는 소식을 들었습니다.",
	"v5": "받침 없는 글자는 읽기 쉽다.",
	// 3: spacing and punctuation
	"s1": "근로자 파견 연장에 반대하는 의견입니다.",
	"s2": "모든 국민은 언론·출판의 자유를 가진다.",
	"s3": "파견 근로자의 처우를 개선하고 기간을 연장하지 말아야 합니다.",
	// 4: one syllable
	"o1": "이 법은 공포한 날부터 시행한다.",
	"o2": "법률로 정하는 바에 따른다.",
	"o3": "헌법의 기본 질서를 존중한다.",
	"o4": "정당법 개정이 시급합니다.",
	"o5": "모든 일은 법에 따라 처리한다.",
	// 5: numbers inside Hangul
	"n1": "제3조에 따라 위원회를 둔다.",
	"n2": "제130조의 규정은 삭제한다.",
	"n3": "재적의원 3분의 2 이상의 찬성으로 의결한다.",
	"n4": "2011년에 처음 도입되었습니다.",
	"n5": "2026년 예산안에 반영해야 합니다.",
	"n6": "제2조 제3항의 규정을 준용한다.",
	"n7": "2011 회계연도부터 5년간 적용한다.",
	// 6: operators
	"q1": "초등학교 급식 예산을 늘려야 합니다.",
	"q2": "중학교 급식 질이 낮습니다.",
	"q3": "고등학교 급식도 무상으로 해야 합니다.",
	"q4": "공공 임대 주택을 더 지어야 합니다.",
	"q5": "임대 주택 가운데 공공이 맡을 몫을 늘려야 합니다.",
	"q6": "and or near 같은 영어 단어가 들어간 글.",
	// 7: typos
	"t1": "헌법재판소의 결정을 존중해야 합니다.",
}

// searchClass is one query with what it must and must not find.
type searchClass struct {
	class         int
	q             string
	must, mustNot []string
}

var classCases = []searchClass{
	{1, "자녀를", []string{"k1", "k2"}, nil},
	{1, "국회의원들", []string{"k4"}, []string{"k1"}},
	{2, "개정하다", []string{"v1", "v2"}, []string{"v3"}},
	{2, "받다", []string{"v3", "v4"}, []string{"v5"}},
	{3, "파견연장", []string{"s1"}, []string{"s2"}},
	{3, "언론출판", []string{"s2"}, []string{"s1"}},
	{4, "법", []string{"o1", "o4", "o5"}, []string{"o2", "o3"}},
	{5, "제3조", []string{"n1"}, []string{"n2", "n3", "n6"}},
	{5, "2011년", []string{"n4"}, []string{"n5", "n7"}},
	{6, "급식 -초등학교", []string{"q2", "q3"}, []string{"q1"}},
	{6, "초등학교 OR 중학교", []string{"q1", "q2"}, []string{"q3"}},
	{6, `"공공 임대"`, []string{"q4"}, []string{"q5"}},
	{6, "급식 AND 예산", []string{"q1"}, []string{"q2", "q6"}},
}

func TestSearchFailureClasses(t *testing.T) {
	x := passages(t, classPassages)
	for _, c := range classCases {
		t.Run(fmt.Sprintf("class%d/%s", c.class, c.q), func(t *testing.T) {
			got := found(t, x, index.Query{Text: c.q})
			for _, id := range c.must {
				if !slices.Contains(got, id) {
					t.Errorf("%q missed %s (%s); found %v", c.q, id, classPassages[id], got)
				}
			}
			for _, id := range c.mustNot {
				if slices.Contains(got, id) {
					t.Errorf("%q found %s (%s), which it must not", c.q, id, classPassages[id])
				}
			}
		})
	}
}

// Class 7: a one-syllable typo finds nothing itself, and the index's own
// vocabulary suggests the word that does.
func TestSearchDidYouMean(t *testing.T) {
	x := passages(t, classPassages)
	for _, c := range []struct{ q, want string }{
		{"헌볍재판소", "헌법재판소"},
		{"헌법재판쏘 결정", "헌법재판소 결정"},
	} {
		if got := x.Suggest(c.q); got != c.want {
			t.Errorf("Suggest(%q) = %q, want %q", c.q, got, c.want)
		}
	}
	if got := x.Suggest("헌법재판소"); got != "" {
		t.Errorf("a query that finds something gets no suggestion, got %q", got)
	}
	if got := x.Suggest("퀵퀵퀵"); got != "" {
		t.Errorf("nothing near in the vocabulary: got %q", got)
	}
}

// An index built by an older analyzer (another schema version) is emptied
// at Open, so the node rebuilds it from block 1 with the new tokens.
func TestOldSchemaIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/index.sqlite"
	x, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Apply(1, time.Unix(1_700_000_000, 0), []index.Tx{mkTx(petition.TypeCreate, petition.CreateBody{ID: "p1", Chapter: "seoul", Category: "law", Title: "검색", Body: "본문"}, 0,
		ev("petition.created", "id", "p1", "state", petition.Collecting, "author", "m1", "scope", "seoul hq"))}); err != nil {
		t.Fatal(err)
	}
	x.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE meta SET v='1' WHERE k='schema'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	x, err = index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	p, c, err := x.Counts()
	if err != nil || x.Height() != 0 || p != 0 || c != 0 {
		t.Fatalf("after reopening a schema-1 index: height %d, %d petitions, %d comments, %v", x.Height(), p, c, err)
	}
}

// Hits carry an HTML-escaped snippet with the matches marked, so a member
// sees why a text matched. The cases are testdata/search/snippets.json,
// which the portal's snippet reader (web/test/snippet.test.ts) also reads.
func TestSnippetMarksMatches(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/search/snippets.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct{ Passage, Query, Snippet string }
	}
	if err := json.Unmarshal(raw, &file); err != nil || len(file.Vectors) == 0 {
		t.Fatalf("snippets.json: %v (%d vectors)", err, len(file.Vectors))
	}
	for _, v := range file.Vectors {
		x := passages(t, map[string]string{"a": v.Passage, "z": "이 문장은 아무것도 찾지 않는다."})
		hits, _, err := x.SearchComments(index.Query{Text: v.Query})
		if err != nil || len(hits) != 1 || hits[0].ID != "a" {
			t.Fatalf("%q: %v %v", v.Query, hits, err)
		}
		if hits[0].Snippet != v.Snippet {
			t.Errorf("%q: snippet %q, want %q", v.Query, hits[0].Snippet, v.Snippet)
		}
	}
}
