package index

import (
	"testing"
)

func TestRankBM25PrefersDenserMatches(t *testing.T) {
	bodies := []string{
		"청년 문제도 있지만 다른 이야기가 훨씬 많고 길게 이어지는 댓글입니다 정말 길게",
		"청년 housing policies 청년 policy",
		"policy only",
		"관계없는 댓글",
	}
	order := rankBM25(bodies, parseQuery("청년 policy").tokens())
	if order[0] != 1 || order[3] != 3 {
		t.Fatalf("order %v", order)
	}
}
