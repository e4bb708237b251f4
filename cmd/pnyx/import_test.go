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
