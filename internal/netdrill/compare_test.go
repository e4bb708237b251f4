package netdrill

import "testing"

// TestCompareHashesFindsDivergence: the check behind divergent_heights
// counts only heights two or more homes hold, and counts a height where
// any one home's hash differs; homes that agree give zero.
func TestCompareHashesFindsDivergence(t *testing.T) {
	h := func(s ...string) [][]byte {
		var out [][]byte
		for _, x := range s {
			out = append(out, []byte(x))
		}
		return out
	}
	for _, tc := range []struct {
		name               string
		homes              []storedHashes
		heights, divergent int
	}{
		{"agree", []storedHashes{{1, h("a", "b", "c")}, {1, h("a", "b", "c")}, {1, h("a", "b")}}, 3, 0},
		{"one differs at 2", []storedHashes{{1, h("a", "b", "c")}, {1, h("a", "X", "c")}, {1, h("a", "b", "c")}}, 3, 1},
		{"a lone height is not compared", []storedHashes{{1, h("a", "b", "c", "d")}, {1, h("a", "b")}}, 2, 0},
		{"pruned base", []storedHashes{{3, h("c", "d")}, {1, h("a", "b", "c", "Y")}}, 2, 1},
	} {
		heights, divergent := compareHashes(tc.homes)
		if heights != tc.heights || divergent != tc.divergent {
			t.Errorf("%s: heights=%d divergent=%d, want %d and %d", tc.name, heights, divergent, tc.heights, tc.divergent)
		}
	}
}

// TestAReportWantsTxsCommittedAfterTheRepair: a drill passes only if the
// network lost nothing, kept one history, and took new txs once repaired;
// a network that stays silent after the repair fails even with nothing lost.
func TestAReportWantsTxsCommittedAfterTheRepair(t *testing.T) {
	for _, tc := range []struct {
		r    Report
		want bool
	}{
		{Report{Acknowledged: 40, AfterRepair: 3}, true},
		{Report{Acknowledged: 40, AfterRepair: 0}, false},
		{Report{Acknowledged: 0}, false},
		{Report{Acknowledged: 40, AfterRepair: 3, Lost: 1}, false},
		{Report{Acknowledged: 40, AfterRepair: 3, DivergentHeights: 1}, false},
	} {
		if got := tc.r.OK(); got != tc.want {
			t.Errorf("%s: OK()=%v, want %v", tc.r, got, tc.want)
		}
	}
}
