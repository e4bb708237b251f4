// Package keys keeps Ed25519 signing keys as files in a pnyx home:
// HOME/keys/NAME.json, readable by its owner only (mode 0600). A voter's,
// member's or official's key never leaves the machine that created it; only
// the public key goes on chain.
package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// File is the on-disk form of a key.
type File struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
	Seed      string `json:"seed"` // hex Ed25519 seed: the private key
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Dir is where a home keeps its keys.
func Dir(home string) string { return filepath.Join(home, "keys") }

func path(home, name string) (string, error) {
	if !namePattern.MatchString(name) {
		return "", fmt.Errorf("keys: name %q must be 1-64 of [A-Za-z0-9_.-]", name)
	}
	return filepath.Join(Dir(home), name+".json"), nil
}

// ErrExists is returned when creating a key whose name is taken.
var ErrExists = errors.New("keys: a key with this name exists")

// New creates and stores a fresh key.
func New(home, name string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return priv, Save(home, name, priv)
}

// Save stores key under name, refusing to overwrite.
func Save(home, name string, key ed25519.PrivateKey) error {
	p, err := path(home, name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(Dir(home), 0o700); err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(File{Name: name, PublicKey: hex.EncodeToString(key.Public().(ed25519.PublicKey)), Seed: hex.EncodeToString(key.Seed())}, "", "  ")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%w: %s", ErrExists, name)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(append(raw, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Load reads a key by name.
func Load(home, name string) (ed25519.PrivateKey, error) {
	p, err := path(home, name)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("keys: %w (create it with `pnyx keys new %s`)", err, name)
	}
	var f File
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("keys: %s: %w", p, err)
	}
	seed, err := hex.DecodeString(f.Seed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("keys: %s: bad seed", p)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// List returns the key files in a home, by name.
func List(home string) ([]File, error) {
	entries, err := os.ReadDir(Dir(home))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []File
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		k, err := Load(home, name)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: name, PublicKey: hex.EncodeToString(k.Public().(ed25519.PublicKey))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
