package tray

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/godbus/dbus/v5"
)

// WatcherName is the bus name of the tray host that items register with.
const WatcherName = "org.kde.StatusNotifierWatcher"

// busAddress finds the session bus the way godbus does, minus autolaunch:
// an autolaunched bus (and what it starts) outlives the app (platform.md,
// gotcha 3), and a tray on a bus nobody else sees would be useless anyway.
func busAddress() string {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		p := filepath.Join(dir, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p
		}
	}
	return ""
}

// probe checks, on a private connection and within timeout, that a session
// bus answers and that a tray host is on it (or can be started by it).
func probe(timeout time.Duration) error {
	addr := busAddress()
	if addr == "" {
		return fmt.Errorf("%w: no session bus (DBUS_SESSION_BUS_ADDRESS is not set)", ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	type result struct {
		conn *dbus.Conn
		err  error
	}
	got := make(chan result, 1)
	go func() {
		c, err := dbus.Connect(addr, dbus.WithContext(ctx))
		got <- result{c, err}
	}()
	var conn *dbus.Conn
	select {
	case r := <-got:
		if r.err != nil {
			return fmt.Errorf("%w: the session bus does not answer: %v", ErrUnavailable, r.err)
		}
		conn = r.conn
	case <-ctx.Done():
		go func() { // close it if it ever connects
			if r := <-got; r.conn != nil {
				_ = r.conn.Close()
			}
		}()
		return fmt.Errorf("%w: the session bus did not answer within %v", ErrUnavailable, timeout)
	}
	defer conn.Close()

	var owned bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, WatcherName).Store(&owned); err != nil {
		return fmt.Errorf("%w: asking the session bus for a tray host: %v", ErrUnavailable, err)
	}
	if owned {
		return nil
	}
	var activatable []string
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&activatable); err == nil &&
		slices.Contains(activatable, WatcherName) {
		return nil
	}
	return fmt.Errorf("%w: no tray host (%s) on the session bus", ErrUnavailable, WatcherName)
}
