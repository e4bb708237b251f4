package validator

import (
	"slices"
	"testing"

	"github.com/pnyx-party/pnyx/internal/store"
)

// Two changes in block 12 and one in block 5 are two handoffs, in order of
// height, whatever else the module keeps beside them.
func TestChangeHeightsListsEachChangedBlockOnce(t *testing.T) {
	s := store.OpenMemory()
	a, b := "aa", "bb"
	for _, k := range []string{atKey(12, a), atKey(12, b), atKey(5, a), atKey(100, b)} {
		s.Set([]byte(k), []byte("10"))
	}
	s.Set([]byte(recordKey(a)), []byte(`{}`))
	s.Set([]byte(usedKey("council.1", 2)), []byte(a))
	if got, want := ChangeHeights(s), []int64{5, 12, 100}; !slices.Equal(got, want) {
		t.Fatalf("ChangeHeights = %v, want %v", got, want)
	}
	if got := ChangeHeights(store.OpenMemory()); len(got) != 0 {
		t.Fatalf("no changes: %v", got)
	}
}
