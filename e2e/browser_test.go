//go:build e2e

package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chromiumUsing lists live processes whose command line holds substr, with
// their first argument: the browsers running on a profile.
func chromiumUsing(substr string) map[int]string {
	out := map[int]string{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == os.Getpid() {
			continue
		}
		stat, err := os.ReadFile(d + "/stat")
		if i := strings.LastIndexByte(string(stat), ')'); err != nil || i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' {
			continue
		}
		cmd, err := os.ReadFile(d + "/cmdline")
		if err == nil && strings.Contains(string(cmd), substr) {
			out[pid] = strings.SplitN(string(cmd), "\x00", 2)[0]
		}
	}
	return out
}

// holds turns a condition into poll's form.
func holds(cond func() bool) func() error {
	return func() error {
		if cond() {
			return nil
		}
		return errors.New("not yet")
	}
}

// waitChromium waits until the real Chromium (the /usr/bin/chromium script
// execs it) runs on profile and has started writing it: the CLI that
// launched it has exited by then.
func waitChromium(t *testing.T, profile string) {
	t.Helper()
	flag := "--user-data-dir=" + profile
	poll(t, 20*time.Second, "Chromium runs with "+flag, holds(func() bool {
		for _, exe := range chromiumUsing(flag) {
			if exe == "/usr/lib/chromium/chromium" {
				return true
			}
		}
		return false
	}))
	poll(t, 20*time.Second, "Chromium writes "+profile, holds(func() bool {
		_, err := os.Stat(filepath.Join(profile, "Local State"))
		return err == nil
	}))
}

// TestIsolatedBrowserWithDebianChromium opens an impersonation in a real
// Chromium with a profile of its own, through the CLI, and closes it with
// `guise stop` from another process: the browser quits and its profile goes.
func TestIsolatedBrowserWithDebianChromium(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("no DISPLAY: run this under xvfb-run (make test-e2e)")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Fatalf("Debian's Chromium is not installed (make deps installs it): %v", err)
	}
	g := newGuise(t)
	browsers := filepath.Join(g.home, "browsers")
	// Whatever happens, no Chromium of this test outlives it.
	t.Cleanup(func() {
		for pid := range chromiumUsing(browsers + string(filepath.Separator)) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	addr, key := freeAddr(t), "demo_sk_e2e_browser_"+strconv.FormatInt(time.Now().UnixNano(), 10)
	g.startDemo(addr, key)
	secret := []string{"GUISE_SECRET_SHOP=" + key}
	g.ok(secret, "env", "add", "shop", "--provider", "demo", "--base-url", "http://"+addr)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")
	g.ok(secret, "sync", "--env", "shop")
	var all []user
	g.json(&all, nil, "users", "search", "", "--env", "shop", "--limit", "1000", "--json")
	member := pick(t, all, "active member with one org", func(u user) bool { return u.Role == "member" && u.Status == "active" && len(u.Orgs) == 1 })
	other := pick(t, all, "another active member with one org", func(u user) bool {
		return u.Role == "member" && u.Status == "active" && len(u.Orgs) == 1 && u.ID != member.ID
	})

	var info struct{ Mode, Isolated string }
	g.json(&info, nil, "browser", "show", "--json")
	if info.Mode != "system" {
		t.Fatalf("default browser setting: %+v", info)
	}
	if out := g.ok(nil, "browser", "set", "isolated"); !strings.Contains(out, "isolated profile of Chromium (/usr/bin/chromium)") {
		t.Fatalf("browser set isolated: %s", out)
	}
	if r := g.run(nil, "browser", "set", "firefox-please"); r.code != 2 {
		t.Fatalf("a bad mode: exit %d %s", r.code, r.stderr)
	}

	r := g.run(secret, "impersonate", member.ID, "--env", "shop", "--reason", "Customer cannot see the March invoices", "--json")
	if r.code != 0 || strings.TrimSpace(r.stderr) != "" {
		t.Fatalf("impersonate: exit %d, stderr %q", r.code, r.stderr)
	}
	var s session
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || s.ID == "" {
		t.Fatalf("impersonate: %v %s", err, r.stdout)
	}
	if _, err := os.Stat(g.opened); err == nil {
		t.Fatal("the system browser was used although the setting is isolated")
	}
	profiles, _ := filepath.Glob(filepath.Join(browsers, s.ID+"-*"))
	if len(profiles) != 1 {
		t.Fatalf("profiles of %s: %v", s.ID, profiles)
	}
	profile := profiles[0]
	if fi, err := os.Stat(profile); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("profile %s: %v %v", profile, fi, err)
	}
	state := filepath.Join(browsers, s.ID+".json")
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("no state file: %v", err)
	}
	flag := "--user-data-dir=" + profile
	waitChromium(t, profile)
	// It followed the private launch page to the sign-in link: the Demo
	// counts the impersonation as signed in.
	poll(t, 20*time.Second, "Chromium signing in through the launch page", holds(func() bool { return demoStatus(t, addr, key, s.ProviderRef) == "active" }))

	// A second session gets a profile of its own.
	var s2 session
	g.json(&s2, secret, "impersonate", other.ID, "--env", "shop", "--reason", "Customer cannot see the March invoices", "--json")
	profiles2, _ := filepath.Glob(filepath.Join(browsers, s2.ID+"-*"))
	if len(profiles2) != 1 || profiles2[0] == profile {
		t.Fatalf("second session's profiles: %v", profiles2)
	}
	// Up, not just launched: a browser still in its launcher script would
	// test nothing below.
	waitChromium(t, profiles2[0])

	// Stop from another process: that session's Chromium quits, its profile goes, the other stays.
	if out := g.ok(secret, "stop", s.ID); !strings.Contains(out, "Stopped") {
		t.Fatalf("stop: %s", out)
	}
	poll(t, 20*time.Second, "the stopped session's Chromium quits", holds(func() bool { return len(chromiumUsing(flag)) == 0 }))
	for _, p := range []string{profile, state} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s is still there after stop: %v", p, err)
		}
	}
	if len(chromiumUsing("--user-data-dir="+profiles2[0])) == 0 {
		t.Fatal("stopping one session closed the other's browser")
	}
	if out := g.ok(secret, "stop", "--all"); !strings.Contains(out, "Stopped "+s2.ID) {
		t.Fatalf("stop --all: %s", out)
	}
	poll(t, 20*time.Second, "every Chromium quits", holds(func() bool { return len(chromiumUsing(browsers+string(filepath.Separator))) == 0 }))
	if left, _ := os.ReadDir(browsers); len(left) != 0 {
		t.Fatalf("left in %s: %v", browsers, left)
	}

	// Without a supported browser, isolated falls back to the system browser and says so.
	onlyFakes := "PATH=" + filepath.Join(filepath.Dir(g.opened), "bin")
	r = g.run(append([]string{onlyFakes}, secret...), "impersonate", member.ID, "--env", "shop", "--reason", "Customer cannot see the March invoices")
	if r.code != 0 || !strings.Contains(r.stderr, "Opened in the system browser, not an isolated profile: no Chromium") {
		t.Fatalf("fallback: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(g.opened); err != nil || !strings.HasPrefix(string(b), "http") {
		t.Fatalf("the system browser did not get the session: %v %q", err, b)
	}
	g.ok(secret, "stop", "--all")
}
