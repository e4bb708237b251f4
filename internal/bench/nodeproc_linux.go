package bench

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel stop the node process if the benchmark's
// process dies first (killed, or interrupted before its deferred Stop), so
// no node is left running on a temporary home.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
