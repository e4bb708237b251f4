package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestRegistryProfilesTheTwoTenthsItCompares: with --profile-tenths the
// import's CPU profile comes as two, one per tenth the last line compares,
// each a gzipped profile; the last line still carries every figure.
func TestRegistryProfilesTheTwoTenthsItCompares(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node and registers members")
	}
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	var out bytes.Buffer
	o := RegistryOptions{Members: 5000, InFlight: 2, CPUProfile: prof, ProfileTenths: true}
	if err := Registry(context.Background(), &out, io.Discard, o); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !regexp.MustCompile(`(?m)^members=5000 members_per_s=\d+ cpu_ms_per_member_first=[0-9.]+ cpu_ms_per_member_last=[0-9.]+ rss_mb=\d+ disk_mb=\d+ other_tx_p95_ms=\d+ read_p95_ms=[0-9.]+\n$`).Match(out.Bytes()) {
		t.Fatalf("last line:\n%s", out.String())
	}
	if _, err := os.Stat(prof); err == nil {
		t.Errorf("%s written: the tenths go to .first and .last only", prof)
	}
	for _, f := range []string{prof + ".first", prof + ".last"} {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		z, err := gzip.NewReader(r)
		if err != nil {
			r.Close()
			t.Fatalf("%s: %v", f, err)
		}
		body, err := io.ReadAll(z)
		r.Close()
		if err != nil || len(body) == 0 {
			t.Errorf("%s: %d bytes of profile (%v)", f, len(body), err)
		}
	}
}
