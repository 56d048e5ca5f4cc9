package e2e

import (
	"database/sql"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKilledSyncResumes kills `guise sync` with SIGKILL halfway through a
// rate-limited tenant. The cache holds whole pages only, the next sync
// resumes where the killed one stopped instead of starting over, it ends with
// every user, and the database passes integrity_check.
func TestKilledSyncResumes(t *testing.T) {
	g := newGuise(t)
	addr, key := freeAddr(t), "demo_sk_kill_"+fmt.Sprint(time.Now().UnixNano())
	const users = 6000
	g.startDemo(addr, key, "--users", fmt.Sprint(users), "--rate-limit", "10")
	secret := []string{"GUISE_SECRET_SHOP=" + key}
	g.ok(secret, "env", "add", "shop", "--provider", "demo", "--base-url", "http://"+addr)

	cmd := exec.Command(bin, "sync", "--env", "shop")
	cmd.Env = append(append([]string{}, g.env...), secret...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(g.home, "guise.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func() int {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM users WHERE env = 'shop'").Scan(&n); err != nil && !strings.Contains(err.Error(), "no such table") {
			t.Fatal(err)
		}
		return n
	}
	poll(t, 60*time.Second, "the sync saving its first pages", func() error {
		if n := count(); n < 500 {
			return fmt.Errorf("%d users cached", n)
		}
		return nil
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	kept := count()
	if kept%100 != 0 || kept >= users {
		t.Fatalf("after kill -9 the cache holds %d users: want whole pages of 100 and not all %d", kept, users)
	}
	var cursor string
	if err := db.QueryRow("SELECT cursor FROM sync_state WHERE env = 'shop'").Scan(&cursor); err != nil || cursor == "" {
		t.Fatalf("no cursor kept for the resume (%q, %v)", cursor, err)
	}

	var p struct {
		Users   int  `json:"users"`
		Resumed bool `json:"resumed"`
	}
	g.json(&p, secret, "sync", "--env", "shop", "--json")
	if !p.Resumed || p.Users != users-kept {
		t.Fatalf("the next sync: %+v; want it resumed, fetching the %d users not yet cached", p, users-kept)
	}
	if n := count(); n != users {
		t.Fatalf("after the resume %d users are cached, want %d", n, users)
	}
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	t.Logf("killed with %d of %d users cached; the resume fetched the other %d", kept, users, p.Users)
}
