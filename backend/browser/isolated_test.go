//go:build linux

package browser

import (
	"context"
	"errors"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const launchURL = "http://127.0.0.1:1/signin?ticket=tkt_secret_123"

// fakeBrowser writes a script that stands in for a browser: it records its
// arguments and runs a helper child in its process group, as a browser does.
// body replaces the default "sleep & wait" when set.
func fakeBrowser(t *testing.T, body string) (Browser, string) {
	t.Helper()
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	if body == "" {
		body = "sleep 300 &\nwait\n"
	}
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + argsFile + "\n" + body
	path := filepath.Join(dir, "chromium")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return Browser{Name: "Fake", Path: path}, argsFile
}

func newIsolated(t *testing.T, b Browser) *Isolated {
	t.Helper()
	i := &Isolated{Dir: filepath.Join(t.TempDir(), "browsers"), Grace: 2 * time.Second,
		Find: func() (Browser, bool) { return b, true }}
	// Whatever a failing test leaves running is killed by its profile.
	t.Cleanup(func() {
		dirs, _ := filepath.Glob(filepath.Join(i.Dir, "*-*"))
		for _, d := range dirs {
			for _, pid := range pidsUsing(d) {
				killPID(pid)
			}
		}
	})
	return i
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !waitFor(cond, 10*time.Second) {
		t.Fatalf("timed out waiting until %s", what)
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// pgid reads the process group of pid from /proc/PID/stat.
func pgid(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	g, _ := strconv.Atoi(f[2]) // state, ppid, pgrp
	return g
}

func TestOpenThenCloseRemovesBrowserAndProfile(t *testing.T) {
	b, argsFile := fakeBrowser(t, "")
	iso := newIsolated(t, b)
	if err := iso.Open(context.Background(), "ses_1", launchURL); err != nil {
		t.Fatal(err)
	}
	st, ok, err := iso.State("ses_1")
	if err != nil || !ok {
		t.Fatalf("state: %v %v", ok, err)
	}
	if filepath.Dir(st.Profile) != iso.Dir || !strings.HasPrefix(filepath.Base(st.Profile), "ses_1-") || st.Browser != b.Path {
		t.Fatalf("state = %+v", st)
	}
	if fi, err := os.Stat(st.Profile); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("profile %s: %v %v", st.Profile, fi, err)
	}
	raw, _ := os.ReadFile(iso.statePath("ses_1"))
	if strings.Contains(string(raw), "tkt_secret") || strings.Contains(string(raw), "signin") {
		t.Fatalf("the state file holds the launch URL: %s", raw)
	}
	if fi, _ := os.Stat(iso.statePath("ses_1")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode %v", fi.Mode())
	}
	eventually(t, "the browser got its arguments", func() bool { b, _ := os.ReadFile(argsFile); return len(b) > 0 })
	raw, _ = os.ReadFile(argsFile)
	args := strings.Split(strings.TrimSpace(string(raw)), "\n")
	want := []string{"--user-data-dir=" + st.Profile, "--no-first-run", "--no-default-browser-check", "--new-window"}
	for _, w := range want {
		if !slices.Contains(args, w) {
			t.Errorf("arguments %q lack %q", args, w)
		}
	}
	// The secret URL never reaches the command line: the browser opens a
	// private page in its profile that redirects to it.
	if strings.Contains(string(raw), launchURL) {
		t.Errorf("the launch URL is on the browser's command line: %q", args)
	}
	page := filepath.Join(st.Profile, "guise-launch.html")
	if args[len(args)-1] != "file://"+page {
		t.Errorf("the launch page is not the last argument: %q", args)
	}
	if fi, err := os.Stat(page); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("launch page: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(page); !strings.Contains(string(b), html.EscapeString(launchURL)) {
		t.Errorf("the launch page does not lead to the URL: %s", b)
	}
	if !runs(st.PID, st.Profile) {
		t.Fatal("the browser is not running")
	}
	if g := pgid(t, st.PID); g != st.PID {
		t.Fatalf("the browser is in group %d, not its own (%d): it would die with its launcher", g, st.PID)
	}
	eventually(t, "the helper started", func() bool { return len(pidsUsing(st.Profile)) >= 1 })

	if err := iso.Close("ses_1"); err != nil {
		t.Fatal(err)
	}
	if runs(st.PID, st.Profile) || exists(st.Profile) || exists(iso.statePath("ses_1")) {
		t.Fatalf("after Close: running %v, profile %v, state %v", runs(st.PID, st.Profile), exists(st.Profile), exists(iso.statePath("ses_1")))
	}
	// The helper child was in the group and went with it.
	if m := groupMembers(st.PID); len(m) > 0 {
		t.Fatalf("processes %v of the browser's group survived", m)
	}
	if err := iso.Close("ses_1"); err != nil {
		t.Fatalf("closing again: %v", err)
	}
}

func TestCloseKillsABrowserThatIgnoresTERM(t *testing.T) {
	b, _ := fakeBrowser(t, "trap '' TERM\nsleep 300 &\nwait\n")
	iso := newIsolated(t, b)
	iso.Grace = 300 * time.Millisecond
	if err := iso.Open(context.Background(), "ses_2", launchURL); err != nil {
		t.Fatal(err)
	}
	st, _, _ := iso.State("ses_2")
	eventually(t, "the helper started", func() bool { return len(pidsUsing(st.Profile)) >= 1 })
	if err := iso.Close("ses_2"); err != nil {
		t.Fatal(err)
	}
	if runs(st.PID, st.Profile) || exists(st.Profile) {
		t.Fatal("a browser ignoring SIGTERM survived Close")
	}
}

func TestCloseNeverSignalsAPIDThatIsNotOurBrowser(t *testing.T) {
	iso := newIsolated(t, Browser{})
	other := exec.Command("sleep", "300")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
	profile := filepath.Join(iso.Dir, "ses_3-123")
	if err := os.MkdirAll(profile, 0o700); err != nil {
		t.Fatal(err)
	}
	// The browser died and its pid went to an unrelated process.
	if err := iso.writeState(State{Session: "ses_3", PID: other.Process.Pid, StartedAt: time.Now(), Profile: profile}); err != nil {
		t.Fatal(err)
	}
	if err := iso.Close("ses_3"); err != nil {
		t.Fatal(err)
	}
	if exists(profile) || exists(iso.statePath("ses_3")) {
		t.Fatal("the profile or state of an ended session is still there")
	}
	if !processAlive(other.Process.Pid) {
		t.Fatal("Close signalled a process that was not its browser")
	}
}

// groupMembers lists the live (not zombie) processes of a process group.
func groupMembers(pgid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil || zombie(b) {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, pid)
		}
	}
	return out
}

func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !zombie(b)
}

func TestCloseRefusesAStateNamingAnotherDirectory(t *testing.T) {
	iso := newIsolated(t, Browser{})
	elsewhere := t.TempDir()
	if err := os.MkdirAll(iso.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := iso.writeState(State{Session: "ses_4", PID: 1, Profile: elsewhere}); err != nil {
		t.Fatal(err)
	}
	if err := iso.Close("ses_4"); err == nil {
		t.Fatal("Close accepted a profile outside its directory")
	}
	if !exists(elsewhere) {
		t.Fatal("Close deleted a directory it does not own")
	}
}

func TestSweepClosesOnlyInactiveSessions(t *testing.T) {
	b, _ := fakeBrowser(t, "")
	iso := newIsolated(t, b)
	for _, id := range []string{"ses_live", "ses_dead"} {
		if err := iso.Open(context.Background(), id, launchURL); err != nil {
			t.Fatal(err)
		}
	}
	live, _, _ := iso.State("ses_live")
	dead, _, _ := iso.State("ses_dead")
	// A crash between creating a profile and recording it leaves a bare directory.
	orphan := filepath.Join(iso.Dir, "ses_orphan-42")
	if err := os.MkdirAll(orphan, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := iso.Sweep(func(id string) bool { return id == "ses_live" }); err != nil {
		t.Fatal(err)
	}
	if runs(dead.PID, dead.Profile) || exists(dead.Profile) || exists(iso.statePath("ses_dead")) || exists(orphan) {
		t.Fatal("Sweep left an inactive session's browser or profile")
	}
	if !runs(live.PID, live.Profile) || !exists(live.Profile) {
		t.Fatal("Sweep closed an active session's browser")
	}
	if err := iso.Close("ses_live"); err != nil {
		t.Fatal(err)
	}
	if err := (&Isolated{Dir: filepath.Join(t.TempDir(), "none")}).Sweep(func(string) bool { return false }); err != nil {
		t.Fatalf("sweeping a missing directory: %v", err)
	}
}

func TestOpenRefusesBadInput(t *testing.T) {
	b, _ := fakeBrowser(t, "")
	iso := newIsolated(t, b)
	for _, c := range []struct{ id, url string }{
		{"../etc", launchURL}, {"ses-1", launchURL}, {"", launchURL},
		{"ses_5", "--remote-debugging-port=1"}, {"ses_5", "file:///etc/passwd"},
	} {
		if err := iso.Open(context.Background(), c.id, c.url); err == nil {
			t.Errorf("Open(%q, %q) succeeded", c.id, c.url)
		} else if strings.Contains(err.Error(), "tkt_secret") {
			t.Errorf("the error shows the URL: %v", err)
		}
	}
	if exists(iso.Dir) {
		if e, _ := os.ReadDir(iso.Dir); len(e) > 0 {
			t.Fatalf("refused opens left %v", e)
		}
	}
	none := &Isolated{Dir: t.TempDir(), Find: func() (Browser, bool) { return Browser{}, false }}
	if err := none.Open(context.Background(), "ses_6", launchURL); !errors.Is(err, ErrNoBrowser) {
		t.Fatalf("without a browser: %v", err)
	}
}

func TestOpenFailsCleanlyWhenTheBrowserCannotStart(t *testing.T) {
	iso := newIsolated(t, Browser{Name: "Gone", Path: filepath.Join(t.TempDir(), "nope")})
	err := iso.Open(context.Background(), "ses_7", launchURL)
	if err == nil || strings.Contains(err.Error(), "tkt_secret") {
		t.Fatalf("err = %v", err)
	}
	if e, _ := os.ReadDir(iso.Dir); len(e) > 0 {
		t.Fatalf("a failed open left %v", e)
	}
}

func TestStateRoundTrip(t *testing.T) {
	iso := &Isolated{Dir: t.TempDir()}
	want := State{Session: "ses_8", PID: 4242, StartedAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), Profile: filepath.Join(iso.Dir, "ses_8-1"), Browser: "/usr/bin/chromium"}
	if err := iso.writeState(want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := iso.State("ses_8")
	if err != nil || !ok || got != want {
		t.Fatalf("State = %+v %v %v, want %+v", got, ok, err, want)
	}
	if _, ok, err := iso.State("ses_9"); ok || err != nil {
		t.Fatalf("missing state: %v %v", ok, err)
	}
	if err := os.WriteFile(iso.statePath("ses_9"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := iso.State("ses_9"); err == nil {
		t.Fatal("a corrupt state file read fine")
	}
	if err := iso.Close("ses_9"); err != nil || exists(iso.statePath("ses_9")) {
		t.Fatalf("closing a session with a corrupt state: %v", err)
	}
}

func TestNamesMatchesWholeArguments(t *testing.T) {
	cmd := []byte("/usr/lib/chromium/chromium\x00--user-data-dir=/h/browsers/ses_1-12\x00http://x/")
	if !names(cmd, "/h/browsers/ses_1-12") {
		t.Fatal("the profile flag was not recognised")
	}
	if names(cmd, "/h/browsers/ses_1-1") || names(cmd, "/h/browsers") {
		t.Fatal("a prefix of the profile matched")
	}
	if !names([]byte("firefox\x00-profile\x00/p/ses_1-3\x00-no-remote"), "/p/ses_1-3") {
		t.Fatal("Firefox's -profile DIR was not recognised")
	}
}
