//go:build !linux && !windows

package browser

import (
	"os/exec"
	"strconv"
	"strings"
)

// runs reports whether pid is a live process (not a zombie) whose command
// line names profile. Without /proc, ps tells; the profile is a unique
// random path, so finding it in the command line is enough.
func runs(pid int, profile string) bool {
	if pid <= 0 {
		return false
	}
	out, err := exec.Command("ps", "-p", strconv.Itoa(pid), "-o", "stat=", "-o", "command=").Output()
	s := strings.TrimSpace(string(out))
	return err == nil && s != "" && !strings.HasPrefix(s, "Z") && strings.Contains(s, profile)
}

// pidsUsing is empty here: the process group holds the browser's helpers.
func pidsUsing(string) []int { return nil }
