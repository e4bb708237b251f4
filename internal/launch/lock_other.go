//go:build !unix

package launch

// LockFile is not used off Unix, where pnyx takes no home lock.
const LockFile = "pnyx.lock"

// lockHome takes no lock off Unix: the stores' own locks refuse a second
// start there, with a less clear message.
func lockHome(home string) (func(), error) { return func() {}, nil }
