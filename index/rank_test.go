package index

import "testing"

func TestRankBM25PrefersDenserMatches(t *testing.T) {
	cs := []Comment{
		{ID: "newest-weak", Body: "청년 문제도 있지만 다른 이야기가 훨씬 많고 길게 이어지는 댓글입니다 정말 길게"},
		{ID: "both-terms", Body: "청년 housing policies 청년 policy"},
		{ID: "one-term", Body: "policy only"},
		{ID: "none", Body: "관계없는 댓글"},
	}
	rankBM25(cs, "청년 policy")
	got := []string{cs[0].ID, cs[1].ID, cs[3].ID}
	if got[0] != "both-terms" || got[2] != "none" {
		t.Fatalf("order %v", got)
	}
}
