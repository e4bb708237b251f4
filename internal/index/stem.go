package index

import "strings"

// Stripping particles and endings (a compact stand-in for a morphological
// analyzer; see tokenize.go). A Korean word's stem is what is left after
// the longest known particle or verb ending, then a plural 들: 자녀들에게 ->
// 자녀, 개정하려는 -> 개정, 받았다 -> 받. Only a stem of one syllable needs
// care, since a longer stem is matched as the phrase of its bigrams, which
// also matches inside the longer word: the last syllable of many two-syllable
// nouns is also a particle or an ending (국가, 회의, 복지, 위기), so:
//   - the query side strips a one-syllable ending from a two-syllable word
//     only when that ending is rarely the end of a noun (을, 를, 은, 는, 에,
//     다, 와, 들), so 복지 stays 복지;
//   - the index side strips any known ending except from the common nouns in
//     nounsLikeEnding, so 회의 does not become the stem 회.
// Mistakes on the index side cost only the precision of one-syllable
// queries.

// endings maps a particle or ending (as syllables, up to five) to the
// fewest syllables the stem must keep. Its key is an array so that a lookup
// does not build a string.
type ending [5]string

var endings = buildEndings()

func endingOf(list []unit) (ending, bool) {
	var e ending
	if len(list) > len(e) {
		return e, false
	}
	for i, u := range list {
		if u.digits {
			return e, false
		}
		e[i] = u.s
	}
	return e, true
}

func buildEndings() map[ending]int {
	endings := map[ending]int{}
	add := func(min int, list string) {
		for _, e := range strings.Fields(list) {
			var k ending
			for i, r := range []rune(e) {
				k[i] = string(r)
			}
			endings[k] = min
		}
	}
	// Particles (and the copula) after nouns.
	add(1, `이 가 은 는 을 를 의 에 에게 에게서 한테 께 께서 에서 으로 로 으로서 로서 으로써 로써 와 과 도 만 까지 부터 보다 처럼
		마다 조차 마저 밖에 이나 이든 이라도 라도 이란 란 이라는 라는 에는 에도 에서는 에서도 에서의 에게는 에게도 으로는 로는
		으로도 로도 와는 과는 와의 과의 에의 이며 이고 이다 입니다 이었다 이라고 라고 만큼 대로 까지는 부터는 만은 과도 와도
		으로의 로의 에서부터 까지의 보다는 이라면 라면 이지만 이며 이자 이므로 이기에 이어야 이었던 였던 인 일 임`)
	// Endings after a verb or adjective stem.
	add(1, `다 는다 았다 었다 였다 겠다 았었다 었었다 습니다 았습니다 었습니다 였습니다 겠습니다 는 은 을 던 았던 었던
		고 며 으며 면 으면 지 게 기 음 자 도록 아 어 아서 어서 아야 어야 아도 어도 으니 는데 은데 는지 은지 을지 려고 으려고
		려는 으려는 려면 으려면 고자 아요 어요 세요 으세요 십시오 으십시오 았고 었고 았으며 었으며 았지만 었지만 지만 으나
		아야만 어야만 기로 기를 기에 기는 기도 음을 음이 음은 는가 은가 을까 겠고 겠다는 는다는 다는 다고 는다고 았다는 었다는
		았다고 었다고 아라 어라 으라 자는 자고 아서는 어서는 아야지 어야지 아요 기가`)
	// 하다, 되다 and 시키다 verbs: 개정하다, 개정된, 개정시킨.
	add(1, `하다 한다 하는 한 할 하고 하며 하면 하여 해 해서 해야 하지 하게 하기 함 합니다 했다 했습니다 하였다 하였습니다
		하려는 하려고 하려면 하자 하도록 하는데 하여야 했던 하던 하겠다 하겠습니다 하십시오 하세요 해요 했고 했으며 하지만
		하니 할수록 해도 하기로 하기를 하기에 하기는 함을 함이 함은 하는가 한가 할까 한다는 하다는 했다는 한다고 했다고 해주십시오
		해주세요 해주시기 하시기 해야만 하여서 하였고 하였으며 하면서 하므로 하기도 해서는 할지 할것 하자는
		되다 된다 되는 된 될 되고 되며 되면 되어 돼 되어야 돼야 되지 되게 되기 됨 됩니다 됐다 되었다 되었습니다 됐습니다
		되려면 되던 되도록 되었던 됐던 되거나 되어도 돼도 되자 되니 되므로
		시키다 시킨 시키는 시켜 시켰다 시킬 시키고 시키며 시키면 시켜야 시키지 시키기
		스럽다 스러운 스럽게 스러워 롭다 로운 롭게`)
	// Suffixes that need a stem of two syllables (목적 is not 목 + 적).
	add(2, `적 적인 적으로 적이다 적이 적은 적을 적의 적에 화 화를 화가 화의 화한 화된 화하는 화되는 화해야`)
	return endings
}

// safeQuery are the one-syllable endings the query side strips from a
// two-syllable word.
var safeQuery = map[string]bool{"을": true, "를": true, "은": true, "는": true, "에": true, "다": true, "와": true, "들": true}

// nounsLikeEnding are common two-syllable nouns whose last syllable is also
// a particle or an ending; they are never stripped to one syllable.
var nounsLikeEnding = pairs(`
		국가 평가 대가 증가 추가 참가 인가 작가 시가 전가 물가 휴가 부가 단가 지가 고가 저가 원가 주가 정가 가가 개가 
		회의 합의 동의 주의 정의 의의 논의 협의 심의 건의 결의 민의 예의 강의 거의 모의 문의 발의 성의 신의 임의 유의 여의 
		제도 정도 속도 태도 의도 지도 한도 용도 시도 강도 온도 각도 고도 기도 전도 수도 보도 인도 적도 부도 농도 밀도 과도 진도 척도 제도 
		효과 결과 성과 학과 사과 통과 초과 부과 경과 내과 외과 
		불만 미만 오만 자만 기만 천만 백만 
		나이 차이 아이 사이 높이 길이 놀이 오이 구이 
		도로 경로 진로 통로 항로 선로 수로 활로 미로 
		마을 가을 고을 바다 
		복지 의지 토지 정지 부지 거지 유지 지지 요지 취지 처지 잡지 
		위기 시기 경기 공기 무기 전기 동기 주기 인기 용기 초기 장기 단기 후기 상기 분기 연기 
		사고 최고 보고 광고 참고 신고 재고 경고 창고 원고 
		무게 가게 다음 처음 마음 
		투자 환자 학자 기자 부자 남자 여자 의자 적자 흑자 이자 
		단어 언어 영어 국어 용어 
		측면 전면 이면 표면 방면 국면 장면 대면 화면 지면 
		단지 가지 
		기와 지와 
		시도 정도 
		사는 사은`)

var plural = ending{"들"}

func pairs(list string) map[[2]string]bool {
	m := map[[2]string]bool{}
	for _, w := range strings.Fields(list) {
		r := []rune(w)
		m[[2]string{string(r[0]), string(r[1])}] = true
	}
	return m
}

func set(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// heads are one-syllable nouns that end compounds (정당법, 예산안, 소득세,
// 교육비, 선거권): a stem of three or more syllables ending in one is also
// indexed under it (also 받, for 통보받은, 선고받은). Syllables that mostly
// end words as a suffix rather than a noun are left out: 표 (대표, 투표),
// 물 (폐기물), 차 (절차, 격차).
var heads = set(`법 받 안 권 세 비 료 금 값 돈 땅 빚 병 약 책 길 집`)

// stem returns the leading units of a Korean word that remain after its
// particle or ending (query: with the query side's caution).
func stem(us []unit, query bool) []unit {
	n := len(us)
	if n < 2 {
		return us
	}
	cut := n
	for l := min(5, n-1); l >= 1 && cut == n; l-- {
		e, ok := endingOf(us[n-l:])
		if !ok {
			continue
		}
		need, known := endings[e]
		if !known && e != plural {
			continue
		}
		if !known {
			need = 1
		}
		rem := n - l
		if rem < need {
			continue
		}
		if rem == 1 && l == 1 {
			if nounsLikeEnding[[2]string{us[0].s, us[1].s}] || query && !safeQuery[e[0]] {
				continue
			}
		}
		cut = rem
	}
	// A plural before the particle: 자녀들에게 -> 자녀들 -> 자녀.
	if cut >= 2 && cut < n && us[cut-1].s == "들" {
		cut--
	}
	return us[:cut]
}

// uncontract undoes the contraction of a one-syllable verb stem with the
// past tense: 갔 -> 가, 봤 -> 보, 줬 -> 주, 됐 -> 되, 했 -> 하, 졌 -> 지.
// ok is false when s has no final ㅆ or is 있 (whose ㅆ is its own).
func uncontract(s string) (string, bool) {
	r := []rune(s)[0]
	if r < 0xAC00 || r > 0xD7A3 || s == "있" {
		return "", false
	}
	v := r - 0xAC00
	ini, med, fin := v/588, (v%588)/28, v%28
	if fin != 20 { // ㅆ
		return "", false
	}
	switch med {
	case 9: // ㅘ -> ㅗ
		med = 8
	case 14: // ㅝ -> ㅜ
		med = 13
	case 10: // ㅙ -> ㅚ
		med = 11
	case 6: // ㅕ -> ㅣ (졌, 켰, 쳤); 였 stays
		if ini != 11 {
			med = 20
		}
	case 1: // ㅐ -> ㅏ (했 -> 하)
		if ini == 18 {
			med = 0
		}
	}
	return string(0xAC00 + ini*588 + med*28), true
}

// verbForms returns the forms the last syllable of a vowel-final verb stem
// takes before endings: with a final ㄴ, ㄹ, ㅁ, ㅂ or ㅆ (늘린, 늘릴, 늘림,
// 늘립니다, 갔다) and contracted with 어/아 (늘려, 늘렸다, 낮춰, 봐, 돼).
func verbForms(s string) []string {
	r := []rune(s)[0]
	if r < 0xAC00 || r > 0xD7A3 || (r-0xAC00)%28 != 0 || s == "하" {
		return nil
	}
	v := r - 0xAC00
	ini, med := v/588, (v%588)/28
	mk := func(m, f rune) string { return string(0xAC00 + ini*588 + m*28 + f) }
	out := []string{mk(med, 4), mk(med, 8), mk(med, 16), mk(med, 17), mk(med, 20)}
	c := map[rune]rune{20: 6, 13: 14, 8: 9, 18: 4, 11: 10}[med] // ㅣ->ㅕ ㅜ->ㅝ ㅗ->ㅘ ㅡ->ㅓ ㅚ->ㅙ
	if c != 0 {
		out = append(out, mk(c, 0), mk(c, 20))
	}
	return out
}
