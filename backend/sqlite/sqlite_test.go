package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "guise.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func addEnv(t *testing.T, db *DB, name string) {
	t.Helper()
	err := db.CreateEnvironment(context.Background(), guise.Environment{Name: name, Provider: "demo", BaseURL: "http://127.0.0.1:1", CreatedAt: time.Now()},
		guise.AuditRecord{At: time.Now(), Kind: guise.AuditEnvAdded, Env: name})
	if err != nil {
		t.Fatal(err)
	}
}

// atVersion writes a database file at schema version v (the first v
// migrations, as an older Guise left it) with the rows of stmts, and
// returns its path.
func atVersion(t *testing.T, v int, stmts ...string) string {
	t.Helper()
	names, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "guise.db")
	raw, err := sql.Open("sqlite", dsn(p, "_pragma=journal_mode(WAL)"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for i := 0; i < v; i++ {
		body, _ := migrationFS.ReadFile(names[i])
		if _, err := raw.Exec(string(body)); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range append([]string{fmt.Sprintf("PRAGMA user_version = %d", v)}, stmts...) {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestOpenFromEmptyAppliesEveryMigrationWithWAL(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	v, err := db.Version(ctx)
	if err != nil || v != SchemaVersion() || v < 2 {
		t.Fatalf("version %d (%v), want %d", v, err, SchemaVersion())
	}
	var mode string
	if err := db.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q (%v), want wal", mode, err)
	}
	var fk int
	if err := db.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys %d (%v)", fk, err)
	}
	for _, table := range []string{"environments", "users", "user_terms", "organizations", "user_postings", "sync_state", "sessions", "audit_log", "settings"} {
		var n int
		if err := db.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = ?", table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s missing", table)
		}
	}
	if res, err := db.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity %q %v", res, err)
	}
}

// TestOpensWhileAnotherProcessWrites: a CLI command started during a sync's
// long transaction opens the cache at once instead of queueing for the
// write lock (and failing after the busy timeout).
func TestOpensWhileAnotherProcessWrites(t *testing.T) {
	ctx := context.Background()
	writer := openTemp(t)
	addEnv(t, writer, "shop")
	// write begins IMMEDIATE: the lock is held from the start.
	err := writer.write(ctx, func(*sql.Tx) error {
		reader, err := Open(ctx, writer.Path)
		if err != nil {
			return fmt.Errorf("open during a write: %w", err)
		}
		defer reader.Close()
		envs, err := reader.Environments(ctx)
		if err != nil || len(envs) != 1 {
			return fmt.Errorf("read during a write: %v %v", envs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigratesForwardFromEveryEarlierVersion builds a database at each
// earlier version with data in it, then opens it with this binary.
func TestMigratesForwardFromEveryEarlierVersion(t *testing.T) {
	names, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for v := 1; v < len(names); v++ {
		t.Run(fmt.Sprintf("from v%d", v), func(t *testing.T) {
			p := atVersion(t, v, `INSERT INTO environments (name, provider, created_at) VALUES ('old', 'demo', '2026-01-01T00:00:00.000000000Z')`)
			db, err := Open(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got, _ := db.Version(ctx); got != SchemaVersion() {
				t.Fatalf("version %d after open, want %d", got, SchemaVersion())
			}
			if _, err := db.Environment(ctx, "old"); err != nil {
				t.Fatalf("data lost in migration: %v", err)
			}
		})
	}
}

func TestRefusesNewerSchemaWithoutTouchingIt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "guise.db")
	db, err := Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	future := SchemaVersion() + 7
	if _, err := db.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", future)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := fileSum(t, p)

	_, err = Open(context.Background(), p)
	if guise.ErrorCode(err) != guise.ESCHEMA {
		t.Fatalf("got %v, want an %s error", err, guise.ESCHEMA)
	}
	if msg := guise.ErrorMessage(err); !strings.Contains(msg, "newer Guise") || !strings.Contains(msg, fmt.Sprint(future)) {
		t.Errorf("message does not say what happened: %q", msg)
	}
	if after := fileSum(t, p); after != before {
		t.Fatalf("the newer database was modified:\n%.300s\n%.300s", before, after)
	}
}

func TestSearchByPrefixOfEmailNameIDAndOrg(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	addEnv(t, db, "prod")
	addEnv(t, db, "other")
	users := []guise.User{
		{ID: "user_1", Email: "Alice.Smith@acme.test", Name: "Alice Smith", Role: "member", Status: "active", Orgs: []guise.Org{{ID: "org_1", Name: "Acme Robotics"}}},
		{ID: "user_2", Email: "bob@globex.test", Name: "Bob Alison", Role: "admin", Status: "active", Orgs: []guise.Org{{ID: "org_2", Name: "Globex"}, {ID: "org_1", Name: "Acme Robotics"}}},
		{ID: "user_3", Email: "carol@initech.test", Name: "Carol Diaz", Role: "member", Status: "suspended", Orgs: []guise.Org{{ID: "org_3", Name: "Initech Labs"}}},
	}
	if err := db.SaveUsers(ctx, "prod", users, guise.SyncState{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveUsers(ctx, "other", []guise.User{{ID: "user_9", Email: "alice@elsewhere.test", Name: "Alice Other"}}, guise.SyncState{}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		q    string
		want []string
	}{
		{"ali", []string{"user_1", "user_2"}}, // email prefix first, then a name word
		{"alice.sm", []string{"user_1"}},
		{"ALICE", []string{"user_1"}},
		{"bob@globex.test", []string{"user_2"}},
		{"user_3", []string{"user_3"}},
		{"robot", []string{"user_1", "user_2"}},
		{"initech", []string{"user_3"}},
		{"car dia", []string{"user_3"}},
		{"zzz", nil},
		{`"`, nil},
	}
	for _, c := range cases {
		got, err := db.SearchUsers(ctx, "prod", c.q, 10)
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		var ids []string
		for _, u := range got {
			ids = append(ids, u.ID)
		}
		if strings.Join(ids, ",") != strings.Join(c.want, ",") {
			t.Errorf("search %q = %v, want %v", c.q, ids, c.want)
		}
	}
	got, _ := db.SearchUsers(ctx, "prod", "bob", 10)
	if len(got) != 1 || len(got[0].Orgs) != 2 || got[0].Orgs[0].Name != "Acme Robotics" {
		t.Fatalf("organizations not loaded: %+v", got)
	}

	// An update replaces the old index entry, not adds to it.
	users[0].Email, users[0].Name = "alice.jones@acme.test", "Alice Jones"
	if err := db.SaveUsers(ctx, "prod", users[:1], guise.SyncState{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.SearchUsers(ctx, "prod", "smith", 10); len(got) != 0 {
		t.Errorf("old name still found after update: %+v", got)
	}
	if got, _ := db.SearchUsers(ctx, "prod", "jones", 10); len(got) != 1 {
		t.Errorf("new name not found after update: %+v", got)
	}
	if u, err := db.FindUser(ctx, "prod", "ALICE.JONES@acme.test"); err != nil || u.ID != "user_1" {
		t.Errorf("FindUser by email: %+v %v", u, err)
	}
	if _, err := db.FindUser(ctx, "prod", "nobody"); guise.ErrorCode(err) != guise.ENOTFOUND {
		t.Errorf("FindUser of a stranger: %v", err)
	}
}

func TestDeleteEnvironmentDropsCacheKeepsHistory(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	addEnv(t, db, "gone")
	if err := db.SaveUsers(ctx, "gone", []guise.User{{ID: "u1", Email: "a@b.test", Name: "A"}}, guise.SyncState{}); err != nil {
		t.Fatal(err)
	}
	// Mid-pass: a user in the recent levels, another staged.
	if err := db.SaveUsers(ctx, "gone", []guise.User{{ID: "u2", Email: "b@b.test", Name: "B Lee"}}, guise.SyncState{Cursor: "c", RunSince: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveUsers(ctx, "gone", []guise.User{{ID: "u3", Email: "c@b.test", Name: "C Lee"}}, guise.SyncState{Cursor: "c"}); err != nil {
		t.Fatal(err)
	}
	s := guise.Session{ID: "ses_1", Env: "gone", Provider: "demo", UserID: "u1", UserEmail: "a@b.test", AgentEmail: "ag@x.test", Reason: "a good reason", StartedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.ReserveSession(ctx, s, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteEnvironment(ctx, "gone", guise.AuditRecord{At: time.Now(), Kind: guise.AuditEnvRemoved, Env: "gone"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CountUsers(ctx, "gone"); n != 0 {
		t.Errorf("%d cached users left", n)
	}
	for _, table := range []string{"user_terms", "user_terms_recent", "user_terms_stage", "user_postings", "user_postings_recent", "index_levels"} {
		var n int
		db.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n)
		if n != 0 {
			t.Errorf("%d rows of %s left", n, table)
		}
	}
	if _, err := db.Session(ctx, "ses_1"); err != nil {
		t.Errorf("history lost: %v", err)
	}
	if err := db.DeleteEnvironment(ctx, "gone", guise.AuditRecord{Kind: guise.AuditEnvRemoved}); guise.ErrorCode(err) != guise.ENOTFOUND {
		t.Errorf("second delete: %v", err)
	}
}

func TestSessionsReserveRefusesSecondRunningSessionAndEndsOnce(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	s := guise.Session{ID: "ses_a", Env: "e", Provider: "demo", UserID: "u1", UserEmail: "u@x.test", AgentEmail: "ag@x.test", Reason: "checking invoices", StartedAt: now, ExpiresAt: now.Add(30 * time.Minute)}
	if err := db.ReserveSession(ctx, s, now, nil); err != nil {
		t.Fatal(err)
	}
	s2 := s
	s2.ID = "ses_b"
	if err := db.ReserveSession(ctx, s2, now.Add(time.Minute), nil); guise.ErrorCode(err) != guise.ECONFLICT {
		t.Fatalf("second running session for the same user: %v", err)
	}
	if err := db.MarkStarted(ctx, s.ID, "imp_1", now.Add(20*time.Minute), guise.SessionAudit(guise.AuditStarted, s, now, "")); err != nil {
		t.Fatal(err)
	}
	due, _ := db.DueSessions(ctx, now.Add(19*time.Minute))
	if len(due) != 0 {
		t.Fatalf("due too early: %v", due)
	}
	due, _ = db.DueSessions(ctx, now.Add(20*time.Minute))
	if len(due) != 1 || due[0].ProviderRef != "imp_1" {
		t.Fatalf("due at expiry: %+v", due)
	}
	changed, err := db.EndSession(ctx, s.ID, now.Add(5*time.Minute), guise.EndStopped, "", guise.SessionAudit(guise.AuditStopped, s, now, ""))
	if err != nil || !changed {
		t.Fatalf("end: %v %v", changed, err)
	}
	changed, err = db.EndSession(ctx, s.ID, now.Add(6*time.Minute), guise.EndExpired, "", guise.SessionAudit(guise.AuditExpired, s, now, ""))
	if err != nil || changed {
		t.Fatalf("ending twice changed it: %v %v", changed, err)
	}
	got, _ := db.Session(ctx, s.ID)
	if got.EndReason != guise.EndStopped || got.EndedAt == nil || !got.EndedAt.Equal(now.Add(5*time.Minute)) {
		t.Fatalf("session after end: %+v", got)
	}
	// Once ended, the user may be impersonated again.
	if err := db.ReserveSession(ctx, s2, now.Add(6*time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	list, _ := db.Sessions(ctx, guise.SessionFilter{EndReason: "stopped"})
	if len(list) != 1 || list[0].ID != "ses_a" {
		t.Fatalf("filter by end reason: %+v", list)
	}
	list, _ = db.Sessions(ctx, guise.SessionFilter{Text: "INVOICES"})
	if len(list) != 2 {
		t.Fatalf("text filter: %d", len(list))
	}
	st, err := guise.VerifyChain(ctx, db)
	if err != nil || !st.Intact || st.Count != 2 {
		t.Fatalf("chain: %+v %v", st, err)
	}
}

func fileSum(t *testing.T, p string) string {
	t.Helper()
	var out strings.Builder
	for _, f := range []string{p, p + "-wal"} {
		b, err := readFile(f)
		// Reading a WAL database may leave an empty -wal file: no content changed.
		if err == nil && len(b) > 0 {
			fmt.Fprintf(&out, "%s:%x;", filepath.Base(f), sha256.Sum256(b))
		}
	}
	return out.String()
}
