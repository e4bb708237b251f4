package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/internal/node"
)

// TestNetworkInitAndConfigMigrate: `pnyx network init HOSTS` writes one
// home per host with the commands to start them, a second run refuses to
// overwrite, a bad hosts file names its line, and `pnyx config migrate`
// finds nothing to change in a home network init wrote.
func TestNetworkInitAndConfigMigrate(t *testing.T) {
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte("hq validator 10.20.0.1\nbusan validator 10.20.0.2\nbusan-s sentry 10.20.1.2 fronts=busan\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "net")
	printed, err := pnyx(t, "network", "init", hosts, "--out", out, "--chain-id", "pnyx-net")
	if err != nil {
		t.Fatalf("%v\n%s", err, printed)
	}
	for _, want := range []string{"wrote 3 homes", "pnyx start --home " + filepath.Join(out, "busan-s") + " --p2p-addr tcp://10.20.1.2:26656"} {
		if !strings.Contains(printed, want) {
			t.Errorf("network init did not print %q:\n%s", want, printed)
		}
	}
	for _, h := range []string{"hq", "busan", "busan-s"} {
		if !node.IsInitialized(filepath.Join(out, h)) {
			t.Errorf("home %s not written", h)
		}
	}
	if _, err := pnyx(t, "network", "init", hosts, "--out", out); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("second network init: %v", err)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("# ok\nhq validator\n"), 0o600)
	if _, err := pnyx(t, "network", "init", bad, "--out", filepath.Join(dir, "bad-net")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad hosts file: %v", err)
	}
	printed, err = pnyx(t, "config", "migrate", "--home", filepath.Join(out, "hq"), "--dry-run")
	if err != nil || !strings.Contains(printed, "up to date") {
		t.Errorf("config migrate of a new network home: %v\n%s", err, printed)
	}
}
