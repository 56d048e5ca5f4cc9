//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/guiseapp/guise/backend/tray/traytest"
)

// app is the window process under test.
type app struct {
	cmd    *exec.Cmd
	log    string // <home>/logs/guise.log
	out    string // stdout and stderr
	exited chan error
}

// startApp runs the window with env added to the guise's own (which has no
// session bus unless env brings one), and waits until the frontend is up.
func startApp(t *testing.T, g *guise, env ...string) *app {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(append([]string{}, g.env...), "NO_AT_BRIDGE=1")
	cmd.Env = append(cmd.Env, env...)
	out, err := os.Create(filepath.Join(t.TempDir(), "stdout.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	log := filepath.Join(g.home, "logs", "guise.log")
	started := logCount(log, "frontend ready") // a restart appends to the same log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &app{cmd: cmd, log: log, out: out.Name(), exited: make(chan error, 1)}
	go func() { a.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-a.exited
	})
	waitLogCount(t, a.log, "frontend ready", started+1, 90*time.Second)
	return a
}

// stop sends SIGTERM and requires a clean exit within 5 s.
func (a *app) stop(t *testing.T) {
	t.Helper()
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.exited:
		a.exited <- err // for the cleanup
		if err != nil {
			b, _ := os.ReadFile(a.out)
			t.Fatalf("exit after SIGTERM: %v\n%s", err, b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not exit within 5 s of SIGTERM")
	}
	waitLog(t, a.log, "window closed", time.Second)
}

// sessionBus connects the test to the bus make test-e2e runs it in.
func sessionBus(t *testing.T) (string, *dbus.Conn) {
	t.Helper()
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		t.Fatal("no session bus: run this through `make test-e2e`, which starts one with dbus-run-session")
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return addr, conn
}

// startWatcher plays the desktop's tray host until the test ends.
func startWatcher(t *testing.T, addr string) *traytest.Watcher {
	t.Helper()
	w, err := traytest.StartWatcher(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// running is an app with a tray host and a Demo impersonation started from
// the command line (another process), open in a cookie-keeping browser.
type running struct {
	g       *guise
	a       *app
	conn    *dbus.Conn
	item    string // the app's StatusNotifierItem bus name
	u       user
	s       session
	browser *http.Client
}

func startRunning(t *testing.T) *running {
	t.Helper()
	addr, conn := sessionBus(t)
	startWatcher(t, addr)
	g := newGuise(t)
	a := startApp(t, g, "DBUS_SESSION_BUS_ADDRESS="+addr)
	waitLog(t, a.log, "demo identity provider started", 30*time.Second)
	waitLog(t, a.log, "system tray shown", 10*time.Second)
	r := &running{g: g, a: a, conn: conn, item: traytest.ItemName(a.cmd.Process.Pid)}

	g.ok(nil, "agent", "set", "--email", "agent.tray@support.test")
	g.ok(nil, "sync", "--env", "demo")
	var users []user
	g.json(&users, nil, "users", "search", "", "--env", "demo", "--limit", "200", "--json")
	r.u = pick(t, users, "active member with one org", func(u user) bool { return u.Role == "member" && u.Status == "active" && len(u.Orgs) == 1 })
	g.json(&r.s, nil, "impersonate", r.u.ID, "--env", "demo", "--reason", "Customer cannot see the March invoices", "--duration", "30m", "--json")
	opened, err := os.ReadFile(g.opened)
	if err != nil {
		t.Fatalf("the browser was not opened: %v", err)
	}
	jar, _ := cookiejar.New(nil)
	r.browser = &http.Client{Jar: jar, Timeout: 10 * time.Second}
	if code, page := browse(t, r.browser, strings.TrimSpace(string(opened))); code != 200 || !strings.Contains(page, r.u.Email) {
		t.Fatalf("the customer app did not open the session (%d): %s", code, page)
	}
	return r
}

// menu reads the app's tray menu.
func (r *running) menu(t *testing.T) []traytest.MenuItem {
	t.Helper()
	items, err := traytest.ReadMenu(r.conn, r.item)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// assertStopped checks the session is over in the history and at the Demo.
func (r *running) assertStopped(t *testing.T) {
	t.Helper()
	var hist []session
	r.g.json(&hist, nil, "sessions", "--json")
	if len(hist) != 1 || hist[0].ID != r.s.ID || hist[0].EndReason != "stopped" || hist[0].EndedAt == nil {
		t.Fatalf("history: %+v", hist)
	}
	if code, page := browse(t, r.browser, "http://"+r.g.demoAddr+"/app/"); code == 200 || !strings.Contains(page, "This impersonation has ended") {
		t.Fatalf("the Demo customer app still accepts the session (%d): %s", code, page)
	}
}

// TestTrayStopsAnImpersonationStartedElsewhere is the agent's two clicks: a
// session started from the command line (another process) shows in the
// window's tray menu; "Stop impersonating" ends it at the Demo provider, in
// the history, and in the menu.
func TestTrayStopsAnImpersonationStartedElsewhere(t *testing.T) {
	r := startRunning(t)
	line := r.u.Email + " · " + r.u.Orgs[0].Name + " · "
	var stop traytest.MenuItem
	took := poll(t, 3*time.Second, "the CLI's session in the tray menu", func() error {
		items := r.menu(t)
		shown := traytest.Shown(items)
		if len(shown) == 0 || !strings.HasPrefix(shown[0].Label, line) || !strings.HasSuffix(shown[0].Label, " min left") {
			return fmt.Errorf("menu %+v lacks %q… min left", shown, line)
		}
		var ok bool
		if stop, ok = traytest.Find(items, "Stop impersonating"); !ok || !stop.Enabled {
			return fmt.Errorf("no enabled Stop impersonating in %+v", shown)
		}
		return nil
	})
	t.Logf("the session started by the CLI reached the tray menu after %v", took.Round(time.Millisecond))

	clicked := time.Now()
	if err := traytest.Click(r.conn, r.item, stop.ID); err != nil {
		t.Fatal(err)
	}
	took = poll(t, 1500*time.Millisecond, "the session leaving the tray menu", func() error {
		items := r.menu(t)
		for _, it := range traytest.Shown(items) {
			if strings.HasPrefix(it.Label, r.u.Email) {
				return fmt.Errorf("still listed: %q", it.Label)
			}
		}
		if _, ok := traytest.Find(items, "No impersonation running"); !ok {
			return fmt.Errorf("no idle line in %+v", traytest.Shown(items))
		}
		return nil
	})
	t.Logf("the menu dropped the session %v after the click", took.Round(time.Millisecond))
	r.assertStopped(t)
	t.Logf("click to history, provider and menu all done in %v", time.Since(clicked).Round(time.Millisecond))
	waitLog(t, r.a.log, `item="Stop impersonating"`, time.Second)
	r.a.stop(t)
}

// TestTrayQuitWithASessionStopsItByDefault: Quit from the tray while a
// session runs asks first, and the default answer (Return) stops the session
// at the provider before the app exits.
func TestTrayQuitWithASessionStopsItByDefault(t *testing.T) {
	r := startRunning(t)
	poll(t, 3*time.Second, "the session in the tray menu", func() error {
		if shown := traytest.Shown(r.menu(t)); len(shown) == 0 || !strings.HasPrefix(shown[0].Label, r.u.Email) {
			return fmt.Errorf("menu %+v", shown)
		}
		return nil
	})
	quit, _ := traytest.Find(r.menu(t), "Quit")
	if err := traytest.Click(r.conn, r.item, quit.ID); err != nil {
		t.Fatal(err)
	}
	poll(t, 5*time.Second, "the question dialog", func() error {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Quit Guise$").Output()
		if err != nil || strings.TrimSpace(string(out)) == "" {
			return fmt.Errorf("no dialog window (%v)", err)
		}
		return nil
	})
	if b, err := exec.Command("import", "-window", "root", artifact(t, "tray-quit-question.png")).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v: %s", err, b)
	}
	if out, err := exec.Command("xdotool", "key", "Return").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v: %s", err, out)
	}
	select {
	case err := <-r.a.exited:
		r.a.exited <- err
		if err != nil {
			b, _ := os.ReadFile(r.a.out)
			t.Fatalf("exit after quitting: %v\n%s", err, b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the app did not quit within 10 s of the answer")
	}
	waitLog(t, r.a.log, "stopped every impersonation before quitting", time.Second)
	// The Demo lived in the app: serve its state again to ask it.
	r.g.startDemo(r.g.demoAddr, "demo_sk_e2e_after_quit")
	r.assertStopped(t)
}

// TestTrayRegistersWithTheWatcher: with a tray host on the bus, Guise's
// item registers with it under the unique name that owns the item; its
// idle menu is complete, and its Quit ends the app.
func TestTrayRegistersWithTheWatcher(t *testing.T) {
	addr, conn := sessionBus(t)
	w := startWatcher(t, addr)
	g := newGuise(t)
	a := startApp(t, g, "DBUS_SESSION_BUS_ADDRESS="+addr)
	item := traytest.ItemName(a.cmd.Process.Pid)
	var owner string
	poll(t, 5*time.Second, "the item registered with the watcher", func() error {
		if err := conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, item).Store(&owner); err != nil {
			return err
		}
		for _, r := range w.Items() {
			if r == owner+"/StatusNotifierItem" {
				return nil
			}
		}
		return fmt.Errorf("registered %v, want %s/StatusNotifierItem", w.Items(), owner)
	})
	items, err := traytest.ReadMenu(conn, item)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, it := range traytest.Shown(items) {
		labels = append(labels, it.Label)
	}
	if got := strings.Join(labels, "|"); got != "No impersonation running|Stop impersonating|Show Guise|Quit" {
		t.Errorf("menu with nothing running: %q", got)
	}

	// Quit with nothing running asks nothing and exits cleanly.
	quit, _ := traytest.Find(items, "Quit")
	if err := traytest.Click(conn, item, quit.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.exited:
		a.exited <- err
		if err != nil {
			b, _ := os.ReadFile(a.out)
			t.Fatalf("exit after the tray's Quit: %v\n%s", err, b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the tray's Quit did not end the app within 5 s")
	}
	waitLog(t, a.log, "window closed", time.Second)
}

// TestTrayWithoutBusOrHost: with no session bus at all, or a bus without a
// tray host, the window runs, says once that the tray is skipped, and exits
// cleanly on SIGTERM.
func TestTrayWithoutBusOrHost(t *testing.T) {
	addr, _ := sessionBus(t)
	for _, c := range []struct {
		name string
		env  []string
		why  string
	}{
		// newGuise's environment has no DBUS_SESSION_BUS_ADDRESS; nor may
		// godbus find one under XDG_RUNTIME_DIR.
		{"no session bus", []string{"XDG_RUNTIME_DIR=" + t.TempDir()}, "no session bus"},
		{"bus without a tray host", []string{"DBUS_SESSION_BUS_ADDRESS=" + addr}, "no tray host"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGuise(t)
			a := startApp(t, g, c.env...)
			waitLog(t, a.log, "system tray skipped", 10*time.Second)
			a.stop(t)
			b, _ := os.ReadFile(a.log)
			if n := strings.Count(string(b), "system tray skipped"); n != 1 || !strings.Contains(string(b), c.why) {
				t.Errorf("want one 'system tray skipped' line saying %q; got %d:\n%s", c.why, n, b)
			}
			if out, _ := os.ReadFile(a.out); strings.Contains(string(out), "panic") {
				t.Errorf("the app panicked:\n%s", out)
			}
		})
	}
}
