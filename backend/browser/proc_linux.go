package browser

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runs reports whether pid is a live process (not a zombie) whose command
// line names profile: the check that a recorded pid still is our browser and
// not a process that reused its number.
func runs(pid int, profile string) bool {
	if pid <= 0 {
		return false
	}
	dir := "/proc/" + strconv.Itoa(pid)
	if stat, err := os.ReadFile(dir + "/stat"); err != nil || zombie(stat) {
		return false
	}
	cmdline, err := os.ReadFile(dir + "/cmdline")
	return err == nil && names(cmdline, profile)
}

// zombie reads the state field of /proc/PID/stat, which follows the command
// name in parentheses (a name that may itself hold parentheses).
func zombie(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

// names reports whether one argument of a NUL-separated command line is
// profile, or a flag set to it (--user-data-dir=PROFILE).
func names(cmdline []byte, profile string) bool {
	for _, arg := range strings.Split(string(cmdline), "\x00") {
		if arg == profile || strings.HasSuffix(arg, "="+profile) {
			return true
		}
	}
	return false
}

// pidsUsing lists live processes whose command line names profile: helpers
// a browser started outside its process group, or a browser whose state
// file was never written.
func pidsUsing(profile string) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var out []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err == nil && pid != os.Getpid() && runs(pid, profile) {
			out = append(out, pid)
		}
	}
	return out
}
