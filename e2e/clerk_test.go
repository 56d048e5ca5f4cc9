package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/clerk/clerkfake"
)

// TestClerkLoop runs the whole loop through the real binary against a fake
// Clerk instance in this process: add, test, sync, search, impersonate
// (actor token), stop before use (token revoked), stop after use (only this
// agent's Clerk session revoked), history, the month's count, and the 402,
// 401 and banned-user paths.
func TestClerkLoop(t *testing.T) {
	key := fmt.Sprintf("sk_test_e2e_%d", time.Now().UnixNano())
	f := clerkfake.NewServer(key)
	defer f.Close()
	base := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	f.AddOrg(clerkfake.Org{ID: "org_acme", Name: "Acme"})
	f.AddOrg(clerkfake.Org{ID: "org_globex", Name: "Globex"})
	f.AddUser(clerkfake.User{ID: "user_support", Email: "support@guise.test", FirstName: "Support", CreatedAt: base})
	f.AddUser(clerkfake.User{ID: "user_jane", Email: "jane@customer.test", FirstName: "Jane", LastName: "Doe", CreatedAt: base,
		Memberships: []clerkfake.Membership{{OrgID: "org_acme", Role: "org:member"}, {OrgID: "org_globex", Role: "org:admin"}}})
	f.AddUser(clerkfake.User{ID: "user_bob", Email: "bob@customer.test", FirstName: "Bob", CreatedAt: base,
		Memberships: []clerkfake.Membership{{OrgID: "org_acme", Role: "org:member"}}})
	f.AddUser(clerkfake.User{ID: "user_banned", Email: "banned@customer.test", Banned: true, CreatedAt: base})
	f.AddUser(clerkfake.User{ID: "user_other_agent", Email: "other@guise.test", CreatedAt: base})
	f.Seed(600, base.Add(time.Hour)) // two pages of 500

	g := newGuise(t)
	secret := []string{"GUISE_SECRET_SHOP=" + key}
	if r := g.run(secret, "env", "add", "shop", "--provider", "clerk", "--base-url", f.URL()); r.code != 1 || !strings.Contains(r.stderr, "actor_user_id") {
		t.Fatalf("add without actor_user_id: exit %d %q", r.code, r.stderr)
	}
	g.ok(secret, "env", "add", "shop", "--provider", "clerk", "--base-url", f.URL(), "--set", "actor_user_id=user_support")
	out := g.ok(secret, "env", "test", "shop")
	for _, want := range []string{"the instance has 605 users", "support@guise.test", "Impersonations this month: 0 started"} {
		if !strings.Contains(out, want) {
			t.Fatalf("env test lacks %q:\n%s", want, out)
		}
	}
	g.ok(nil, "agent", "set", "--email", "Agent.Smith@support.test")

	sync := g.run(secret, "sync", "--env", "shop")
	if sync.code != 0 || !strings.Contains(sync.stdout, "full") || !strings.Contains(sync.stderr, "605 users of ~605") {
		t.Fatalf("sync: %+v", sync)
	}
	var found []user
	g.json(&found, nil, "users", "search", "jane", "--env", "shop", "--json")
	if len(found) != 1 || found[0].ID != "user_jane" || len(found[0].Orgs) != 2 || found[0].Orgs[1].Name != "Globex" {
		t.Fatalf("search jane: %+v", found)
	}
	var banned user
	g.json(&banned, nil, "users", "show", "banned@customer.test", "--env", "shop", "--json")
	if banned.Status != "suspended" {
		t.Fatalf("banned user: %+v", banned)
	}

	// Impersonate, then stop before the link is used: the token is revoked.
	impersonate := func(who, org string) session {
		t.Helper()
		var s session
		g.json(&s, secret, "impersonate", who, "--env", "shop", "--org", org, "--reason", "Customer cannot see the March invoices", "--ticket", "SUP-4711", "--duration", "20m", "--json")
		if s.Provider != "clerk" || !strings.HasPrefix(s.ProviderRef, "act_") || s.EndedAt != nil {
			t.Fatalf("impersonate: %+v", s)
		}
		return s
	}
	s1 := impersonate("user_jane", "Acme")
	tok, ok := f.Token(s1.ProviderRef)
	if !ok || tok.Status != clerkfake.TokenPending || tok.UserID != "user_jane" || tok.Actor["sub"] != "user_support" ||
		tok.Actor["email"] != "agent.smith@support.test" || tok.Actor["reason"] != "Customer cannot see the March invoices" ||
		tok.Actor["ticket"] != "SUP-4711" || tok.SessionMax != 1200 || tok.ExpiresIn > 900 {
		t.Fatalf("actor token: %+v", tok)
	}
	opened, err := os.ReadFile(g.opened)
	launch := strings.TrimSpace(string(opened))
	if err != nil || !strings.Contains(launch, "ticket=tkt_"+s1.ProviderRef) {
		t.Fatalf("the browser got %q (%v)", launch, err)
	}
	assertSecretsAbsent(t, g, key, launch)
	if out := g.ok(secret, "stop", s1.ID); !strings.Contains(out, "revoked before it was used") {
		t.Fatalf("stop before use: %s", out)
	}
	if tok, _ := f.Token(s1.ProviderRef); tok.Status != clerkfake.TokenRevoked {
		t.Fatalf("token after stop: %s", tok.Status)
	}

	// Impersonate again, the browser uses the link; stop ends only the
	// session opened with it: not the customer's own, not another agent's.
	s2 := impersonate("jane@customer.test", "Globex")
	own := f.AddSession("user_jane", nil)
	ours, err := f.Accept(s2.ProviderRef)
	if err != nil {
		t.Fatal(err)
	}
	other := f.AddSession("user_jane", map[string]any{"sub": "user_other_agent", "email": "other@guise.test"})
	if out := g.ok(secret, "stop", s2.ID); !strings.Contains(out, "had been used") || !strings.Contains(out, ours) {
		t.Fatalf("stop after use: %s", out)
	}
	for id, want := range map[string]string{ours: "revoked", own: "active", other: "active"} {
		if got := f.SessionStatus(id); got != want {
			t.Errorf("Clerk session %s is %s, want %s", id, got, want)
		}
	}
	var hist []session
	g.json(&hist, nil, "sessions", "--env", "shop", "--json")
	if len(hist) != 2 || hist[0].ID != s2.ID || hist[0].EndReason != "stopped" || hist[1].EndReason != "stopped" || hist[0].ProviderRef != s2.ProviderRef {
		t.Fatalf("history: %+v", hist)
	}
	if out := g.ok(secret, "env", "test", "shop"); !strings.Contains(out, "Impersonations this month: 2 started") {
		t.Fatalf("month count: %s", out)
	}

	// Refused before any token: a banned user.
	tokens := len(f.Tokens())
	if r := g.run(secret, "impersonate", "user_banned", "--env", "shop", "--reason", "Customer cannot see the March invoices"); r.code != 3 || !strings.Contains(r.stderr, "suspended") {
		t.Fatalf("banned: exit %d %q", r.code, r.stderr)
	}
	// 402: the plan's quota, with this month's count from the history.
	f.SetQuota(0)
	r := g.run(secret, "impersonate", "user_bob", "--env", "shop", "--reason", "Customer cannot see the March invoices")
	if r.code != 1 || !strings.Contains(r.stderr, "free plan allows 5 a month") || !strings.Contains(r.stderr, "recorded 2 impersonation(s) in shop") {
		t.Fatalf("402: exit %d %q", r.code, r.stderr)
	}
	if got := len(f.Tokens()); got != tokens {
		t.Fatalf("%d actor tokens were created by refused or failed starts", got-tokens)
	}

	// 401: a key of another instance.
	wrong := []string{"GUISE_SECRET_WRONG=sk_test_not_this_instance"}
	g.ok(wrong, "env", "add", "wrong", "--provider", "clerk", "--base-url", f.URL(), "--set", "actor_user_id=user_support")
	if r := g.run(wrong, "env", "test", "wrong"); r.code != 1 || !strings.Contains(r.stdout, "rejected the secret key of wrong") {
		t.Fatalf("401 env test: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := g.run(wrong, "sync", "--env", "wrong"); r.code != 1 || !strings.Contains(r.stderr, "rejected the secret key of wrong") || strings.Contains(r.stderr, "sk_test_not") {
		t.Fatalf("401 sync: exit %d %q", r.code, r.stderr)
	}
}
