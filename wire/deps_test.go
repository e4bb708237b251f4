package wire_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// goTool finds the go command of the toolchain running the test.
func goTool(t *testing.T) string {
	t.Helper()
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	t.Skip("the go tool is not available")
	return ""
}

// deps lists the packages pkgs link, as go list -deps reports them.
func deps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	cmd := exec.Command(goTool(t), append([]string{"list", "-deps"}, pkgs...)...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %v: %v", pkgs, err)
	}
	return strings.Fields(string(out))
}

// forbidden reports the packages of list that contain any of the words.
func forbidden(list []string, words ...string) []string {
	var bad []string
	for _, p := range list {
		for _, w := range words {
			if strings.Contains(p, w) {
				bad = append(bad, p)
				break
			}
		}
	}
	return bad
}

// The public surface stays small: a program that talks to a node links
// neither CometBFT's node nor SQLite nor the state tree, and an auditor who
// verifies a proof or a certificate offline links no state tree.
func TestPublicPackagesLinkNoServer(t *testing.T) {
	heavy := []string{"github.com/cometbft/cometbft/node", "sqlite", "cosmos/iavl", "goleveldb"}

	client := deps(t, "./client", "./wire")
	if bad := forbidden(client, append(heavy, "github.com/cometbft/", "pnyx-party/pnyx/internal/", "pnyx-party/pnyx/chain", "pnyx-party/pnyx/modules/")...); len(bad) > 0 {
		t.Errorf("client links server packages: %v", bad)
	}
	// The standard library and pnyx's own light packages, nothing more.
	for _, p := range client {
		if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") && !strings.HasPrefix(p, "github.com/pnyx-party/pnyx/") {
			t.Errorf("client links third-party package %s", p)
		}
	}

	if bad := forbidden(deps(t, "./proof", "./certificate"), heavy...); len(bad) > 0 {
		t.Errorf("proof and certificate link server packages: %v", bad)
	}
}
