// Package corpus generates realistic, deterministic petitions and comments in
// mixed Korean and English for search tests and benchmarks.
//
// The same seed always yields the same text. Words follow a Zipf-like
// distribution (a few topics dominate, as in real party debate), Korean
// nouns carry particles and endings (당원이, 당원들의, 청년에게), and a share of
// sentences mixes in English words or is entirely English, as members write:
//
//	g := corpus.New(42)
//	title, body := g.Petition()
//	text := g.Comment()
package corpus

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Korean nouns of party debate, most frequent first.
var nounsKO = []string{
	"청년", "당원", "주거", "일자리", "예산", "공천", "교육", "복지", "교통", "환경",
	"지역", "정책", "세금", "의료", "보육", "노인", "최저임금", "부동산", "전세", "월세",
	"대중교통", "지하철", "버스", "요금", "안전", "경찰", "소방", "농업", "어업", "에너지",
	"원전", "탄소중립", "디지털", "플랫폼", "노동자", "임금", "연금", "저출생", "육아휴직", "공공임대",
	"청약", "재개발", "재건축", "교통체증", "미세먼지", "기후위기", "재난", "지방소멸", "균형발전", "수도권",
	"당헌", "당규", "경선", "후보", "투표", "여론조사", "대의원", "당비", "시도당", "당원협의회",
	"국회의원", "지방의회", "구청장", "시장", "도지사", "공약", "이행", "감사", "투명성", "회계",
	"장애인", "이동권", "다문화", "외국인", "병역", "군복무", "학자금", "등록금", "대학", "입시",
	"사교육", "학교폭력", "교권", "돌봄", "어린이집", "유치원", "소상공인", "자영업", "골목상권", "전통시장",
	"물가", "금리", "가계부채", "반도체", "스타트업", "규제", "혁신", "관광", "문화", "체육",
}

// Particles after a noun ending in a consonant (받침) and after a vowel.
var (
	particlesC = []string{"", "", "이", "은", "을", "의", "에", "에게", "과", "들의", "들이", "들은", "으로", "에서", "도", "만", "까지"}
	particlesV = []string{"", "", "가", "는", "를", "의", "에", "에게", "와", "들의", "들이", "들은", "로", "에서", "도", "만", "까지"}
)

// batchim reports whether a Hangul word ends in a final consonant.
func batchim(w string) bool {
	r := []rune(w)
	last := r[len(r)-1]
	return last >= 0xAC00 && last <= 0xD7A3 && (last-0xAC00)%28 != 0
}

var endings = []string{
	"필요합니다", "해야 합니다", "확대해야 합니다", "개선되어야 합니다", "검토해 주십시오", "반대합니다", "찬성합니다",
	"바랍니다", "시급합니다", "재검토가 필요합니다", "지원을 늘려 주세요", "문제가 심각합니다", "대책을 마련해야 합니다",
	"투명하게 공개해야 합니다", "논의가 부족합니다", "동의합니다", "우려됩니다", "환영합니다",
}

var adverbsKO = []string{"반드시", "조속히", "더", "적극적으로", "신중하게", "당장", "지금", "특히", "실제로", "오히려"}

var nounsEN = []string{
	"policy", "budget", "housing", "youth", "jobs", "transparency", "reform", "primary", "candidate", "nomination",
	"climate", "transit", "childcare", "pension", "tax", "digital", "platform", "union", "wage", "rent",
	"members", "party", "election", "vote", "pledge", "audit", "funding", "plan", "data", "accountability",
}

var verbsEN = []string{"needs", "deserves", "requires", "lacks", "ignores", "supports", "undermines", "improves"}
var adjEN = []string{"more", "better", "fair", "clear", "urgent", "transparent", "local", "public", "affordable", "serious"}

var categories = []string{"youth", "housing", "jobs", "welfare", "education", "transport", "environment", "party", "nomination", "local", "economy", "health"}

// Gen generates text; it is not safe for concurrent use.
type Gen struct {
	r *rand.Rand
}

// New returns a generator for seed.
func New(seed uint64) *Gen { return &Gen{r: rand.New(rand.NewPCG(seed, 0x706e7978))} }

// Intn returns a deterministic number in [0, n).
func (g *Gen) Intn(n int) int { return g.r.IntN(n) }

func (g *Gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// zipf picks an index in [0, n) with weight about 1/(rank+1): the inverse
// CDF of a continuous 1/x on [1, n+1] is (n+1)^u.
func (g *Gen) zipf(n int) int {
	i := int(math.Pow(float64(n+1), g.r.Float64())) - 1
	return min(max(i, 0), n-1)
}

func (g *Gen) noun() string { return nounsKO[g.zipf(len(nounsKO))] }
func (g *Gen) eng() string  { return nounsEN[g.zipf(len(nounsEN))] }

func (g *Gen) wordKO() string {
	n := g.noun()
	if batchim(n) {
		return n + g.pick(particlesC)
	}
	return n + g.pick(particlesV)
}

// sentence writes one sentence: Korean (60%), Korean with English words
// (25%) or English (15%).
func (g *Gen) sentence() string {
	var b strings.Builder
	switch k := g.r.IntN(100); {
	case k < 10:
		return g.ruleSentence()
	case k < 60:
		n := 2 + g.r.IntN(4)
		for i := 0; i < n; i++ {
			b.WriteString(g.wordKO())
			b.WriteByte(' ')
			if g.r.IntN(5) == 0 {
				b.WriteString(g.pick(adverbsKO) + " ")
			}
		}
		b.WriteString(g.pick(endings) + ".")
	case k < 85:
		n := 2 + g.r.IntN(3)
		for i := 0; i < n; i++ {
			if g.r.IntN(3) == 0 {
				b.WriteString(g.eng() + " ")
			} else {
				b.WriteString(g.wordKO() + " ")
			}
		}
		b.WriteString(g.eng() + g.pick([]string{"가 ", "를 ", "에 대해 ", " "}) + g.pick(endings) + ".")
	default:
		w := g.pick(adjEN)
		b.WriteString("The " + g.eng() + " " + g.pick(verbsEN) + " " + w + " " + g.eng())
		if g.r.IntN(2) == 0 {
			b.WriteString(" for " + g.eng())
		}
		b.WriteString(".")
	}
	return b.String()
}

// One-syllable nouns, verb stems and the endings they take, for sentences
// in the style of rules and of members citing them.
var (
	shortNouns = []string{"법", "세", "돈", "집", "빚", "땅", "표", "약", "병", "길"}
	verbs      = []string{"개정하", "지원하", "보장하", "공개하", "폐지하", "받", "늘리", "낮추", "줄이", "바꾸"}
	verbEnds   = map[bool][]string{ // by whether the stem ends in a consonant
		true:  {"았다", "은", "는", "을", "아야 합니다", "지 않았습니다", "으려는"},
		false: {"ㄴ다", "는", "려는", "었다", "어야 합니다", "지 않았습니다", "기로 했습니다"},
	}
)

// ruleSentence writes a sentence that cites an article or a year, or uses
// a one-syllable noun, with a verb in one of its forms (10% of sentences).
func (g *Gen) ruleSentence() string {
	v := g.pick(verbs)
	ends := verbEnds[batchim(v)]
	e := g.pick(ends)
	verb := v + e
	switch {
	case e == "ㄴ다": // 하 + ㄴ다 -> 한다
		r := []rune(v)
		r[len(r)-1] += 4
		verb = string(r) + "다"
	case e == "었다" && strings.HasSuffix(v, "하"):
		verb = strings.TrimSuffix(v, "하") + "했다"
	case e == "어야 합니다" && strings.HasSuffix(v, "하"):
		verb = strings.TrimSuffix(v, "하") + "해야 합니다"
	}
	n := g.shortNoun()
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("제%d조에 따라 %s %s %s.", 1+g.zipf(150), g.wordKO(), n, verb)
	case 1:
		return fmt.Sprintf("%d년 %s %s %s.", 2000+g.r.IntN(28), g.wordKO(), n, verb)
	case 2:
		return fmt.Sprintf("%s %s %d분의 %d 이상 %s.", g.wordKO(), n, 2+g.r.IntN(3), 1+g.r.IntN(2), verb)
	}
	return fmt.Sprintf("이 %s %s %s.", n, g.wordKO(), verb)
}

func (g *Gen) shortNoun() string {
	n := g.pick(shortNouns)
	if batchim(n) {
		return n + g.pick(particlesC)
	}
	return n + g.pick(particlesV)
}

// Comment returns a comment of one to four sentences.
func (g *Gen) Comment() string {
	n := 1 + g.r.IntN(4)
	s := make([]string, n)
	for i := range s {
		s[i] = g.sentence()
	}
	return strings.Join(s, " ")
}

// Petition returns a title and a body of three to eight sentences.
func (g *Gen) Petition() (title, body string) {
	switch g.r.IntN(3) {
	case 0:
		title = g.noun() + " " + g.noun() + " " + g.pick([]string{"확대", "개선", "폐지", "도입", "지원", "재검토"}) + "를 요구합니다"
	case 1:
		title = g.noun() + g.pick([]string{"을 위한 ", "에 대한 ", " 관련 "}) + g.eng() + " " + g.pick([]string{"개혁", "제안", "청원"})
	default:
		title = "Petition: " + g.pick(adjEN) + " " + g.eng() + " " + g.eng()
	}
	n := 3 + g.r.IntN(6)
	s := make([]string, n)
	for i := range s {
		s[i] = g.sentence()
	}
	return title, strings.Join(s, "\n")
}

// Category returns a petition category.
func (g *Gen) Category() string { return categories[g.zipf(len(categories))] }

// Stance returns for, neutral or against (for is most common).
func (g *Gen) Stance() string {
	switch k := g.r.IntN(10); {
	case k < 5:
		return "for"
	case k < 7:
		return "neutral"
	}
	return "against"
}
