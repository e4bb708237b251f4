package main

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/election/ballot"
	"github.com/pnyx-party/pnyx/modules/election"
)

func TestParseContests(t *testing.T) {
	got, err := parseContests([]string{"Chair=Kim, Lee,Park", "Supreme council=Choi,Jung,Kang,Yoon@2"}, "ignored", "", 1)
	want := []election.ContestSpec{
		{Title: "Chair", SelectionLimit: 1, OptionLimit: 1, Options: []string{"Kim", "Lee", "Park"}},
		{Title: "Supreme council", SelectionLimit: 2, OptionLimit: 1, Options: []string{"Choi", "Jung", "Kang", "Yoon"}},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("contests %+v, %v", got, err)
	}
	// --options is the one-contest shorthand.
	got, err = parseContests(nil, "Chair", "Kim,Lee", 1)
	if err != nil || !reflect.DeepEqual(got, []election.ContestSpec{{Title: "Chair", SelectionLimit: 1, OptionLimit: 1, Options: []string{"Kim", "Lee"}}}) {
		t.Fatalf("shorthand %+v, %v", got, err)
	}
	for _, bad := range []struct {
		specs   []string
		options string
		says    string
	}{
		{nil, "", "give the options"},
		{[]string{"Chair=Kim"}, "Kim,Lee", "not both"},
		{[]string{"Kim,Lee"}, "", "TITLE="},
		{[]string{"=Kim,Lee"}, "", "TITLE="},
		{[]string{"Council=Kim,Lee@x"}, "", "not a number"},
		{[]string{"Council=Kim,Lee@0"}, "", "not a number"},
	} {
		if _, err := parseContests(bad.specs, "T", bad.options, 1); err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%v %q: error %v, want one saying %q", bad.specs, bad.options, err, bad.says)
		}
	}
}

// TestParseChoicesCountFromOneOrByText: --choice names options as a
// person does, by number from 1 or by text; 0, numbers past the last
// option, unknown texts, an option twice and a wrong number of contests are
// refused.
func TestParseChoicesCountFromOneOrByText(t *testing.T) {
	contests := []ballot.Contest{{Title: "Chair", Options: []string{"Kim", "Lee", "Park"}}, {Title: "Council", Options: []string{"Choi", "Jung", "Kang", "Yoon"}}}
	for _, ok := range [][]string{{"3", "1, 4"}, {"Park", "Choi,Yoon"}, {"park", "1,yoon"}} {
		got, err := parseChoices(ok, contests)
		if err != nil || !reflect.DeepEqual(got, [][]uint32{{0, 0, 1}, {1, 0, 0, 1}}) {
			t.Fatalf("choices %q: selections %v, %v", ok, got, err)
		}
	}
	for _, bad := range [][]string{{"1"}, {"0", "1"}, {"1", "5"}, {"-1", "1"}, {"1", "x"}, {"Kim", "Choi,choi"}, {"1", "2", "3"}} {
		if _, err := parseChoices(bad, contests); err == nil {
			t.Errorf("choices %v accepted", bad)
		}
	}
	// An option whose text is another option's number is ambiguous.
	odd := []ballot.Contest{{Title: "Odd", Options: []string{"2", "Kim"}}}
	if _, err := parseChoices([]string{"2"}, odd); err == nil || !strings.Contains(err.Error(), "name another way") {
		t.Fatalf("ambiguous choice: %v", err)
	}
	if got, err := parseChoices([]string{"1"}, odd); err != nil || !reflect.DeepEqual(got, [][]uint32{{1, 0}}) {
		t.Fatalf("option 1 whose text is 2: %v %v", got, err)
	}
}

// TestScheduleIsShownAndReadInKST: deadlines print as KST dates, and a KST
// date given to a schedule flag is the same instant.
func TestScheduleIsShownAndReadInKST(t *testing.T) {
	const noonKST = 1764558000 // 2025-12-01 03:00:00 UTC
	if got := kstDate(noonKST); got != "2025-12-01 12:00:00 KST" {
		t.Fatalf("kstDate = %q", got)
	}
	now := time.Unix(0, 0)
	for _, v := range []string{"2025-12-01 12:00", "2025-12-01T12:00:00", "2025-12-01T03:00:00Z", "1764558000"} {
		if got, err := parseWhenFlag(v, now); err != nil || got != noonKST {
			t.Errorf("parseWhenFlag(%q) = %d, %v", v, got, err)
		}
	}
	if got, err := parseWhenFlag("+90s", now); err != nil || got != 90 {
		t.Errorf("+90s = %d, %v", got, err)
	}
	if _, err := parseWhenFlag("tomorrow", now); err == nil {
		t.Error("a word was taken for a time")
	}
}

// TestResultsPrintWithOptionNames: published results print per contest,
// each count beside its option's number and name.
func TestResultsPrintWithOptionNames(t *testing.T) {
	m := &ballot.Manifest{Title: "Congress", Contests: []ballot.Contest{
		{Title: "Chair", SelectionLimit: 1, OptionLimit: 1, Options: []string{"Kim", "Lee"}},
		{Title: "Council", SelectionLimit: 2, OptionLimit: 1, Options: []string{"Choi", "Jung", "Kang"}}}}
	e := &election.Election{ID: "c", Manifest: hex.EncodeToString(m.Encode())}
	var out bytes.Buffer
	if err := printResults(&out, e, &election.Tally{Cast: 3, Counted: 3, Results: [][]uint64{{2, 1}, {0, 3, 3}}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Chair (choose 1)", "1. Kim", "2. Lee", "Council (choose 2)", "2. Jung"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("results lack %q:\n%s", want, out.String())
		}
	}
	if !regexp.MustCompile(`(?m)^\s+1\. Kim\s+2$`).MatchString(out.String()) || !regexp.MustCompile(`(?m)^\s+1\. Choi\s+0$`).MatchString(out.String()) {
		t.Fatalf("counts not beside their options:\n%s", out.String())
	}
	if err := printResults(&out, e, &election.Tally{Results: [][]uint64{{2, 1}}}); err == nil {
		t.Fatal("results of one contest printed against a manifest of two")
	}
}
