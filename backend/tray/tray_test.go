package tray

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/guiseapp/guise/backend/tray/traytest"
)

// privateBus runs a dbus-daemon of our own for one test and points the
// session bus variable at it.
func privateBus(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tray") // short: socket paths are limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1", "--address=unix:path="+filepath.Join(dir, "bus"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("dbus-daemon (Debian package dbus) is needed: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	addr := strings.TrimSpace(line)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

// eventually polls cond until it returns nil, for at most within.
func eventually(t *testing.T, within time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %v", within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartWithoutBusSkipsAndNilTrayIsInert(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	tr, err := Start(Config{Title: "Guise", Icon: Icon, ActiveIcon: ActiveIcon})
	if !errors.Is(err, ErrUnavailable) || tr != nil {
		t.Fatalf("Start without a bus = %v, %v; want nil, ErrUnavailable", tr, err)
	}
	if !strings.Contains(err.Error(), "no session bus") {
		t.Errorf("the reason does not say there is no bus: %v", err)
	}
	tr.SetSessions([]Line{{Label: "x"}}) // a nil tray does nothing, and does not panic
	tr.Close()
}

func TestStartWithUnreachableBusSkips(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "nobody-listens"))
	start := time.Now()
	tr, err := Start(Config{Title: "Guise", Icon: Icon, ActiveIcon: ActiveIcon})
	if !errors.Is(err, ErrUnavailable) || tr != nil {
		t.Fatalf("Start with an unreachable bus = %v, %v; want nil, ErrUnavailable", tr, err)
	}
	if !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("the reason does not say the bus does not answer: %v", err)
	}
	if d := time.Since(start); d > startTimeout+time.Second {
		t.Errorf("Start took %v; it must give up within %v", d, startTimeout)
	}
}

func TestStartWithoutWatcherSkips(t *testing.T) {
	privateBus(t)
	tr, err := Start(Config{Title: "Guise", Icon: Icon, ActiveIcon: ActiveIcon})
	if !errors.Is(err, ErrUnavailable) || tr != nil {
		t.Fatalf("Start without a tray host = %v, %v; want nil, ErrUnavailable", tr, err)
	}
	if !strings.Contains(err.Error(), WatcherName) {
		t.Errorf("the reason does not name the missing watcher: %v", err)
	}
}

func TestIconsAreSmallPNGs(t *testing.T) {
	for name, b := range map[string][]byte{"Icon": Icon, "ActiveIcon": ActiveIcon} {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s := img.Bounds().Size(); s.X > 64 || s.Y > 64 || s.X < 16 {
			t.Errorf("%s is %v; a tray icon is 16 to 64 px", name, s)
		}
	}
	if bytes.Equal(Icon, ActiveIcon) {
		t.Error("the active icon is not distinct")
	}
}

// TestTrayOverPrivateBus is the whole adapter against a real bus and a test
// tray host: it registers, lists sessions, turns its icon, reports clicks,
// and goes away on Close. (systray is a singleton: one Start per process.)
func TestTrayOverPrivateBus(t *testing.T) {
	addr := privateBus(t)
	w, err := traytest.StartWatcher(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	client, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	var stops, shows atomic.Int32
	tr, err := Start(Config{Title: "Guise", Icon: Icon, ActiveIcon: ActiveIcon,
		OnStop: func() { stops.Add(1) }, OnShow: func() { shows.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	item := traytest.ItemName(os.Getpid())

	eventually(t, 2*time.Second, func() error {
		if items := w.Items(); len(items) != 1 || !strings.HasSuffix(items[0], "/StatusNotifierItem") {
			return fmt.Errorf("registered items %v", items)
		}
		return nil
	})
	labels := func() ([]string, map[string]traytest.MenuItem) {
		t.Helper()
		items, err := traytest.ReadMenu(client, item)
		if err != nil {
			t.Fatal(err)
		}
		var ls []string
		by := map[string]traytest.MenuItem{}
		for _, it := range traytest.Shown(items) {
			ls = append(ls, it.Label)
			by[it.Label] = it
		}
		return ls, by
	}
	want := func(w ...string) func() error {
		return func() error {
			if got, _ := labels(); strings.Join(got, "|") != strings.Join(w, "|") {
				return fmt.Errorf("menu %q, want %q", got, w)
			}
			return nil
		}
	}
	eventually(t, 2*time.Second, want(LabelIdle, LabelStop, LabelShow, LabelQuit))
	if _, by := labels(); by[LabelStop].Enabled || by[LabelIdle].Enabled {
		t.Errorf("with nothing running, Stop and the idle line must be disabled: %+v", by)
	}
	idlePixels := iconPixels(t, client, item)

	tr.SetSessions([]Line{{Label: "alice@acme.test · Acme · 42 min left"}, {Label: "bob@acme.test · Acme · 3 min left"}})
	eventually(t, time.Second, want("alice@acme.test · Acme · 42 min left", "bob@acme.test · Acme · 3 min left", LabelStop, LabelShow, LabelQuit))
	_, by := labels()
	if !by[LabelStop].Enabled {
		t.Error("Stop is disabled while sessions run")
	}
	if bytes.Equal(iconPixels(t, client, item), idlePixels) {
		t.Error("the icon did not change while sessions run")
	}

	if err := traytest.Click(client, item, by[LabelStop].ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, func() error {
		if stops.Load() != 1 {
			return fmt.Errorf("OnStop ran %d times", stops.Load())
		}
		return nil
	})
	if err := traytest.Click(client, item, by["bob@acme.test · Acme · 3 min left"].ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, func() error {
		if shows.Load() != 1 {
			return fmt.Errorf("OnShow ran %d times", shows.Load())
		}
		return nil
	})

	many := make([]Line, maxLines+3)
	for i := range many {
		many[i] = Line{Label: fmt.Sprintf("u%d@x.test · X · 5 min left", i)}
	}
	tr.SetSessions(many)
	eventually(t, time.Second, func() error {
		got, _ := labels()
		if len(got) != maxLines+3 || got[maxLines-1] != "… and 4 more" {
			return fmt.Errorf("menu with %d sessions: %q", len(many), got)
		}
		return nil
	})

	tr.SetSessions(nil)
	eventually(t, time.Second, want(LabelIdle, LabelStop, LabelShow, LabelQuit))
	if !bytes.Equal(iconPixels(t, client, item), idlePixels) {
		t.Error("the icon did not return to normal")
	}

	closed := make(chan struct{})
	go func() { tr.Close(); tr.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(closeTimeout + time.Second):
		t.Fatal("Close blocked")
	}
	eventually(t, 2*time.Second, func() error {
		var owned bool
		if err := client.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, item).Store(&owned); err != nil || owned {
			return fmt.Errorf("%s still owned after Close (%v)", item, err)
		}
		return nil
	})
	tr.SetSessions([]Line{{Label: "late"}}) // after Close: harmless
}

// iconPixels reads the item's IconPixmap (ARGB bytes of the first pixmap).
func iconPixels(t *testing.T, conn *dbus.Conn, dest string) []byte {
	t.Helper()
	v, err := conn.Object(dest, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.IconPixmap")
	if err != nil {
		t.Fatal(err)
	}
	var px []struct {
		W, H int32
		Pix  []byte
	}
	if err := dbus.Store([]any{v.Value()}, &px); err != nil || len(px) == 0 {
		t.Fatalf("IconPixmap %v: %v", v, err)
	}
	if px[0].W > 64 || px[0].H > 64 {
		t.Errorf("icon is %dx%d; keep it at most 64 px", px[0].W, px[0].H)
	}
	return px[0].Pix
}
