package bench

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/store"
)

// TestKPIHomeIsBuiltAcrossRunsAndKept: with --home, a build cut short by
// --build-for resumes where it stopped on the next run, --build-only stops
// once the registry is complete, and a period run on the kept home leaves
// it as it was (it runs on a copy), ready for the next one.
func TestKPIHomeIsBuiltAcrossRunsAndKept(t *testing.T) {
	home := filepath.Join(t.TempDir(), "kpi")
	// 25,000 members take three blocks of approvals; a budget of 1 ns
	// stops the build after each run's first block.
	o := KPIOptions{Members: 25000, Home: home, BuildFor: time.Nanosecond, Rewards: "none", Reads: 10}
	var regs []int
	for i := 0; i < 3; i++ {
		var out bytes.Buffer
		err := KPI(context.Background(), &out, io.Discard, o)
		h, found, rerr := readKPIHome(home)
		if rerr != nil || !found {
			t.Fatalf("run %d: no home record (%v)", i+1, rerr)
		}
		regs = append(regs, h.Registered)
		if h.Registered < h.Members {
			if err == nil || !strings.Contains(out.String(), "run the same command again") {
				t.Fatalf("run %d stopped at %d members without saying so: %v\n%s", i+1, h.Registered, err, out.String())
			}
			continue
		}
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out.String())
		}
	}
	if regs[0] != 10000 || regs[1] != 20000 || regs[2] != 25000 {
		t.Fatalf("members registered after each run: %v, want [10000 20000 25000]", regs)
	}

	version := func() int64 {
		st, err := store.Open(home)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		return st.Version()
	}
	before, _, _ := readKPIHome(home)
	v := version()
	o.BuildFor, o.Facts = 0, 3000
	var out bytes.Buffer
	if err := KPI(context.Background(), &out, io.Discard, o); err != nil {
		t.Fatalf("period on the kept home: %v\n%s", err, out.String())
	}
	if !regexp.MustCompile(`(?m)^members=25000 facts_per_s=\d+ close_ms=\d+ scorecard_p95_ms=[0-9.]+$`).MatchString(out.String()) {
		t.Fatalf("no summary line:\n%s", out.String())
	}
	after, _, _ := readKPIHome(home)
	if after != before || version() != v {
		t.Fatalf("the period changed the kept home: %+v at %d, then %+v at %d", before, v, after, version())
	}
	if entries, _ := os.ReadDir(filepath.Dir(home)); len(entries) != 1 {
		t.Fatalf("the run's copy was left beside the home: %v", entries)
	}
}

// TestKPIReadsPNYXStoreWithoutStoreFlag: like every command that opens a
// store, bench kpi takes its store options from $PNYX_STORE when --store
// is not given, and --store wins when it is.
func TestKPIReadsPNYXStoreWithoutStoreFlag(t *testing.T) {
	t.Setenv(store.OptionsEnv, "commit=later")
	o := KPIOptions{Members: 10, Home: filepath.Join(t.TempDir(), "kpi"), Rewards: "none", Reads: 1}
	err := KPI(context.Background(), io.Discard, io.Discard, o)
	if err == nil || !strings.Contains(err.Error(), "commit=later") {
		t.Fatalf("$PNYX_STORE=commit=later: %v, want its refusal", err)
	}
	o.Store = "commit=sync"
	o.BuildOnly = true
	if err := KPI(context.Background(), io.Discard, io.Discard, o); err != nil {
		t.Fatalf("--store commit=sync beside a bad $PNYX_STORE: %v", err)
	}
}
