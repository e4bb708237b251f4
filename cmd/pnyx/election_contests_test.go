package main

import (
	"reflect"
	"strings"
	"testing"

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

func TestParseChoices(t *testing.T) {
	contests := []ballot.Contest{{Title: "Chair", Options: []string{"Kim", "Lee", "Park"}}, {Title: "Council", Options: []string{"Choi", "Jung", "Kang", "Yoon"}}}
	got, err := parseChoices([]string{"2", "0, 3"}, contests)
	if err != nil || !reflect.DeepEqual(got, [][]uint32{{0, 0, 1}, {1, 0, 0, 1}}) {
		t.Fatalf("selections %v, %v", got, err)
	}
	for _, bad := range [][]string{{"1"}, {"1", "4"}, {"-1", "0"}, {"1", "x"}, {"0", "1", "2"}} {
		if _, err := parseChoices(bad, contests); err == nil {
			t.Errorf("choices %v accepted", bad)
		}
	}
}
