package index

import (
	"slices"
	"testing"
)

func TestRankBM25PrefersDenserMatches(t *testing.T) {
	bodies := []string{
		"청년 문제도 있지만 다른 이야기가 훨씬 많고 길게 이어지는 댓글입니다 정말 길게",
		"청년 housing policies 청년 policy",
		"policy only",
		"관계없는 댓글",
	}
	order := rankBM25(bodies, "청년 policy")
	if order[0] != 1 || order[3] != 3 {
		t.Fatalf("order %v", order)
	}
}

func TestEachTokenMatchesTokens(t *testing.T) {
	for _, s := range []string{"당원들의 Youth-Policy 2026년, 청년!", "a 가 bc 나다 ÉTÉ 東京タワー", "\u1103\u1161\u11BC\u110B\u116F\u11AB", ""} {
		var got []string
		eachToken(s, func(t string) { got = append(got, t) })
		if want := Tokens(s); !slices.Equal(got, want) {
			t.Errorf("%q: eachToken %q, Tokens %q", s, got, want)
		}
	}
}
