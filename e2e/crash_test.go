//go:build e2e

package e2e

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/tray/traytest"
	_ "modernc.org/sqlite"
)

// dbTime is how the store writes times.
const dbTime = "2006-01-02T15:04:05.000000000Z"

// waitEnded polls the database (no CLI, which would record expiries itself)
// until the session has ended, and returns how and when.
func waitEnded(t *testing.T, db *sql.DB, id string) (reason, ended string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var e sql.NullString
		if err := db.QueryRow("SELECT end_reason, ended_at FROM sessions WHERE id = ?", id).Scan(&reason, &e); err != nil {
			t.Fatal(err)
		}
		if e.Valid {
			return reason, e.String
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window did not record the end of %s", id)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestKilledWindowKeepsTrackingTheSession kills the app with SIGKILL while an
// impersonation runs. On restart the session is still tracked with the same
// expiry, the restarted app still enforces it (recording the true expiry
// time), and the database passes integrity_check.
func TestKilledWindowKeepsTrackingTheSession(t *testing.T) {
	addr, conn := sessionBus(t)
	startWatcher(t, addr)
	g := newGuise(t)
	a := startApp(t, g, "DBUS_SESSION_BUS_ADDRESS="+addr)
	waitLog(t, a.log, "demo identity provider started", 30*time.Second)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")
	g.ok(nil, "sync", "--env", "demo")
	var s session
	g.json(&s, nil, "impersonate", "sandra.ruiz@pioneerenergy.test", "--env", "demo", "--reason", "Customer reports a missing invoice", "--duration", "30m", "--json")
	var gone session // its time runs out while Guise is not running
	g.json(&gone, nil, "impersonate", "user_000002", "--env", "demo", "--reason", "Customer reports a missing invoice", "--json")

	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.exited <- <-a.exited // reaped; kept for the cleanup
	db, err := sql.Open("sqlite", filepath.Join(g.home, "guise.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	past := time.Now().Add(-10 * time.Minute).UTC().Format(dbTime)
	if _, err := db.Exec("UPDATE sessions SET expires_at = ? WHERE id = ?", past, gone.ID); err != nil {
		t.Fatal(err)
	}

	a = startApp(t, g, "DBUS_SESSION_BUS_ADDRESS="+addr)
	if reason, ended := waitEnded(t, db, gone.ID); reason != "expired" || ended != past {
		t.Fatalf("a session that ran out while Guise was closed: %s at %s, want expired at %s", reason, ended, past)
	}
	// The tray comes back with the session, before any CLI command runs.
	item := traytest.ItemName(a.cmd.Process.Pid)
	poll(t, 10*time.Second, "the session back in the tray", func() error {
		items, err := traytest.ReadMenu(conn, item)
		if err != nil {
			return err
		}
		for _, it := range traytest.Shown(items) {
			if strings.Contains(it.Label, "sandra.ruiz@pioneerenergy.test") {
				return nil
			}
		}
		return fmt.Errorf("menu: %+v", items)
	})
	var active []session
	g.json(&active, nil, "sessions", "--active", "--json")
	if len(active) != 1 || active[0].ID != s.ID || active[0].ExpiresAt != s.ExpiresAt {
		t.Fatalf("after kill -9 and restart: %+v, want %s expiring at %s", active, s.ID, s.ExpiresAt)
	}

	// Bring the expiry close, as if the half hour had passed, and watch the
	// restarted window (no CLI command runs meanwhile) record it.
	soon := time.Now().Add(2 * time.Second).UTC().Format(dbTime)
	if _, err := db.Exec("UPDATE sessions SET expires_at = ? WHERE id = ?", soon, s.ID); err != nil {
		t.Fatal(err)
	}
	if reason, ended := waitEnded(t, db, s.ID); reason != "expired" || ended != soon {
		t.Fatalf("ended %q at %s, want expired at the true expiry %s", reason, ended, soon)
	}
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	chainCount(t, g)
}
