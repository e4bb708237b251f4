//go:build unix

package launch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockFile is HOME/data/pnyx.lock: a running pnyx holds an exclusive flock
// on it and writes its process ID there. The kernel drops the lock when the
// process exits, however it exits, so a stale file never blocks a start.
const LockFile = "pnyx.lock"

// lockHome takes home's lock or says who holds it.
func lockHome(home string) (unlock func(), err error) {
	dir := filepath.Join(home, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("launch: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another pnyx"
			if b, _ := os.ReadFile(path); len(strings.TrimSpace(string(b))) > 0 {
				holder += " (process " + strings.TrimSpace(string(b)) + ")"
			}
			return nil, fmt.Errorf("launch: home %s is in use by %s; stop it first (lock %s)", home, holder, path)
		}
		return nil, fmt.Errorf("launch: lock %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
