package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/asgardeo/asgardeofake"
)

const (
	asgClient = "jVcW4oLn1Jjb2T94H4gtPV9z5Y0a"
	asgSecret = "asgardeo-secret-e2e"
	asgAgent  = "2d931c9d-876e-46c0-9aba-f34501879dfc"
)

func addAsgardeo(t *testing.T, g *guise, name string, fake *asgardeofake.Server, extra ...string) []string {
	t.Helper()
	secret := []string{"GUISE_SECRET_" + strings.ToUpper(name) + "=" + asgSecret}
	args := append([]string{"env", "add", name, "--provider", "asgardeo", "--base-url", fake.Base(),
		"--set", "org=acme", "--set", "client_id=" + asgClient, "--set", "requests_per_minute=6000"}, extra...)
	g.ok(secret, args...)
	return secret
}

// authorizeURL waits for the fake xdg-open to record the n-th opened URL,
// which must be the sign-in's authorize request.
func authorizeURL(t *testing.T, g *guise, n int) string {
	t.Helper()
	u := waitOpened(t, g, n)
	if !strings.Contains(u, "/oauth2/authorize?") {
		t.Fatalf("opened %q, not the authorize endpoint", u)
	}
	return u
}

// TestAsgardeoLoop: env add/test, SCIM sync with organizations, then the
// interactive impersonation through the real binary: the sign-in opens in
// the (fake) browser, which follows the authorize URL to Guise's loopback
// listener; the token exchange and the organization switch follow; the
// business application opens. A stop from another process (no keychain
// here, so the tokens were in the starting process's memory) ends the
// user's session begun with it and says the token lapses at its expiry.
func TestAsgardeoLoop(t *testing.T) {
	fake := asgardeofake.New(asgardeofake.Tenant{Org: "acme", ClientID: asgClient, ClientSecret: asgSecret, Scopes: asgardeofake.AllScopes, AgentID: asgAgent})
	defer fake.Close()
	users := fake.AddUsers(230, time.Now().Add(-48*time.Hour))
	g := newGuise(t)
	secret := addAsgardeo(t, g, "acme", fake, "--set", "app_url="+fake.URL+"/app")

	test := g.ok(secret, "env", "test", "acme")
	t.Logf("env test:\n%s", test)
	for _, want := range []string{"ok    Token: obtained a management token", "Scopes: granted: internal_user_mgt_list", "Users: 230 users", "Sessions API: available", "may email the user"} {
		if !strings.Contains(test, want) {
			t.Errorf("env test lacks %q", want)
		}
	}
	if out := g.ok(secret, "sync", "--env", "acme"); !strings.Contains(out, "230 users") {
		t.Fatalf("sync: %s", out)
	}
	if n := fake.Calls("GET /t/{org}/scim2/Users"); n < 3 {
		t.Fatalf("SCIM pages of 100: %d calls", n)
	}
	target := users[14] // Acme US and Acme APAC
	var shown user
	g.json(&shown, nil, "users", "show", target.Email, "--env", "acme", "--json")
	if len(shown.Orgs) != 2 || shown.Orgs[0].Name+","+shown.Orgs[1].Name != "Acme APAC,Acme US" {
		t.Fatalf("organizations: %+v", shown)
	}
	var locked []user
	g.json(&locked, nil, "users", "search", users[13].Email, "--env", "acme", "--json")
	if len(locked) != 1 || locked[0].Status != "suspended" {
		t.Fatalf("a locked account: %+v", locked)
	}
	g.ok(nil, "agent", "set", "--email", "agent@support.test")

	own := fake.AddSession(target.ID, "Acme App", time.Now().Add(-time.Hour))
	// The fake xdg-open follows the authorize URL like a browser, to Guise's
	// loopback listener.
	bg := g.start(append(secret, "GUISE_E2E_FOLLOW=1"), "impersonate", target.Email, "--env", "acme", "--org", "Acme US", "--reason", "Customer cannot open the billing page", "--json")
	authorizeURL(t, g, 1)
	r := bg.wait(t, 2*time.Minute)
	if r.code != 0 {
		t.Fatalf("impersonate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var s session
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s.Provider != "asgardeo" || s.OrgName != "Acme US" || !strings.HasPrefix(s.ProviderRef, "m:"+s.ID+":") {
		t.Fatalf("session: %+v", s)
	}
	if opened := launched(t, g); len(opened) != 2 || opened[1] != fake.URL+"/app" {
		t.Fatalf("opened %v", opened)
	}
	imp := fake.Impersonated()
	if len(imp) != 2 || imp[0].Act != asgAgent || imp[0].Sub != target.ID || imp[1].OrgID != "2fb64b16-94ee-4727-a542-5db7af91ef06" {
		t.Fatalf("issued: %+v", imp)
	}
	if len(fake.LiveSessions(target.ID)) != 2 {
		t.Fatalf("sessions after the start: %+v", fake.LiveSessions(target.ID))
	}

	out := g.ok(secret, "stop", s.ID)
	t.Logf("stop:\n%s", out)
	if !strings.Contains(out, "lapses at its expiry") || !strings.Contains(out, "ended 1 Asgardeo session(s)") {
		t.Fatalf("stop: %s", out)
	}
	if live := fake.LiveSessions(target.ID); len(live) != 1 || live[0].ID != own {
		t.Fatalf("the stop must end only the session begun with the impersonation: %+v", live)
	}
	assertSecretsAbsent(t, g, asgSecret, imp[0].Token, imp[1].Token)
}

// TestAsgardeoRefusals: a token whose act.sub is not the agent is refused
// (and revoked); an answer with another state is refused; a sign-in that
// never comes back times out. None starts a session; each is recorded failed.
func TestAsgardeoRefusals(t *testing.T) {
	fake := asgardeofake.New(asgardeofake.Tenant{Org: "acme", ClientID: asgClient, ClientSecret: asgSecret, Scopes: asgardeofake.AllScopes, AgentID: asgAgent, WrongActor: true})
	defer fake.Close()
	users := fake.AddUsers(5, time.Now().Add(-48*time.Hour))
	g := newGuise(t)
	secret := addAsgardeo(t, g, "acme", fake, "--set", "signin_timeout=3s")
	g.ok(secret, "sync", "--env", "acme")
	g.ok(nil, "agent", "set", "--email", "agent@support.test")

	// The wrong actor.
	bg := g.start(append(secret, "GUISE_E2E_FOLLOW=1"), "impersonate", users[1].Email, "--env", "acme", "--reason", "Customer cannot open the billing page")
	authorizeURL(t, g, 1)
	r := bg.wait(t, 2*time.Minute)
	t.Logf("wrong actor: exit %d %s", r.code, r.stderr)
	if r.code != 1 || !strings.Contains(r.stderr, "with actor") || !strings.Contains(r.stderr, "did not start the session") {
		t.Fatalf("a token with the wrong act.sub: exit %d %q", r.code, r.stderr)
	}
	if imp := fake.Impersonated(); len(imp) != 1 || !imp[0].Revoked {
		t.Fatalf("the refused token must be revoked: %+v", imp)
	}
	fake.SetTenant(func(tn *asgardeofake.Tenant) { tn.WrongActor = false })

	// An answer carrying another state.
	bg = g.start(secret, "impersonate", users[2].Email, "--env", "acme", "--reason", "Customer cannot open the billing page")
	loc, err := asgardeofake.Authorize(authorizeURL(t, g, 2))
	if err != nil {
		t.Fatal(err)
	}
	lu, _ := url.Parse(loc)
	q := lu.Query()
	q.Set("state", "not-the-one-guise-sent")
	lu.RawQuery = q.Encode()
	if resp, err := httpGet(lu.String()); err != nil || resp != 400 {
		t.Fatalf("the callback with a forged state: %d %v", resp, err)
	}
	r = bg.wait(t, 2*time.Minute)
	t.Logf("state mismatch: exit %d %s", r.code, r.stderr)
	if r.code != 1 || !strings.Contains(r.stderr, "state mismatch") {
		t.Fatalf("state mismatch: exit %d %q", r.code, r.stderr)
	}

	// Nobody signs in.
	bg = g.start(secret, "impersonate", users[3].Email, "--env", "acme", "--reason", "Customer cannot open the billing page")
	authorizeURL(t, g, 3)
	r = bg.wait(t, 2*time.Minute)
	t.Logf("timeout: exit %d %s", r.code, r.stderr)
	if r.code != 1 || !strings.Contains(r.stderr, "did not come back within 3s") {
		t.Fatalf("timeout: exit %d %q", r.code, r.stderr)
	}

	var hist []struct {
		EndReason string `json:"end_reason"`
		Note      string `json:"note"`
	}
	g.json(&hist, nil, "sessions", "--json")
	if len(hist) != 3 {
		t.Fatalf("history: %+v", hist)
	}
	for _, h := range hist {
		if h.EndReason != "failed" {
			t.Fatalf("a refused start must be recorded failed: %+v", hist)
		}
	}
	if opened := launched(t, g); len(opened) != 3 {
		t.Fatalf("only the three sign-ins may open, no session: %v", opened)
	}
	assertSecretsAbsent(t, g, asgSecret, fake.Impersonated()[0].Token)
}

func httpGet(u string) (int, error) {
	resp, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
