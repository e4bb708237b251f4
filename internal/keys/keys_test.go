package keys

import (
	"errors"
	"os"
	"testing"
)

func TestKeysAreOwnerOnlyAndRoundTrip(t *testing.T) {
	home := t.TempDir()
	k, err := New(home, "admin")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(Dir(home) + "/admin.json")
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", st.Mode().Perm(), err)
	}
	back, err := Load(home, "admin")
	if err != nil || !back.Equal(k) {
		t.Fatalf("load: %v", err)
	}
	if _, err := New(home, "admin"); !errors.Is(err, ErrExists) {
		t.Fatalf("overwrote a key: %v", err)
	}
	if _, err := New(home, "../escape"); err == nil {
		t.Fatal("accepted a path in a key name")
	}
	list, _ := List(home)
	if len(list) != 1 || list[0].Name != "admin" || list[0].Seed != "" {
		t.Fatalf("list = %+v", list)
	}
}
