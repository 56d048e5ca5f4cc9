package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Options{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), code
}

func TestHelpListsTheCommands(t *testing.T) {
	out, _, code := run(t, "--help", "--home", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, c := range []string{"impersonate", "stop", "sessions", "sync", "users", "env", "agent", "doctor", "version", "demo", "audit"} {
		if !strings.Contains(out, c) {
			t.Errorf("--help does not mention %s", c)
		}
	}
}

func TestVersionPrintsEverything(t *testing.T) {
	out, _, code := run(t, "version", "--json", "--home", t.TempDir())
	var v VersionInfo
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
		t.Fatalf("exit %d: %s", code, out)
	}
	// Test binaries carry no module build info; e2e checks the real binary's Wails version.
	if !strings.HasPrefix(v.Go, "go1.") || v.Wails == "" || v.Version == "" || v.Commit == "" || v.Date == "" {
		t.Fatalf("incomplete: %+v", v)
	}
}

func TestDoctorOnTempHome(t *testing.T) {
	home := filepath.Join(t.TempDir(), "fresh")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	out, _, code := run(t, "doctor", "--json", "--home", home)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	var checks []Check
	if err := json.Unmarshal([]byte(out), &checks); err != nil {
		t.Fatal(err)
	}
	byName := map[string]Check{}
	for _, c := range checks {
		byName[c.Name] = c
	}
	for _, name := range []string{"data directory", "database", "keychain", "browser launcher", "display"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("doctor lacks the %s check", name)
		}
	}
	if !byName["database"].OK || !strings.Contains(byName["database"].Detail, "integrity ok") {
		t.Errorf("database: %+v", byName["database"])
	}
	if byName["keychain"].OK {
		t.Errorf("keychain reported reachable without a session bus")
	}
	if st, err := os.Stat(home); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("home not created 0700: %v %v", st, err)
	}

	// A damaged database fails doctor with a non-zero exit.
	if err := os.WriteFile(filepath.Join(home, "guise.db"), []byte("not a database at all, not even close......................................................................................"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(home, "guise.db-wal"))
	os.Remove(filepath.Join(home, "guise.db-shm"))
	if _, errOut, code := run(t, "doctor", "--home", home); code == 0 || !strings.Contains(errOut, "required checks failed") {
		t.Fatalf("doctor on a damaged database: exit %d, %q", code, errOut)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	home := t.TempDir()
	for _, args := range [][]string{{"nope"}, {"stop"}, {"impersonate"}, {"users", "search"}, {"sync", "--bogus"}} {
		_, errOut, code := run(t, append(args, "--home", home)...)
		if code != ExitUsage || !strings.HasPrefix(errOut, "guise: ") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestHomeResolution(t *testing.T) {
	t.Setenv("GUISE_HOME", "/tmp/from-env")
	if h, _ := ResolveHome(""); h != "/tmp/from-env" {
		t.Errorf("GUISE_HOME: %s", h)
	}
	if h, _ := ResolveHome("/tmp/from-flag"); h != "/tmp/from-flag" {
		t.Errorf("--home: %s", h)
	}
	t.Setenv("GUISE_HOME", "")
	t.Setenv("XDG_CONFIG_HOME", "/tmp/xdg")
	if h, _ := ResolveHome(""); h != "/tmp/xdg/guise" {
		t.Errorf("config dir: %s", h)
	}
}
