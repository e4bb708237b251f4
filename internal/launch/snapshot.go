package launch

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pnyx-party/pnyx/internal/node"
	"github.com/pnyx-party/pnyx/internal/store"
)

// SnapshotFormat names the archive layout ExportSnapshot writes.
const SnapshotFormat = "pnyx-snapshot/v1"

// Manifest is the first entry of a snapshot archive.
type Manifest struct {
	Format  string `json:"format"`
	ChainID string `json:"chain_id"`
	Height  int64  `json:"height"`
	// AppHash is the state's root hash after Height; SignedAppHash the one
	// after Height-1, as the header of Height — signed by validators with
	// more than 2/3 of the power — carries it.
	AppHash       string `json:"app_hash"`
	SignedAppHash string `json:"signed_app_hash"`
	// GenesisSHA256 is the hash of genesis.json; a snapshot restores only
	// into a home with the same genesis.
	GenesisSHA256 string `json:"genesis_sha256"`
}

// signingState is the validator's last-signed height, round and step: a
// snapshot never carries it and a restore never writes it, since an older
// one would let a validator sign twice at a height it signed already.
const signingState = "priv_validator_state.json"

// walDir is the consensus write-ahead log: this node's own messages for
// the height in progress, not part of the chain.
const walDir = "data/cs.wal/"

// ExportSnapshot writes a stopped home's chain data — blocks, state, the
// application's state tree, the tx lookup, blobs and index — as a gzipped
// tar to w, after checking it (checkHome): the last header is signed by
// 2/3 of its validators and the state tree's hashes are the ones the
// stores and that header name. It never includes the validator's signing
// state, keys or config besides genesis.json.
func ExportSnapshot(home string, w io.Writer) (Manifest, error) {
	unlock, err := lockHome(home)
	if err != nil {
		return Manifest{}, err
	}
	defer unlock()
	m, err := checkHome(home)
	if err != nil {
		return Manifest{}, err
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	mb, _ := json.MarshalIndent(m, "", " ")
	if err := tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o600, Size: int64(len(mb)), Typeflag: tar.TypeReg}); err != nil {
		return m, err
	}
	if _, err := tw.Write(mb); err != nil {
		return m, err
	}
	add := func(path, name string) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: info.Size(), Typeflag: tar.TypeReg, ModTime: info.ModTime()}); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	}
	if err := add(genesisPath(home), "config/genesis.json"); err != nil {
		return m, err
	}
	data := filepath.Join(home, "data")
	err = filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(home, path)
		if d.Name() == signingState || d.Name() == LockFile || !d.Type().IsRegular() || strings.HasPrefix(filepath.ToSlash(rel), walDir) {
			return nil
		}
		return add(path, filepath.ToSlash(rel))
	})
	if err != nil {
		return m, fmt.Errorf("launch: snapshot: %w", err)
	}
	if err := tw.Close(); err != nil {
		return m, err
	}
	return m, gz.Close()
}

// RestoreSnapshot unpacks a snapshot into home, which must be initialized
// (its own node and validator keys) with the same genesis and hold no
// blocks yet. Its own signing state is kept. The restored stores are then
// checked as ExportSnapshot checks them and against the manifest; on any
// failure the restored data is removed again and home is as it was.
func RestoreSnapshot(r io.Reader, home string) (Manifest, error) {
	if !node.IsInitialized(home) {
		return Manifest{}, fmt.Errorf("launch: %s is not initialized: run pnyx init (it makes this node's own keys), put the network's genesis.json in place, then restore", home)
	}
	unlock, err := lockHome(home)
	if err != nil {
		return Manifest{}, err
	}
	defer unlock()
	if n, err := node.BlockCount(home); err != nil {
		return Manifest{}, err
	} else if n > 0 {
		return Manifest{}, fmt.Errorf("launch: %s holds %d blocks already; restore only into a home that never ran", home, n)
	}
	gen, err := os.ReadFile(genesisPath(home))
	if err != nil {
		return Manifest{}, err
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return Manifest{}, fmt.Errorf("launch: snapshot: %w", err)
	}
	tr := tar.NewReader(gz)
	hd, err := tr.Next()
	if err != nil || hd.Name != "manifest.json" {
		return Manifest{}, errors.New("launch: snapshot: the archive does not start with manifest.json")
	}
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(tr, 1<<16)).Decode(&m); err != nil || m.Format != SnapshotFormat {
		return Manifest{}, fmt.Errorf("launch: snapshot: manifest is not %s (%v)", SnapshotFormat, err)
	}
	if sum := sha256.Sum256(gen); hex.EncodeToString(sum[:]) != m.GenesisSHA256 {
		return m, fmt.Errorf("launch: snapshot of chain %s has another genesis than %s (sha256 %s, this home's %x)", m.ChainID, home, m.GenesisSHA256, sum)
	}
	data := filepath.Join(home, "data")
	tmp, err := os.MkdirTemp(home, "restore-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(tmp)
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("launch: snapshot: %w", err)
		}
		name := filepath.FromSlash(hd.Name)
		if hd.Typeflag != tar.TypeReg || !filepath.IsLocal(name) {
			return m, fmt.Errorf("launch: snapshot: refusing entry %q", hd.Name)
		}
		rel, inData := strings.CutPrefix(name, "data"+string(filepath.Separator))
		switch {
		case name == filepath.Join("config", "genesis.json"):
			b, err := io.ReadAll(tr)
			if err != nil {
				return m, err
			}
			if !bytes.Equal(b, gen) {
				return m, errors.New("launch: snapshot: its genesis.json is not the one its manifest names")
			}
			continue
		case !inData || filepath.Base(rel) == signingState || filepath.Base(rel) == LockFile:
			return m, fmt.Errorf("launch: snapshot: unexpected entry %q", hd.Name)
		}
		dst := filepath.Join(tmp, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return m, err
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return m, err
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return m, fmt.Errorf("launch: snapshot: %s: %w", hd.Name, err)
		}
	}
	// Replace what a home that never ran may hold (empty stores opened by
	// BlockCount) with the restored entries; keep the signing state.
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return m, err
	}
	var moved []string
	undo := func() {
		for _, p := range moved {
			os.RemoveAll(p)
		}
	}
	for _, e := range entries {
		dst := filepath.Join(data, e.Name())
		if err := os.RemoveAll(dst); err != nil {
			undo()
			return m, err
		}
		if err := os.Rename(filepath.Join(tmp, e.Name()), dst); err != nil {
			undo()
			return m, err
		}
		moved = append(moved, dst)
	}
	got, err := checkHome(home)
	if err == nil && got != m {
		err = fmt.Errorf("launch: snapshot: the restored stores are at height %d with app hash %s, the manifest says %d and %s", got.Height, got.AppHash, m.Height, m.AppHash)
	}
	if err != nil {
		undo()
		return m, err
	}
	return m, nil
}

// checkHome checks a stopped home's stores (node.CheckStores) and that its
// state tree holds the version they name, with the app hash the node
// computed and, one version earlier, the one the signed header carries.
func checkHome(home string) (Manifest, error) {
	head, err := node.CheckStores(home)
	if err != nil {
		return Manifest{}, err
	}
	st, err := store.Open(StateDir(home))
	if err != nil {
		return Manifest{}, err
	}
	defer st.Close()
	if v := st.Version(); v != head.Height {
		return Manifest{}, fmt.Errorf("launch: the state tree is at version %d, the chain at %d", v, head.Height)
	}
	for _, c := range []struct {
		v    int64
		want []byte
	}{{head.Height, head.AppHash}, {head.Height - 1, head.SignedAppHash}} {
		sn, err := st.Snapshot(c.v)
		if err != nil {
			return Manifest{}, fmt.Errorf("launch: state version %d: %w", c.v, err)
		}
		if !bytes.Equal(sn.Hash(), c.want) {
			return Manifest{}, fmt.Errorf("launch: state version %d hashes to %X, the chain says %X", c.v, sn.Hash(), c.want)
		}
	}
	gen, err := os.ReadFile(genesisPath(home))
	if err != nil {
		return Manifest{}, err
	}
	sum := sha256.Sum256(gen)
	return Manifest{Format: SnapshotFormat, ChainID: head.ChainID, Height: head.Height,
		AppHash: hex.EncodeToString(head.AppHash), SignedAppHash: hex.EncodeToString(head.SignedAppHash),
		GenesisSHA256: hex.EncodeToString(sum[:])}, nil
}

func genesisPath(home string) string { return filepath.Join(home, "config", "genesis.json") }
