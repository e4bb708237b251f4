package kpi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/api"
	"github.com/pnyx-party/pnyx/internal/scenario"
	"github.com/pnyx-party/pnyx/internal/scenario/inproc"
	"github.com/pnyx-party/pnyx/internal/scenario/scenariotest"
	store "github.com/pnyx-party/pnyx/internal/store/kv"
	"github.com/pnyx-party/pnyx/modules/kpi"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
)

// TestRecount recomputes every score from the fact records alone — not from
// the counters the chain keeps — and holds the stored chapter rankings and
// the scorecards the API serves to them. It runs the story, then a second
// period with many members, random facts and retractions.
func TestRecount(t *testing.T) {
	n, err := inproc.Start(inproc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	scenariotest.RunFile(t, "testdata/story.txt", n.Target())
	// A runner of our own (the file's ends with it); names derive the same
	// keys in-process.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := scenario.New(ctx, n.Target())

	// February 2030: 40 more members, random dues, hours, press and
	// meetings, some retracted.
	step := func(cmd, input string) string {
		t.Helper()
		c, args, err := scenario.ParseLine(cmd)
		if err != nil {
			t.Fatal(err)
		}
		out, err := r.Step(scenario.Directive{Pos: "recount", Cmd: c, Args: args, Input: input})
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(out, "error") {
			t.Fatalf("%s\n%s\n→ %s", cmd, input, out)
		}
		return out
	}
	rng := rand.New(rand.NewSource(13))
	var entries []string
	var names []string
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("m%d", i)
		ch := []string{"gangnam$sfx", "jongno$sfx"}[i%2]
		names = append(names, name)
		entries = append(entries, fmt.Sprintf(`{"public_key":"$pub(%s)","chapter":"%s","class":"general"}`, name, ch))
	}
	step("tx admin member/approve", `{"entries":[`+strings.Join(entries, ",")+`]}`)
	var facts []string
	ev := func(s string) string { return "$sha256(" + s + ")" }
	for _, name := range names {
		if rng.Intn(3) > 0 {
			facts = append(facts, fmt.Sprintf(`{"type":"dues_month","subject":"$id(%s)","period":"2030-02","value":1,"day":"","evidence":"%s"}`, name, ev("d"+name)))
		}
		if rng.Intn(2) == 0 {
			facts = append(facts, fmt.Sprintf(`{"type":"volunteer_hours","subject":"$id(%s)","period":"2030-02","value":%d,"day":"2030-02-%02d","evidence":"%s"}`, name, 1+rng.Intn(25), 1+rng.Intn(10), ev("h"+name)))
		}
	}
	for d := 1; d <= 10; d++ {
		ch := []string{"gangnam$sfx", "jongno$sfx"}[rng.Intn(2)]
		facts = append(facts, fmt.Sprintf(`{"type":"press_coverage","subject":"%s","period":"2030-02","value":1,"day":"2030-02-%02d","evidence":"%s"}`, ch, 1+rng.Intn(10), ev(fmt.Sprint("p", d))))
	}
	step("tx att1 kpi/attest", `{"batch":"feb$sfx","facts":[`+strings.Join(facts, ",")+`]}`)
	step("tx att2 kpi/confirm", `{"batch":"feb$sfx"}`)
	for i := 1; i <= len(facts); i += 7 {
		f := facts[i-1]
		kind, subj := "member", ""
		if strings.Contains(f, "press_coverage") {
			kind = "chapter"
			subj = f[strings.Index(f, `"subject":"`)+11:]
			subj = subj[:strings.Index(subj, `"`)]
		} else {
			subj = f[strings.Index(f, `"subject":"`)+11:]
			subj = subj[:strings.Index(subj, `"`)]
		}
		step("tx att2 kpi/retract", fmt.Sprintf(`{"kind":"%s","subject":"%s","period":"2030-02","fact":"feb$sfx.%d","reason":5}`, kind, subj, i))
	}
	if err := n.Advance(20 * 24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	step("tx park kpi/close", `{"period":"2030-02"}`)

	snap, err := n.App().Store().Snapshot(n.App().Store().Version())
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, period := range []string{"2030-01", "2030-02"} {
		span, v, err := kpi.ForPeriod(snap, period)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range v.RuleSet.Scorecards {
			if sc.Subject == kpi.SubjectChapter {
				rk, ok := kpi.GetRanking(snap, period, sc.ID)
				if !ok {
					t.Fatalf("%s: no ranking of %s", period, sc.ID)
				}
				var want []kpi.RankEntry
				for _, c := range org.Subtree(snap, org.Root(snap)) {
					if sc.Level == "" || c.Level == sc.Level {
						total, heavy := recount(t, snap, sc, span, kpi.SubjectChapter, c.ID)
						want = append(want, kpi.RankEntry{Chapter: c.ID, ScoreBP: total, Heaviest: heavy})
					}
				}
				sort.Slice(want, func(i, j int) bool {
					a, b := want[i], want[j]
					if a.ScoreBP != b.ScoreBP {
						return a.ScoreBP > b.ScoreBP
					}
					if a.Heaviest != b.Heaviest {
						return a.Heaviest > b.Heaviest
					}
					return a.Chapter < b.Chapter
				})
				if len(want) != len(rk.Entries) {
					t.Fatalf("%s %s: %d ranked, recount ranks %d", period, sc.ID, len(rk.Entries), len(want))
				}
				for i := range want {
					if got := rk.Entries[i]; got.Chapter != want[i].Chapter || got.ScoreBP != want[i].ScoreBP || got.Rank != i+1 {
						t.Errorf("%s %s place %d: stored %+v, recount %+v", period, sc.ID, i+1, got, want[i])
					}
					checked++
				}
				continue
			}
			// Every member's served scorecard, read as an official.
			for _, id := range membersOf(snap) {
				var card api.KPICard
				path := "/v1/kpi/periods/" + period + "/scorecards/" + sc.ID + "/members/" + id
				if err := r.Client().Get(context.Background(), path, r.Key("admin"), &card); err != nil {
					t.Fatal(err)
				}
				want, _ := recount(t, snap, sc, span, kpi.SubjectMember, id)
				if card.ScoreBP != want {
					t.Errorf("%s %s member %s: served %d, recount %d", period, sc.ID, id, card.ScoreBP, want)
				}
				checked++
			}
		}
	}
	// The histograms: every member's recounted score in its tenth, merged
	// upward into buckets of at least 10, as served.
	split := 0
	for _, ch := range []string{"gangnam" + inproc.Suffix, "jongno" + inproc.Suffix} {
		span, v, _ := kpi.ForPeriod(snap, "2030-02")
		sc := v.RuleSet.Scorecards[0]
		var raw [10]int64
		for _, id := range membersOf(snap) {
			m, _ := members.Get(snap, id)
			if m.Chapter != ch || m.Status != members.Active {
				continue
			}
			total, _ := recount(t, snap, sc, span, kpi.SubjectMember, id)
			raw[min(total/1000, 9)]++
		}
		var want []kpi.Bucket
		cur := kpi.Bucket{}
		for b := 0; b < 10; b++ {
			cur.Members += raw[b]
			cur.ToBP = int64(b+1)*1000 - 1
			if cur.Members >= kpi.MinBucket {
				want = append(want, cur)
				cur = kpi.Bucket{FromBP: int64(b+1) * 1000}
			}
		}
		if len(want) > 0 {
			want[len(want)-1].Members += cur.Members
			want[len(want)-1].ToBP = 10000
		}
		var got api.KPIHistogram
		if err := r.Client().Get(context.Background(), "/v1/kpi/periods/2030-02/histograms/"+sc.ID+"/"+ch, nil, &got); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got.Buckets) != fmt.Sprint(want) {
			t.Errorf("%s: served histogram %v, recount %v", ch, got.Buckets, want)
		}
		if len(want) >= 2 {
			split++
		}
		for _, b := range got.Buckets {
			if b.Members < kpi.MinBucket {
				t.Errorf("%s: a bucket of %d members was published", ch, b.Members)
			}
		}
	}
	if split == 0 {
		t.Errorf("no histogram has two buckets: the test proves little")
	}
	if checked < 80 {
		t.Fatalf("recounted only %d scores", checked)
	}
}

func membersOf(kv store.Reader) []string {
	var out []string
	kv.Iterate(members.MemberKey(""), func(k, _ []byte) bool {
		out = append(out, strings.TrimPrefix(string(k), string(members.MemberKey(""))))
		return true
	})
	return out
}

// recount scores a subject from its fact records, the registry and the
// appeal decisions, with none of the module's counters.
func recount(t *testing.T, kv store.Reader, sc kpi.Scorecard, span kpi.Span, kind, subj string) (total, heaviest int64) {
	t.Helper()
	facts := kpi.Facts(kv, kind, subj, span.ID)
	voided := map[string]bool{}
	kv.Iterate(kpi.AppealKey(""), func(_, v []byte) bool {
		var a kpi.Appeal
		json.Unmarshal(v, &a)
		if a.Outcome == kpi.AppealVoided && a.Subject == subj && a.Period == span.ID {
			voided[a.Rule] = true
		}
		return true
	})
	var num, den int64
	heavy := -1
	for i, r := range sc.Rules {
		if heavy < 0 || r.WeightBP > sc.Rules[heavy].WeightBP {
			heavy = i
		}
	}
	for i, r := range sc.Rules {
		var val, numer, denom int64
		days := map[int64]bool{}
		for _, f := range facts {
			if f.Status != kpi.FactCounted || f.Value < r.Filter.MinValue || (r.Filter.MaxValue != 0 && f.Value > r.Filter.MaxValue) {
				continue
			}
			for _, d := range r.Denominator {
				if f.Type == d {
					denom += f.Value
				}
			}
			counted := false
			for _, x := range r.Facts {
				counted = counted || x == f.Type
			}
			if !counted {
				continue
			}
			switch r.Aggregation {
			case kpi.AggSum, kpi.AggRatio:
				numer += f.Value
			case kpi.AggDistinctDays:
				days[f.Day] = true
			case kpi.AggDistinctMonths:
				days[f.Day/100] = true
			default:
				numer++
			}
		}
		switch r.Aggregation {
		case kpi.AggDistinctDays, kpi.AggDistinctMonths:
			val = int64(len(days))
		case kpi.AggYesNo:
			if numer > 0 {
				val = 1
			}
		case kpi.AggRatio:
			if denom >= max(r.MinDenom, 1) {
				val = numer * 10000 / denom
			}
		case kpi.AggStreak:
			t.Fatalf("the recount does not model streaks")
		default:
			val = numer
		}
		if r.Facts[0] == "recruit_retained" {
			val = retainedFromRegistry(kv, subj, span, r.Months)
		}
		var s int64
		if r.Scoring == kpi.ScoreBands {
			for _, b := range r.Bands {
				if val >= b.Min {
					s = b.ScoreBP
				}
			}
		} else {
			s = min(val, r.Target) * 10000 / r.Target
		}
		applies := r.Scope == (kpi.Scope{}) // the story's rules have no scope
		if applies && !voided[r.ID] {
			num += s * r.WeightBP
			den += r.WeightBP
			if i == heavy {
				heaviest = s * r.WeightBP / 10000
			}
		}
	}
	if den == 0 {
		return 0, heaviest
	}
	return num / den, heaviest
}

// retainedFromRegistry counts the chapter's members who joined after the
// rules came into force, in the months M before the period, and stayed
// active M whole months.
func retainedFromRegistry(kv store.Reader, ch string, span kpi.Span, months int) int64 {
	first := kpi.Versions(kv)[0].EffectiveStart
	var n int64
	for _, id := range membersOf(kv) {
		m, _ := members.Get(kv, id)
		if m.Chapter != ch || m.JoinedAt < first {
			continue
		}
		joined := time.Unix(m.JoinedAt, 0).In(kpi.KST)
		anniversary := joined.AddDate(0, months, 0).Unix()
		joinMonth := time.Date(joined.Year(), joined.Month(), 1, 0, 0, 0, 0, kpi.KST).AddDate(0, months, 0).Unix()
		if joinMonth < span.Start || joinMonth >= span.End {
			continue
		}
		if m.Status == members.Active || m.StatusSince >= anniversary {
			n++
		}
	}
	return n
}
