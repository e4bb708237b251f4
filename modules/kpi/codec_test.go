package kpi

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/pnyx-party/pnyx/internal/store"
)

// The stored forms give back what was stored, and their bytes do not
// depend on map order (every node must write the same bytes).
func TestCodecRoundTrip(t *testing.T) {
	tl := Tally{
		C:    map[string]int64{"b": 3, "a": -2},
		D:    map[string]int64{"r": 7},
		U:    map[string]map[int64]int64{"days": {20300201: 1, 20300203: 2}, "months": {203002: 1}},
		Void: map[string]string{"a": "appeal-1"},
		Hist: map[string]histEntry{"member": {Chapter: "gangnam", Bucket: 4}, "other": {Chapter: "seoul", Bucket: 0}},
	}
	raw := encodeTally(tl)
	for i := 0; i < 20; i++ {
		if again := encodeTally(tl); string(again) != string(raw) {
			t.Fatal("a tally encodes to different bytes")
		}
	}
	got, err := decodeTally(raw)
	if err != nil || !reflect.DeepEqual(got, tl) {
		t.Fatalf("tally: got %+v, %v; want %+v", got, err, tl)
	}
	if got, err := decodeTally(encodeTally(Tally{})); err != nil || !reflect.DeepEqual(got, Tally{}) {
		t.Fatalf("empty tally: %+v, %v", got, err)
	}
	if _, err := decodeTally(raw[:len(raw)-1]); err == nil {
		t.Error("a truncated tally decoded")
	}
	if _, err := decodeTally(append(append([]byte{}, raw...), 0)); err == nil {
		t.Error("a tally with trailing bytes decoded")
	}

	ev := "5a0f0e2e7bd0aef0e0fa9b9a17b7f3ad6b6e0e44bb7ad0b5ef4fcd6e2b6f0d1c"
	for _, f := range []Fact{
		{ID: "b1.1", Type: "dues_month", Subject: "m1", Period: "2030-02", Value: 1, Day: 20300201, Evidence: ev,
			Attestor: "m2", Batch: "b1", Status: FactCounted, At: 1896000000, Height: 42},
		{ID: "b1.2", Type: "volunteer_hours", Subject: "m1", Period: "2030-02", Value: 25, Day: 20300203, Evidence: ev,
			Attestor: "m2", Checker: "m3", Batch: "b1", Status: FactRetracted, At: 1, Height: 2, RetractBy: "m3", RetractWhy: 2, RetractAt: 9},
		{ID: "att:c.1", Type: "attendance_self", Subject: "m1", Period: "2030-02", Value: 1, Day: 20300202, Attestor: "assembly", Status: FactPending},
		{ID: "x", Type: "press_coverage", Subject: "seoul", Period: "2030", Value: 3, Evidence: "NOT-HEX", Status: FactCounted},
	} {
		got, err := decodeFact(encodeFact(f), f.ID, f.Subject, f.Period)
		if err != nil || got != f {
			t.Errorf("fact: got %+v, %v; want %+v", got, err, f)
		}
	}
	if n := len(encodeFact(Fact{Type: "dues_month", Value: 1, Day: 20300201, Evidence: ev, Attestor: "m0123456789abcdef0123", Batch: "b123", At: 1896000000, Height: 123456})); n > 100 {
		t.Errorf("an attested fact takes %d bytes", n)
	}
}

// A record keeps its first maxInline facts inline and the rest under keys
// of their own: every fact is found, listed once in ID order, and a changed
// fact (inline or not) replaces the stored one; the tally survives both.
func TestRecordSpills(t *testing.T) {
	kv := store.OpenMemory()
	tl := Tally{C: map[string]int64{"r": 5}}
	putTally(kv, SubjectChapter, "2030-02", "seoul", tl)
	n := maxInline + 5
	for i := 1; i <= n; i++ {
		putFact(kv, SubjectChapter, Fact{ID: fmt.Sprintf("b1.%02d", i), Type: "press_coverage", Subject: "seoul", Period: "2030-02", Value: int64(i), Status: FactCounted})
	}
	if got := GetTally(kv, SubjectChapter, "2030-02", "seoul"); !reflect.DeepEqual(got, tl) {
		t.Fatalf("tally after facts: %+v", got)
	}
	if kv.Get(FactKey(SubjectChapter, "seoul", "2030-02", "b1.01")) != nil {
		t.Error("an early fact has a key of its own")
	}
	if kv.Get(FactKey(SubjectChapter, "seoul", "2030-02", fmt.Sprintf("b1.%02d", n))) == nil {
		t.Error("a fact beyond the inline ones has no key of its own")
	}
	for _, id := range []string{"b1.03", fmt.Sprintf("b1.%02d", n-1)} {
		f, ok := GetFact(kv, SubjectChapter, "seoul", "2030-02", id)
		if !ok {
			t.Fatalf("fact %s not found", id)
		}
		f.Status, f.RetractWhy = FactRetracted, 2
		putFact(kv, SubjectChapter, f)
	}
	putTally(kv, SubjectChapter, "2030-02", "seoul", Tally{C: map[string]int64{"r": 3}})
	fs := Facts(kv, SubjectChapter, "seoul", "2030-02")
	if len(fs) != n {
		t.Fatalf("%d facts listed, want %d", len(fs), n)
	}
	retracted := 0
	for i, f := range fs {
		if want := fmt.Sprintf("b1.%02d", i+1); f.ID != want || f.Value != int64(i+1) {
			t.Errorf("fact %d: %s value %d, want %s", i, f.ID, f.Value, want)
		}
		if f.Status == FactRetracted {
			retracted++
		}
	}
	if retracted != 2 {
		t.Errorf("%d retracted, want 2", retracted)
	}
	if _, ok := GetFact(kv, SubjectChapter, "seoul", "2030-02", "b9.1"); ok {
		t.Error("a fact that was never posted is found")
	}
	if got := GetTally(kv, SubjectChapter, "2030-02", "seoul"); got.C["r"] != 3 {
		t.Errorf("tally after changes: %+v", got)
	}
}
