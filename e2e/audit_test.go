package e2e

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestPolicyQuotasAndAuditExportThroughTheCLI sets a policy with the CLI,
// hits the agent's daily limit, exports the audit log in both formats, and
// then tampers with the database as someone with the file would: `audit
// verify` must name the first broken record each time.
func TestPolicyQuotasAndAuditExportThroughTheCLI(t *testing.T) {
	g := newGuise(t)
	addr, key := freeAddr(t), "demo_sk_audit_"+fmt.Sprint(time.Now().UnixNano())
	g.startDemo(addr, key)
	secret := []string{"GUISE_SECRET_SHOP=" + key}
	g.ok(secret, "env", "add", "shop", "--provider", "demo", "--base-url", "http://"+addr)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")
	g.ok(secret, "sync", "--env", "shop")

	if r := g.run(nil, "policy", "set", "--env", "shop", "--max-duration", "90s"); r.code != 1 || !strings.Contains(r.stderr, "whole minutes") {
		t.Fatalf("a bad duration: exit %d %q", r.code, r.stderr)
	}
	out := g.ok(nil, "policy", "set", "--env", "shop", "--agent-daily-limit", "1", "--ticket-required", "--ticket-pattern", "^SUP-[0-9]+$")
	if !strings.Contains(out, "daily limit per agent  1") || !strings.Contains(out, "^SUP-[0-9]+$") {
		t.Fatalf("policy set: %s", out)
	}
	var pol struct {
		AgentDailyLimit int    `json:"agent_daily_limit"`
		TicketPattern   string `json:"ticket_pattern"`
		MaxMinutes      int    `json:"max_minutes"`
	}
	g.json(&pol, nil, "policy", "show", "--env", "shop", "--json")
	if pol.AgentDailyLimit != 1 || pol.MaxMinutes != 60 {
		t.Fatalf("policy show: %+v (the untouched maximum must stay 60)", pol)
	}

	var users []user
	g.json(&users, nil, "users", "search", "", "--env", "shop", "--limit", "1000", "--json")
	members := []user{}
	for _, u := range users {
		if u.Role == "member" && u.Status == "active" && len(u.Orgs) == 1 {
			members = append(members, u)
		}
	}
	if len(members) < 2 {
		t.Fatalf("the demo seed has %d single-org members", len(members))
	}
	reason := "Customer reports a missing invoice"
	if r := g.run(secret, "impersonate", members[0].ID, "--env", "shop", "--reason", reason, "--ticket", "sup-1"); r.code != 3 || !strings.Contains(r.stderr, "pattern") {
		t.Fatalf("a ticket off the pattern: exit %d %q", r.code, r.stderr)
	}
	g.ok(secret, "impersonate", members[0].ID, "--env", "shop", "--reason", reason, "--ticket", "SUP-1")
	g.ok(secret, "stop", "--all")
	if r := g.run(secret, "impersonate", members[1].ID, "--env", "shop", "--reason", reason, "--ticket", "SUP-2"); r.code != 3 || !strings.Contains(r.stderr, "daily limit") {
		t.Fatalf("the second session of the day: exit %d %q", r.code, r.stderr)
	}
	count := chainCount(t, g)

	dir := t.TempDir()
	jsonl, csvFile := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "audit.csv")
	g.ok(nil, "audit", "export", "--format", "jsonl", "--out", jsonl)
	g.ok(nil, "audit", "export", "--format", "csv", "--out", csvFile)
	f, err := os.Open(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var kinds []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct {
			Seq              int64
			Kind, Rule, Hash string
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Hash == "" {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		kinds = append(kinds, r.Kind+":"+r.Rule)
	}
	if len(kinds) != count {
		t.Fatalf("exported %d records, the chain has %d", len(kinds), count)
	}
	for _, want := range []string{"policy.changed:", "session.started:", "session.stopped:", "impersonation.refused:ticket_pattern", "impersonation.refused:agent_daily_limit"} {
		if !strings.Contains(strings.Join(kinds, " "), want) {
			t.Errorf("the export lacks %s: %v", want, kinds)
		}
	}
	b, _ := os.ReadFile(csvFile)
	if lines := strings.Count(string(b), "\n"); !strings.HasPrefix(string(b), "seq,at,kind,") || lines != count+1 {
		t.Fatalf("csv export: %d lines, want %d:\n%s", lines, count+1, b)
	}
	if out := g.ok(nil, "audit", "export", "--format", "csv", "--since", time.Now().Add(48*time.Hour).Format("2006-01-02")); strings.Count(out, "\n") != 1 {
		t.Fatalf("--since the day after tomorrow should export the header only: %s", out)
	}
	if r := g.run(nil, "audit", "export", "--format", "xml"); r.code != 1 || !strings.Contains(r.stderr, "jsonl or csv") {
		t.Fatalf("unknown format: exit %d %q", r.code, r.stderr)
	}
	assertSecretsAbsent(t, g, key)
	for _, p := range []string{jsonl, csvFile} {
		if b, _ := os.ReadFile(p); strings.Contains(string(b), key) {
			t.Errorf("%s contains the API key", p)
		}
	}

	// Tampering. The database itself refuses edits; someone who drops the
	// guard first is caught by the chain.
	db, err := sql.Open("sqlite", filepath.Join(g.home, "guise.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("DELETE FROM audit_log WHERE seq = 2"); err == nil {
		t.Fatal("the audit log accepted a DELETE")
	}
	if _, err := db.Exec("DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, sql, want string }{
		{"cut the tail", fmt.Sprintf("DELETE FROM audit_log WHERE seq = %d", count), fmt.Sprintf("broken at record %d", count)},
		{"edit", "UPDATE audit_log SET reason = 'routine check' WHERE seq = 3", "broken at record 3"},
	} {
		if _, err := db.Exec(c.sql); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r := g.run(nil, "audit", "verify"); r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Fatalf("%s: audit verify exit %d %q, want %q", c.name, r.code, r.stderr, c.want)
		}
	}
}
