package main

import "testing"

// `pnyx start` doubles the runtime's processors unless the operator set
// GOMAXPROCS, which then stands as given.
func TestNodeProcs(t *testing.T) {
	for _, tc := range []struct {
		env         string
		procs, want int
	}{
		{"", 2, 4},
		{"", 1, 2},
		{"", 8, 16},
		{"3", 3, 0},
		{"2", 2, 0},
	} {
		if got := nodeProcs(tc.env, tc.procs); got != tc.want {
			t.Errorf("GOMAXPROCS=%q with %d by default: %d processors, want %d", tc.env, tc.procs, got, tc.want)
		}
	}
}
