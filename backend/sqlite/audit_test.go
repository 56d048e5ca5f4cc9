package sqlite

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }

func chainOf(t *testing.T, n int) *DB {
	t.Helper()
	db := openTemp(t)
	for i := 0; i < n; i++ {
		r := guise.AuditRecord{At: time.Date(2026, 11, 21, 9, i, 0, 0, time.UTC), Kind: guise.AuditStarted, Env: "prod",
			Agent: "agent@support.test", UserID: fmt.Sprintf("u%d", i), Reason: "looking into ticket"}
		if err := db.AppendAudit(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// dropGuard removes the append-only triggers, as someone editing the file
// with the sqlite3 shell would.
const dropGuard = "DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete; "

func TestAuditLogRefusesEditsAndDeletes(t *testing.T) {
	db := chainOf(t, 3)
	for _, q := range []string{"UPDATE audit_log SET reason = 'x' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 3"} {
		if _, err := db.db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%s: %v, want the append-only refusal", q, err)
		}
	}
}

func TestAuditChainDetectsEditsDeletesAndReorders(t *testing.T) {
	ctx := context.Background()
	st, err := guise.VerifyChain(ctx, chainOf(t, 5))
	if err != nil || !st.Intact || st.Count != 5 {
		t.Fatalf("fresh chain: %+v %v", st, err)
	}
	cases := []struct {
		name   string
		sql    string
		broken int64
	}{
		{"edit a reason", "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3", 3},
		{"edit and rehash", "UPDATE audit_log SET user_id = 'x', hash = 'f00' WHERE seq = 2", 2},
		{"delete a record", "DELETE FROM audit_log WHERE seq = 2", 2},
		{"reorder two records", "UPDATE audit_log SET seq = CASE seq WHEN 2 THEN 1002 WHEN 3 THEN 2 END WHERE seq IN (2,3); UPDATE audit_log SET seq = 3 WHERE seq = 1002", 2},
		{"delete the first", "DELETE FROM audit_log WHERE seq = 1", 1},
		{"cut the tail", "DELETE FROM audit_log WHERE seq >= 4", 4},
		{"cut the tail and move the head", "DELETE FROM audit_log WHERE seq = 5; UPDATE audit_head SET seq = 4", 4},
		{"empty the log", "DELETE FROM audit_log", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := chainOf(t, 5)
			if _, err := db.db.Exec(dropGuard + c.sql); err != nil {
				t.Fatal(err)
			}
			st, err := guise.VerifyChain(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if st.Intact || st.BrokenAt != c.broken {
				t.Fatalf("got %+v, want broken at %d", st, c.broken)
			}
			// Writing on after the tampering must not hide it.
			if err := db.AppendAudit(ctx, guise.AuditRecord{At: time.Now(), Kind: guise.AuditAgent}); err != nil {
				t.Fatal(err)
			}
			if st, _ := guise.VerifyChain(ctx, db); st.Intact {
				t.Fatalf("an append after the tampering made the chain look intact: %+v", st)
			}
		})
	}
}

func TestSettingsRoundTripAndAuditPolicyChange(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	var p guise.Policy
	if ok, err := db.GetSetting(ctx, "policy", &p); ok || err != nil {
		t.Fatalf("unset setting: %v %v", ok, err)
	}
	want := guise.DefaultPolicy()
	want.TicketPattern = "^[A-Z]+-[0-9]+$"
	if err := db.PutSetting(ctx, "policy", want, guise.AuditRecord{At: time.Now(), Kind: guise.AuditPolicy}); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.GetSetting(ctx, "policy", &p); !ok || err != nil || p.TicketPattern != want.TicketPattern || p.MaxMinutes != 60 {
		t.Fatalf("read back %+v %v %v", p, ok, err)
	}
	recs, _ := db.AuditRecords(ctx, 0, 10)
	if len(recs) != 1 || recs[0].Kind != guise.AuditPolicy {
		t.Fatalf("policy change not audited: %+v", recs)
	}
}
