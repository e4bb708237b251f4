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

// TestNetworkInitFillsBlobPeers: every home network init writes names
// other nodes' APIs as its blob peers — in the printed start command and
// in HOME/pnyx.default for the systemd unit — so documents reach every
// node of a real deployment (before, no home had any, and blobs stayed on
// the node they were uploaded to). A validator behind a sentry asks its
// sentry first and is nobody's peer; no host is its own peer; each has
// --blob-peers of them.
func TestNetworkInitFillsBlobPeers(t *testing.T) {
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte("hq validator 10.20.0.1\nseoul validator 10.20.0.2\nseoul-s sentry 10.20.1.2 fronts=seoul\nbusan validator 10.20.0.3\napi-1 replica 10.20.2.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "net")
	printed, err := pnyx(t, "network", "init", hosts, "--out", out, "--blob-peers", "2")
	if err != nil {
		t.Fatalf("%v\n%s", err, printed)
	}
	// network init's own default API address: the test binds nothing, it
	// reads what network init printed and wrote.
	api := func(ip string) string { return strings.ReplaceAll(DefaultPeerAPI, "{ip}", ip) }
	apiAddr := func(ip string) string { return strings.TrimPrefix(api(ip), "http://") }
	want := map[string][]string{
		"hq":      {api("10.20.1.2"), api("10.20.0.3")}, // seoul is behind its sentry
		"seoul":   {api("10.20.1.2"), api("10.20.0.3")}, // its sentry first
		"seoul-s": {api("10.20.0.3"), api("10.20.2.1")},
		"busan":   {api("10.20.2.1"), api("10.20.0.1")},
		"api-1":   {api("10.20.0.1"), api("10.20.1.2")},
	}
	ips := map[string]string{"hq": "10.20.0.1", "seoul": "10.20.0.2", "seoul-s": "10.20.1.2", "busan": "10.20.0.3", "api-1": "10.20.2.1"}
	for name, peers := range want {
		var flags []string
		for _, p := range peers {
			flags = append(flags, "--blob-peer "+p)
		}
		home := filepath.Join(out, name)
		line := "pnyx start --home " + home + " --p2p-addr tcp://" + ips[name] + ":26656 --api-addr " + apiAddr(ips[name]) + " " + strings.Join(flags, " ") + "\n"
		if !strings.Contains(printed, line) {
			t.Errorf("network init did not print for %s:\n%s\ngot:\n%s", name, line, printed)
		}
		env, err := os.ReadFile(filepath.Join(home, "pnyx.default"))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []string{"PNYX_P2P_IP=" + ips[name] + "\n", "PNYX_BLOB_PEERS=" + strings.Join(flags, " ") + "\n"} {
			if !strings.Contains(string(env), l) {
				t.Errorf("%s/pnyx.default lacks %q:\n%s", name, l, env)
			}
		}
	}
	// Behind TLS proxies: --api-url names them, and the API stays where
	// the operator puts it (no --api-addr); --blob-peers 0 gives none.
	printed, err = pnyx(t, "network", "init", hosts, "--out", filepath.Join(dir, "tls"), "--api-url", "https://api.{name}.example")
	if err != nil {
		t.Fatal(err)
	}
	if line := "--p2p-addr tcp://10.20.0.3:26656 --blob-peer https://api.api-1.example --blob-peer https://api.hq.example --blob-peer https://api.seoul-s.example\n"; !strings.Contains(printed, line) {
		t.Errorf("with --api-url, busan's line lacks %q:\n%s", line, printed)
	}
	printed, err = pnyx(t, "network", "init", hosts, "--out", filepath.Join(dir, "none"), "--blob-peers", "0")
	if err != nil || strings.Contains(printed, "--blob-peer") {
		t.Errorf("--blob-peers 0: %v\n%s", err, printed)
	}
}
