package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/auth0/auth0fake"
)

const auth0Domain = "acme.us.auth0.com"

func auth0Tenant(legacy, sessions bool) auth0fake.Tenant {
	return auth0fake.Tenant{Domain: auth0Domain, ClientID: "m2m", ClientSecret: "m2m-secret-e2e", Scopes: auth0fake.AllScopes,
		TargetClientID: "APP", LegacyImpersonation: legacy, SessionsAPI: sessions}
}

// addAuth0 adds an Auth0 environment pointing at fake, secret in the environment.
func addAuth0(t *testing.T, g *guise, name string, fake *auth0fake.Server, secretEnv []string, extra ...string) {
	t.Helper()
	args := append([]string{"env", "add", name, "--provider", "auth0", "--base-url", fake.URL,
		"--set", "domain=" + auth0Domain, "--set", "client_id=m2m", "--set", "target_client_id=APP"}, extra...)
	g.ok(secretEnv, args...)
}

func launched(t *testing.T, g *guise) []string {
	t.Helper()
	b, err := os.ReadFile(g.opened)
	if err != nil {
		t.Fatalf("the browser was never opened: %v", err)
	}
	return strings.Fields(string(b))
}

// TestAuth0SmallTenantLoop: a tenant within Auth0's 1,000-result cap, with
// legacy impersonation and the Sessions API. Sync by the users list (through
// a 429), impersonate (the agent resolved by email as impersonator), open
// the one-time link, stop: only the session the impersonation created is
// revoked, the customer's own stays.
func TestAuth0SmallTenantLoop(t *testing.T) {
	fake := auth0fake.New(auth0Tenant(true, true))
	defer fake.Close()
	users := fake.AddUsers(120, time.Now().Add(-48*time.Hour))
	secret := []string{"GUISE_SECRET_ACME=m2m-secret-e2e"}
	g := newGuise(t)
	addAuth0(t, g, "acme", fake, secret)

	test := g.ok(secret, "env", "test", "acme")
	t.Logf("env test:\n%s", test)
	for _, want := range []string{"ok    Token: obtained a Management API token for https://" + auth0Domain + "/api/v2/", "read:users",
		"Users: 120 users", "Legacy impersonation: available", "Sessions API: available"} {
		if !strings.Contains(test, want) {
			t.Errorf("env test lacks %q:\n%s", want, test)
		}
	}
	g.ok(nil, "agent", "set", "--email", users[0].Email) // the agent is a tenant user: the impersonator

	fake.Throttle(1) // one 429 with Retry-After: 1, waited out
	if out := g.ok(secret, "sync", "--env", "acme"); !strings.Contains(out, "full") || !strings.Contains(out, "120 users") {
		t.Fatalf("sync: %s", out)
	}
	if fake.Calls("POST /api/v2/jobs/users-exports") != 0 || fake.Calls("GET /api/v2/users") < 2 {
		t.Fatalf("a small tenant syncs through the users list (exports %d, lists %d)", fake.Calls("POST /api/v2/jobs/users-exports"), fake.Calls("GET /api/v2/users"))
	}
	var all []user
	g.json(&all, nil, "users", "search", "", "--env", "acme", "--limit", "1000", "--json")
	if len(all) != 120 {
		t.Fatalf("cached %d users, want 120", len(all))
	}
	blocked := pick(t, all, "blocked user", func(u user) bool { return u.Email == users[49].Email })
	if blocked.Status != "suspended" {
		t.Fatalf("a blocked Auth0 user must be suspended: %+v", blocked)
	}
	target := users[4] // one organization
	var shown user
	g.json(&shown, nil, "users", "show", target.Email, "--env", "acme", "--json")
	if len(shown.Orgs) != 1 || shown.Orgs[0].Name != "Acme Corp" {
		t.Fatalf("organizations: %+v", shown)
	}

	own := fake.AddSession(target.UserID, "APP", time.Now().Add(-time.Hour)) // the customer's own session
	var s session
	g.json(&s, secret, "impersonate", target.Email, "--env", "acme", "--reason", "Customer cannot open the billing page", "--json")
	if s.Provider != "auth0" || s.EndedAt != nil || !strings.HasPrefix(s.ProviderRef, "legacy:") {
		t.Fatalf("impersonate: %+v", s)
	}
	links := launched(t, g)
	if len(links) != 1 || !strings.HasPrefix(links[0], fake.URL+"/users/") {
		t.Fatalf("opened %v", links)
	}
	resp, err := http.Get(links[0]) // the browser follows the one-time link
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if len(fake.LiveSessions(target.UserID)) != 2 {
		t.Fatalf("after sign-in: %+v", fake.LiveSessions(target.UserID))
	}

	out := g.ok(secret, "stop", s.ID)
	t.Logf("stop:\n%s", out)
	if !strings.Contains(out, "revoked Auth0 session sess_") || !strings.Contains(out, "1 other session(s) were left alone") {
		t.Fatalf("stop: %s", out)
	}
	if live := fake.LiveSessions(target.UserID); len(live) != 1 || live[0].ID != own {
		t.Fatalf("the stop must revoke only the impersonation's session: %+v", live)
	}
	if r := g.run(secret, "impersonate", blocked.ID, "--env", "acme", "--reason", "Customer cannot open the billing page"); r.code != 3 || !strings.Contains(r.stderr, "suspended") {
		t.Fatalf("a blocked user: exit %d %q", r.code, r.stderr)
	}
	assertSecretsAbsent(t, g, "m2m-secret-e2e", links[0])
}

// TestAuth0BigTenantWithoutImpersonation: 5,000 users, so the full sync goes
// through the users-export job; the tenant has no legacy impersonation, so
// impersonating is refused, explained and audited as a refusal.
func TestAuth0BigTenantWithoutImpersonation(t *testing.T) {
	fake := auth0fake.New(auth0Tenant(false, false))
	defer fake.Close()
	users := fake.AddUsers(5000, time.Now().Add(-240*time.Hour))
	secret := []string{"GUISE_SECRET_BIG=m2m-secret-e2e"}
	g := newGuise(t)
	addAuth0(t, g, "big", fake, secret, "--set", "impersonator_id="+users[0].UserID)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")

	r := g.run(secret, "env", "test", "big")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  Legacy impersonation: not available: Auth0 deprecated") ||
		!strings.Contains(r.stdout, "5000 users; above Auth0's 1,000-result cap") || !strings.Contains(r.stdout, "Sessions API: not available on this plan") {
		t.Fatalf("env test: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if out := g.ok(secret, "sync", "--env", "big"); !strings.Contains(out, "5000 users") {
		t.Fatalf("sync: %s", out)
	}
	if fake.Calls("POST /api/v2/jobs/users-exports") != 1 || fake.Calls("GET /exports/{file}") != 1 {
		t.Fatalf("the big tenant must sync through one export job (jobs %d, downloads %d)", fake.Calls("POST /api/v2/jobs/users-exports"), fake.Calls("GET /exports/{file}"))
	}
	var found []user
	g.json(&found, nil, "users", "search", users[4999].Email, "--env", "big", "--json")
	if len(found) != 1 || found[0].Status != "suspended" {
		t.Fatalf("the 5000th user (blocked) after the export: %+v", found)
	}
	// An incremental run asks only for what changed.
	fake.Touch(users[10].UserID, time.Now())
	if out := g.ok(secret, "sync", "--env", "big"); !strings.Contains(out, "incremental") || !strings.Contains(out, " 1 users changed") {
		t.Fatalf("incremental sync: %s", out)
	}

	before := chainCount(t, g)
	r = g.run(secret, "impersonate", users[4].Email, "--env", "big", "--reason", "Customer cannot open the billing page")
	t.Logf("refused impersonation (exit %d): %s", r.code, r.stderr)
	if r.code != 3 || !strings.Contains(r.stderr, "deprecated") || !strings.Contains(r.stderr, "Session Delegation") {
		t.Fatalf("impersonating where the tenant cannot: exit %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(g.opened); err == nil {
		t.Fatal("a browser was opened for a refused impersonation")
	}
	if got := chainCount(t, g); got != before+1 {
		t.Fatalf("audit grew by %d, want one refusal", got-before)
	}
	if !strings.Contains(exportAudit(t, g), "impersonation.refused:provider_unsupported") {
		t.Fatal("the refusal is not in the audit log with its rule")
	}
}

// TestAuth0LocalStopAndPlainErrors: a tenant with legacy impersonation but
// no Sessions API ends a stop locally and says so; wrong credentials, a
// missing scope and an unreachable domain say what is wrong.
func TestAuth0LocalStopAndPlainErrors(t *testing.T) {
	fake := auth0fake.New(auth0Tenant(true, false))
	defer fake.Close()
	users := fake.AddUsers(20, time.Now().Add(-48*time.Hour))
	secret := []string{"GUISE_SECRET_PRO=m2m-secret-e2e"}
	g := newGuise(t)
	addAuth0(t, g, "pro", fake, secret, "--set", "impersonator_id="+users[0].UserID)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")
	g.ok(secret, "sync", "--env", "pro")
	var s session
	g.json(&s, secret, "impersonate", users[1].Email, "--env", "pro", "--reason", "Customer cannot open the billing page", "--duration", "15m", "--json")
	expires := mustTime(t, s.ExpiresAt).Local().Format("15:04")
	r := g.run(secret, "stop", s.ID)
	t.Logf("local stop:\n%s", r.stdout)
	if r.code != 0 || !strings.Contains(r.stdout, "Auth0 offers no server-side stop on this plan") || !strings.Contains(r.stdout, "expires at "+expires) {
		t.Fatalf("local stop: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	var hist []struct {
		EndReason string `json:"end_reason"`
		Note      string `json:"note"`
	}
	g.json(&hist, nil, "sessions", "--json")
	if len(hist) != 1 || hist[0].EndReason != "stopped" || !strings.Contains(hist[0].Note, "no server-side stop") {
		t.Fatalf("history: %+v", hist)
	}

	// Wrong secret.
	bad := []string{"GUISE_SECRET_WRONG=not-the-secret"}
	addAuth0(t, g, "wrong", fake, bad)
	if r := g.run(bad, "sync", "--env", "wrong"); r.code != 1 || !strings.Contains(r.stderr, "rejected the client credentials") {
		t.Fatalf("bad credentials: exit %d %q", r.code, r.stderr)
	}
	// A missing scope, named.
	tn := auth0Tenant(true, false)
	tn.Scopes = []string{"read:organizations"}
	noScope := auth0fake.New(tn)
	defer noScope.Close()
	addAuth0(t, g, "scopeless", noScope, []string{"GUISE_SECRET_SCOPELESS=m2m-secret-e2e"})
	if r := g.run([]string{"GUISE_SECRET_SCOPELESS=m2m-secret-e2e"}, "sync", "--env", "scopeless"); r.code != 1 || !strings.Contains(r.stderr, "missing the scope read:users") {
		t.Fatalf("missing scope: exit %d %q", r.code, r.stderr)
	}
	// Nothing at the base URL: the domain is named.
	gone := auth0fake.New(tn)
	gone.Close()
	addAuth0(t, g, "gone", gone, []string{"GUISE_SECRET_GONE=x"})
	if r := g.run([]string{"GUISE_SECRET_GONE=x"}, "env", "test", "gone"); r.code != 1 || !strings.Contains(r.stdout, "Check the domain") {
		t.Fatalf("unreachable: exit %d %q", r.code, r.stdout)
	}
	// No --base-url: the tenant's root is derived from the domain.
	g.ok([]string{"GUISE_SECRET_REAL=x"}, "env", "add", "real", "--provider", "auth0", "--set", "domain=real.eu.auth0.com", "--set", "client_id=a", "--set", "target_client_id=b")
	var envs []struct {
		Name    string `json:"name"`
		BaseURL string `json:"base_url"`
	}
	g.json(&envs, nil, "env", "list", "--json")
	for _, e := range envs {
		if e.Name == "real" && e.BaseURL != "https://real.eu.auth0.com" {
			t.Fatalf("derived base URL: %+v", e)
		}
	}
	if r := g.run([]string{"GUISE_SECRET_NODOMAIN=x"}, "env", "add", "nodomain", "--provider", "auth0", "--set", "client_id=a", "--set", "target_client_id=b"); r.code != 1 || !strings.Contains(r.stderr, "tenant domain") {
		t.Fatalf("no domain: exit %d %q", r.code, r.stderr)
	}
	assertSecretsAbsent(t, g, "m2m-secret-e2e")
}

// exportAudit returns the audit log as "kind:rule" words.
func exportAudit(t *testing.T, g *guise) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	g.ok(nil, "audit", "export", "--format", "jsonl", "--out", path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var kinds []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ Kind, Rule string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, r.Kind+":"+r.Rule)
	}
	return strings.Join(kinds, " ")
}
