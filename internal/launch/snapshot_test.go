package launch_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pnyx-party/pnyx/internal/launch"
	"github.com/pnyx-party/pnyx/internal/node"
)

// TestSnapshotExportRestore: a stopped home's snapshot carries its chain
// data but no signing state; it restores into a fresh home with the same
// genesis, which then serves the same height and app hash and keeps its
// own signing state. Export refuses a running home; restore refuses a
// home that already has blocks, another genesis, and an archive whose
// manifest disagrees with its stores (the restore is then undone).
func TestSnapshotExportRestore(t *testing.T) {
	src := initHome(t)
	r, err := launch.Start(src, launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy()})
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, r, 5, 30*time.Second)
	if _, err := launch.ExportSnapshot(src, io.Discard); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("export of a running home: %v", err)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	m, err := launch.ExportSnapshot(src, &archive)
	if err != nil {
		t.Fatal(err)
	}
	if m.Height < 5 || m.ChainID != "pnyx-launch" {
		t.Fatalf("manifest %+v", m)
	}
	names := tarNames(t, archive.Bytes())
	for _, n := range names {
		if strings.Contains(n, "priv_validator") || strings.Contains(n, "cs.wal") || strings.HasPrefix(n, "keys/") {
			t.Errorf("the snapshot carries %s", n)
		}
	}

	fresh := func() string {
		h := initHome(t)
		gen, _ := os.ReadFile(filepath.Join(src, "config", "genesis.json"))
		if err := os.WriteFile(filepath.Join(h, "config", "genesis.json"), gen, 0o600); err != nil {
			t.Fatal(err)
		}
		return h
	}
	dst := fresh()
	stateFile := filepath.Join(dst, "data", "priv_validator_state.json")
	before, _ := os.ReadFile(stateFile)
	got, err := launch.RestoreSnapshot(bytes.NewReader(archive.Bytes()), dst)
	if err != nil {
		t.Fatal(err)
	}
	if got != m {
		t.Fatalf("restored %+v, exported %+v", got, m)
	}
	if after, _ := os.ReadFile(stateFile); !bytes.Equal(after, before) {
		t.Error("the restore changed the home's own signing state")
	}
	head, err := node.CheckStores(dst)
	if err != nil || head.Height != m.Height {
		t.Fatalf("restored stores: %+v %v", head, err)
	}
	// The restored node starts and serves the snapshot's height. (Its key
	// is not a validator's, and the one validator is stopped, so it stays.)
	r, err = launch.Start(dst, launch.Options{APIAddr: "127.0.0.1:0", Node: quietBusy()})
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Node.Status()
	r.Stop()
	if err != nil || st.Height != m.Height {
		t.Fatalf("restored node at %d (%v), want %d", st.Height, err, m.Height)
	}

	if _, err := launch.RestoreSnapshot(bytes.NewReader(archive.Bytes()), dst); err == nil || !strings.Contains(err.Error(), "holds") {
		t.Errorf("restore over blocks: %v", err)
	}
	if _, err := launch.RestoreSnapshot(bytes.NewReader(archive.Bytes()), initHome(t)); err == nil || !strings.Contains(err.Error(), "another genesis") {
		t.Errorf("restore into another chain: %v", err)
	}
	// A manifest naming another app hash: the stores are checked against
	// it and the restore is undone.
	bad := fresh()
	tampered := rewriteManifest(t, archive.Bytes(), func(m *launch.Manifest) { m.AppHash = strings.Repeat("00", 32) })
	if _, err := launch.RestoreSnapshot(bytes.NewReader(tampered), bad); err == nil || !strings.Contains(err.Error(), "manifest says") {
		t.Errorf("tampered manifest: %v", err)
	}
	if n, err := node.BlockCount(bad); err != nil || n != 0 {
		t.Errorf("after a refused restore the home holds %d blocks (%v)", n, err)
	}
}

func tarNames(t *testing.T, archive []byte) []string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hd.Name)
	}
}

func rewriteManifest(t *testing.T, archive []byte, f func(*launch.Manifest)) []byte {
	t.Helper()
	gz, _ := gzip.NewReader(bytes.NewReader(archive))
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			break
		}
		b, _ := io.ReadAll(tr)
		if hd.Name == "manifest.json" {
			var m launch.Manifest
			json.Unmarshal(b, &m)
			f(&m)
			b, _ = json.Marshal(m)
			hd.Size = int64(len(b))
		}
		tw.WriteHeader(hd)
		tw.Write(b)
	}
	tw.Close()
	gw.Close()
	return out.Bytes()
}
