package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/client"
	"github.com/pnyx-party/pnyx/internal/keys"
	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/modules/members"
)

// TestBulkImportFromCSV: a registrar imports 1,200 members from CSV in one
// command; all appear in the chapter's register, with progress shown.
func TestBulkImportFromCSV(t *testing.T) {
	home, r := startNode(t, "pnyx-import", launch.Quiet())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const n = 1200
	var csv strings.Builder
	csv.WriteString("public_key,chapter,class\n")
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		seed := make([]byte, ed25519.SeedSize)
		copy(seed, fmt.Sprintf("import-%d", i))
		pub := hex.EncodeToString(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
		class := "general"
		if i%10 == 0 {
			class = "responsible"
		}
		fmt.Fprintf(&csv, "%s,hq,%s\n", pub, class)
		want[members.DeriveID(pub)] = true
	}
	file := filepath.Join(t.TempDir(), "members.csv")
	os.WriteFile(file, []byte(csv.String()), 0o600)

	out, err := pnyx(t, "--home", home, "--api", r.APIURL, "member", "import", file)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if !strings.Contains(out, fmt.Sprintf("%d/%d (100%%)", n, n)) || !strings.Contains(out, fmt.Sprintf("imported %d members", n)) {
		t.Fatalf("no progress or summary:\n%s", out)
	}

	// Page through the register as the admin.
	admin, _ := keys.Load(home, launch.AdminKeyName)
	c := client.New(r.APIURL)
	found := 0
	after := ""
	for {
		var page struct {
			Members   []members.Member `json:"members"`
			NextAfter string           `json:"next_after"`
		}
		if err := c.Get(ctx, "/v1/chapters/hq/members?limit=500&after="+after, admin, &page); err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Members {
			if want[m.ID] {
				found++
			}
		}
		if page.NextAfter == "" {
			break
		}
		after = page.NextAfter
	}
	if found != n {
		t.Fatalf("found %d of %d imported members", found, n)
	}

	// A bad row stops the import with its line numbers and a stable code.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("public_key,chapter,class\nzz,hq,general\n"), 0o600)
	if out, err := pnyx(t, "--home", home, "--api", r.APIURL, "member", "import", bad); err == nil || !strings.Contains(err.Error(), "lines 2-2") {
		t.Fatalf("bad CSV: %v\n%s", err, out)
	}
}

// importCSVRows writes a public_key CSV of members from..to-1 (keys derived
// from tag) and returns its path and their member IDs.
func importCSVRows(t *testing.T, dir, name, tag string, from, to int) (string, []string) {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("public_key,chapter,class\n")
	var ids []string
	for i := from; i < to; i++ {
		seed := make([]byte, ed25519.SeedSize)
		copy(seed, fmt.Sprintf("%s-%d", tag, i))
		pub := hex.EncodeToString(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
		fmt.Fprintf(&csv, "%s,hq,general\n", pub)
		ids = append(ids, members.DeriveID(pub))
	}
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file, ids
}

// Issue 12 finding 9: an interrupted import could not resume. A rerun now
// skips the rows its progress file says are on chain, looks up the batch
// that was in flight and drops rows already members, and sends the rest;
// a progress file of another CSV is refused. (Before, the rerun sent rows
// 1-500 again and failed on them with "exists already".)
func TestImportResumesAfterInterruption(t *testing.T) {
	home, r := startNode(t, "pnyx-import-resume", launch.Quiet())
	dir := t.TempDir()
	// Rows 1-1000 reached the chain before the interruption; the progress
	// file had recorded 1-500 as committed and 501-1000 as in flight.
	part, _ := importCSVRows(t, dir, "part.csv", "resume", 0, 1000)
	if out, err := pnyx(t, "--home", home, "--api", r.APIURL, "member", "import", part); err != nil {
		t.Fatalf("first part: %v\n%s", err, out)
	}
	if _, err := os.Stat(part + ".progress"); !os.IsNotExist(err) {
		t.Fatalf("a complete import leaves its progress file: %v", err)
	}
	full, ids := importCSVRows(t, dir, "full.csv", "resume", 0, 1200)
	first, _ := os.ReadFile(full)
	firstRow := strings.Split(string(first), "\n")[1]
	prog := fmt.Sprintf(`{"first_row":%q,"rows":1200,"done":500,"in_flight":[{"lo":500,"hi":1000,"tx":%q}]}`, firstRow, strings.Repeat("ab", 32))
	os.WriteFile(full+".progress", []byte(prog), 0o600)

	out, err := pnyx(t, "--home", home, "--api", r.APIURL, "member", "import", "--in-flight", "2", full)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if !strings.Contains(out, "imported 200 members") || !strings.Contains(out, "1000 rows were on chain already") {
		t.Fatalf("resume did not send exactly the last 200 rows:\n%s", out)
	}
	admin, _ := keys.Load(home, launch.AdminKeyName)
	c := client.New(r.APIURL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, i := range []int{0, 499, 500, 999, 1000, 1199} {
		var m members.Member
		if err := c.Get(ctx, "/v1/members/"+ids[i], admin, &m); err != nil {
			t.Fatalf("row %d's member: %v", i+1, err)
		}
	}

	// A progress file is not applied to another CSV.
	other, _ := importCSVRows(t, dir, "other.csv", "other", 0, 10)
	os.WriteFile(other+".progress", []byte(prog), 0o600)
	if out, err := pnyx(t, "--home", home, "--api", r.APIURL, "member", "import", other); err == nil || !strings.Contains(err.Error(), "belongs to another CSV") {
		t.Fatalf("progress file of another CSV: %v\n%s", err, out)
	}
}

// A failing batch stops the import with its rows, what is on chain, and a
// progress file from which a corrected CSV resumes.
func TestImportReportsRowsAndResumesAfterAFix(t *testing.T) {
	home, r := startNode(t, "pnyx-import-fix", launch.Quiet())
	dir := t.TempDir()
	file, _ := importCSVRows(t, dir, "m.csv", "fix", 0, 1100)
	good, _ := os.ReadFile(file)
	lines := strings.Split(string(good), "\n")
	saved := lines[701]
	lines[701] = "zz,hq,general" // row 701, line 702
	os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o600)
	out, err := pnyx(t, "--home", home, "--api", r.APIURL, "member", "import", file)
	if err == nil || !strings.Contains(err.Error(), "rows 501-1000 (lines 502-1001)") || !strings.Contains(err.Error(), "rows 1-500 are on chain") {
		t.Fatalf("bad row: %v\n%s", err, out)
	}
	lines[701] = saved
	os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o600)
	out, err = pnyx(t, "--home", home, "--api", r.APIURL, "member", "import", file)
	if err != nil || !strings.Contains(out, "imported 600 members") {
		t.Fatalf("resume after the fix: %v\n%s", err, out)
	}
}
