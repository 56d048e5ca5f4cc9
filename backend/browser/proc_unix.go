//go:build !windows

package browser

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// detach starts the browser in a session of its own: it outlives the
// command that launched it (`guise impersonate` exits at once), takes no
// hangup from its terminal, and leads a process group that any Guise
// process can close as a whole.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

// signalGroup asks the process group led by pid to quit, or kills it when
// force is set. A group that is already gone is not an error.
func signalGroup(pid int, force bool) error {
	sig := syscall.SIGTERM
	if force {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// killPID kills one process (a straggler that left the group).
func killPID(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }

func isRoot() bool { return os.Geteuid() == 0 }
