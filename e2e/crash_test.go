//go:build e2e

package e2e

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// runningWindow is the real app under Xvfb on g's home.
type runningWindow struct {
	cmd    *exec.Cmd
	exited chan error
	log    string
}

// openWindow starts the app and waits until the frontend has called Go and
// the built-in Demo answers. Each start appends to the same log, so it
// waits for the n-th "frontend ready".
func openWindow(t *testing.T, g *guise, nth int) *runningWindow {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(g.env, "NO_AT_BRIDGE=1", "DBUS_SESSION_BUS_ADDRESS="+os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	out, err := os.Create(filepath.Join(t.TempDir(), "stdout.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &runningWindow{cmd: cmd, exited: make(chan error, 1), log: filepath.Join(g.home, "logs", "guise.log")}
	go func() { w.exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.Now().Add(90 * time.Second)
	for {
		b, _ := os.ReadFile(w.log)
		if strings.Count(string(b), "frontend ready") >= nth && strings.Count(string(b), "demo identity provider") >= nth {
			return w
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window did not become ready (start %d):\n%s", nth, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

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
	g := newGuise(t)
	w := openWindow(t, g, 1)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")
	g.ok(nil, "sync", "--env", "demo")
	var s session
	g.json(&s, nil, "impersonate", "sandra.ruiz@pioneerenergy.test", "--env", "demo", "--reason", "Customer reports a missing invoice", "--duration", "30m", "--json")

	var gone session // its time runs out while Guise is not running
	g.json(&gone, nil, "impersonate", "user_000002", "--env", "demo", "--reason", "Customer reports a missing invoice", "--json")

	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-w.exited
	db, err := sql.Open("sqlite", filepath.Join(g.home, "guise.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	past := time.Now().Add(-10 * time.Minute).UTC().Format(dbTime)
	if _, err := db.Exec("UPDATE sessions SET expires_at = ? WHERE id = ?", past, gone.ID); err != nil {
		t.Fatal(err)
	}

	openWindow(t, g, 2)
	if reason, ended := waitEnded(t, db, gone.ID); reason != "expired" || ended != past {
		t.Fatalf("a session that ran out while Guise was closed: %s at %s, want expired at %s", reason, ended, past)
	}
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
