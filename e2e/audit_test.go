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

	// No session bus here, so no keychain: a typed secret is refused, never
	// written to disk, and Guise says how to provide it instead.
	typed := "sk_test_typed_" + fmt.Sprint(time.Now().UnixNano())
	if r := g.runInput(typed, nil, "env", "add", "cl", "--provider", "clerk", "--set", "actor_user_id=user_1", "--secret-stdin"); r.code != 1 || !strings.Contains(r.stderr, "GUISE_SECRET_CL") {
		t.Fatalf("a secret without a keychain: exit %d %q", r.code, r.stderr)
	}
	assertSecretsAbsent(t, g, typed)

	if r := g.run(nil, "policy", "set", "--env", "shop", "--max-duration", "90s"); r.code != 2 || !strings.Contains(r.stderr, "whole minutes") {
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

// TestAStopTheProviderCannotConfirmStaysPendingUntilItCan stops a session
// while the identity provider is down: the session stays running with its
// stop pending (never reported as stopped), and the next command once the
// provider is back confirms it, revoking it for real.
func TestAStopTheProviderCannotConfirmStaysPendingUntilItCan(t *testing.T) {
	g := newGuise(t)
	addr, key := freeAddr(t), "demo_sk_pending_"+fmt.Sprint(time.Now().UnixNano())
	stopDemo := g.startDemo(addr, key)
	secret := []string{"GUISE_SECRET_SHOP=" + key}
	g.ok(secret, "env", "add", "shop", "--provider", "demo", "--base-url", "http://"+addr)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")
	g.ok(secret, "sync", "--env", "shop")
	var s session
	g.json(&s, secret, "impersonate", "sandra.ruiz@pioneerenergy.test", "--env", "shop", "--reason", "Customer reports a missing invoice", "--json")

	stopDemo()
	if r := g.run(secret, "impersonate", "user_000005", "--env", "shop", "--org", "1", "--reason", "Customer reports a missing invoice"); r.code != 1 || !strings.Contains(r.stderr, "guise demo serve --addr "+addr) {
		t.Fatalf("impersonating with the Demo down should say how to start it: exit %d %q", r.code, r.stderr)
	}
	r := g.run(secret, "stop", s.ID)
	if r.code != 1 || !strings.Contains(r.stderr, "pending") || !strings.Contains(r.stderr, "retries every 10 seconds") {
		t.Fatalf("stop with the provider down: exit %d %q", r.code, r.stderr)
	}
	var active []struct {
		ID      string  `json:"id"`
		Pending *string `json:"revoke_pending_since"`
	}
	g.json(&active, secret, "sessions", "--active", "--json")
	if len(active) != 1 || active[0].ID != s.ID || active[0].Pending == nil {
		t.Fatalf("the session must still run with its stop pending: %+v", active)
	}
	if out := g.ok(secret, "sessions", "--active"); !strings.Contains(out, "stop pending since") {
		t.Fatalf("sessions does not show the pending stop: %s", out)
	}

	g.startDemo(addr, key) // same home, same state file: the impersonation is still live there
	list := g.run(secret, "sessions")
	if list.code != 0 || !strings.Contains(list.stderr, "now confirmed") {
		t.Fatalf("sessions once the provider is back: exit %d %q", list.code, list.stderr)
	}
	var hist []session
	g.json(&hist, nil, "sessions", "--json")
	if len(hist) != 1 || hist[0].EndReason != "stopped" {
		t.Fatalf("history: %+v", hist)
	}
	if st := demoStatus(t, addr, key, hist[0].ProviderRef); st != "revoked" {
		t.Fatalf("at the provider the impersonation is %q, want revoked", st)
	}
	chainCount(t, g)
}

// TestEditAnEnvironment changes an environment's settings through the CLI:
// settings merge, a bad value is refused with its field and changes nothing,
// the built-in Demo is left alone, and the audit log records what changed.
func TestEditAnEnvironment(t *testing.T) {
	g := newGuise(t)
	addr, key := freeAddr(t), "demo_sk_edit_"+fmt.Sprint(time.Now().UnixNano())
	g.startDemo(addr, key)
	secret := []string{"GUISE_SECRET_SHOP=" + key}
	g.ok(secret, "env", "add", "shop", "--provider", "demo", "--base-url", "http://"+addr, "--set", "timeout=5s")
	if r := g.run(secret, "env", "edit", "shop", "--set", "timeout=soon"); r.code != 1 || !strings.Contains(r.stderr, "timeout") {
		t.Fatalf("a bad timeout: exit %d %q", r.code, r.stderr)
	}
	if r := g.run(secret, "env", "edit", "shop", "--base-url", "http://example.com"); r.code != 1 || !strings.Contains(r.stderr, "https") {
		t.Fatalf("plain http off loopback: exit %d %q", r.code, r.stderr)
	}
	g.ok(secret, "env", "edit", "shop", "--set", "timeout=20s", "--set", "note=eu")
	g.ok(secret, "env", "edit", "shop", "--unset", "note")
	var envs []struct {
		Name     string            `json:"name"`
		BaseURL  string            `json:"base_url"`
		Settings map[string]string `json:"settings"`
	}
	g.json(&envs, nil, "env", "list", "--json")
	for _, e := range envs {
		if e.Name == "shop" && (e.BaseURL != "http://"+addr || len(e.Settings) != 1 || e.Settings["timeout"] != "20s") {
			t.Fatalf("after the edits: %+v", e)
		}
	}
	if out := g.ok(secret, "env", "test", "shop"); !strings.Contains(out, "ok") {
		t.Fatalf("the edited environment no longer works: %s", out)
	}
	if r := g.run(nil, "env", "edit", "demo", "--set", "timeout=9s"); r.code != 1 || !strings.Contains(r.stderr, "built-in") {
		t.Fatalf("editing the built-in Demo: exit %d %q", r.code, r.stderr)
	}
	out := g.ok(nil, "audit", "export", "--format", "csv")
	for _, want := range []string{"environment.changed", "note set to eu, timeout 5s → 20s", "note removed"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the audit log lacks %q:\n%s", want, out)
		}
	}
}
