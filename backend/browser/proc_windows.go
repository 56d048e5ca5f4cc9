package browser

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// detach starts the browser in a process group of its own, so that it
// outlives the command that launched it.
func detach(cmd *exec.Cmd) {
	const createNewProcessGroup, detachedProcess = 0x00000200, 0x00000008
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: createNewProcessGroup | detachedProcess}
}

// runs reports whether pid is a live process whose command line names profile.
func runs(pid int, profile string) bool {
	if pid <= 0 {
		return false
	}
	q := "(Get-CimInstance Win32_Process -Filter 'ProcessId=" + strconv.Itoa(pid) + "').CommandLine"
	out, err := exec.Command("powershell", "-NoProfile", "-NonInteractive", "-Command", q).Output()
	return err == nil && strings.Contains(string(out), profile)
}

// signalGroup closes the browser and its child processes; force kills them.
func signalGroup(pid int, force bool) error {
	args := []string{"/PID", strconv.Itoa(pid), "/T"}
	if force {
		args = append(args, "/F")
	}
	_ = exec.Command("taskkill", args...).Run() // fails when already gone
	return nil
}

func killPID(pid int) { _ = exec.Command("taskkill", "/PID", strconv.Itoa(pid), "/F").Run() }

func isRoot() bool { return false }

// pidsUsing is empty here: taskkill /T closes the browser's tree.
func pidsUsing(string) []int { return nil }
