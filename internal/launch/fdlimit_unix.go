//go:build unix

package launch

import "syscall"

// fdLimit is the process's current (soft) limit on open file descriptors,
// or 0 when it cannot be read.
func fdLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	return uint64(l.Cur)
}
