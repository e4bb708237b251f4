//go:build !linux

package bench

import "os/exec"

// dieWithParent does nothing here: only Linux can tie a child's life to
// its parent's; the benchmark's deferred Stop ends the node.
func dieWithParent(*exec.Cmd) {}
