package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/auth0/auth0fake"
)

type activityEvent struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	Kind   string `json:"kind"`
	Code   string `json:"code"`
	Client string `json:"client"`
	IP     string `json:"ip"`
}

type shownActivity struct {
	Activity     []activityEvent `json:"activity"`
	ActivityNote string          `json:"activity_note"`
}

// impersonateAndSignIn impersonates email in env, follows the one-time
// link as the browser would (the fake tenant logs the sign-in) and stops.
func impersonateAndSignIn(t *testing.T, g *guise, secret []string, env, email string) {
	t.Helper()
	var s session
	g.json(&s, secret, "impersonate", email, "--env", env, "--reason", "Customer cannot open the billing page", "--json")
	links := launched(t, g)
	resp, err := http.Get(links[len(links)-1])
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the one-time link answered %d", resp.StatusCode)
	}
	g.ok(secret, "stop", s.ID)
}

// TestAuth0ActivityImportedAfterSync: after an impersonation whose link was
// used, a sync imports the tenant log's events about the impersonated user
// (checkpoint paging), `users show` lists them in plain words, a second
// sync imports nothing twice, and users nobody impersonated get none.
func TestAuth0ActivityImportedAfterSync(t *testing.T) {
	fake := auth0fake.New(auth0Tenant(true, false))
	defer fake.Close()
	users := fake.AddUsers(30, time.Now().Add(-48*time.Hour))
	// Log noise from before: other users, and 150 events to page through.
	for i := range 150 {
		fake.AddLog(auth0fake.Log{Type: "s", UserID: users[10+i%5].UserID, ClientName: "Target App", Date: time.Now().Add(-time.Hour)})
	}
	fake.AddLog(auth0fake.Log{Type: "fp", UserID: users[1].UserID, ClientName: "Target App", IP: "203.0.113.9", Description: "Wrong email or password.", Date: time.Now().Add(-30 * time.Minute)})
	secret := []string{"GUISE_SECRET_ACME=m2m-secret-e2e"}
	g := newGuise(t)
	addAuth0(t, g, "acme", fake, secret, "--set", "impersonator_id="+users[0].UserID)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")
	g.ok(secret, "sync", "--env", "acme")
	if n := fake.Calls("GET /api/v2/logs"); n != 0 {
		t.Fatalf("with nobody impersonated the log is not read; read %d times", n)
	}

	impersonateAndSignIn(t, g, secret, "acme", users[1].Email)
	g.ok(secret, "sync", "--env", "acme")
	if n := fake.Calls("GET /api/v2/logs"); n < 2 {
		t.Fatalf("the log has two pages; read %d times", n)
	}
	out := g.ok(nil, "users", "show", users[1].Email, "--env", "acme")
	t.Logf("users show:\n%s", out)
	if !strings.Contains(out, "signed in · Target App · 127.0.0.1") || !strings.Contains(out, "failed sign-in (wrong password) · Target App · 203.0.113.9") {
		t.Fatalf("users show lacks the provider activity:\n%s", out)
	}
	var shown shownActivity
	g.json(&shown, nil, "users", "show", users[1].Email, "--env", "acme", "--json")
	if len(shown.Activity) != 2 || shown.Activity[0].Code != "s" || shown.Activity[1].Code != "fp" || shown.Activity[0].UserID != users[1].UserID {
		t.Fatalf("activity newest first: %+v", shown.Activity)
	}

	// A second sync goes on from the checkpoint: nothing twice.
	before := fake.Calls("GET /api/v2/logs")
	g.ok(secret, "sync", "--env", "acme")
	if fake.Calls("GET /api/v2/logs") != before+1 {
		t.Fatalf("a caught-up import reads one page; read %d", fake.Calls("GET /api/v2/logs")-before)
	}
	g.json(&shown, nil, "users", "show", users[1].Email, "--env", "acme", "--json")
	if len(shown.Activity) != 2 {
		t.Fatalf("after a second sync: %+v", shown.Activity)
	}
	var other shownActivity
	g.json(&other, nil, "users", "show", users[10].Email, "--env", "acme", "--json")
	if len(other.Activity) != 0 {
		t.Fatalf("a user nobody impersonated has no imported activity: %+v", other.Activity)
	}
	// Removing the environment removes its activity; its history stays.
	g.ok(nil, "env", "remove", "acme")
	addAuth0(t, g, "acme", fake, secret, "--set", "impersonator_id="+users[0].UserID)
	g.ok(secret, "sync", "--env", "acme")
	g.json(&shown, nil, "users", "show", users[1].Email, "--env", "acme", "--json")
	if !slices.ContainsFunc(shown.Activity, func(a activityEvent) bool { return a.Code == "s" }) {
		t.Fatalf("the history outlives the environment, so a re-added one imports again: %+v", shown.Activity)
	}
	assertSecretsAbsent(t, g, "m2m-secret-e2e")
}

// TestAuth0ActivityWithoutReadLogs: a tenant whose application lacks
// read:logs syncs as before and says nothing alarming; the log says once
// why no activity is imported, and `users show` says it plainly.
func TestAuth0ActivityWithoutReadLogs(t *testing.T) {
	tn := auth0Tenant(true, false)
	tn.Scopes = slices.DeleteFunc(slices.Clone(auth0fake.AllScopes), func(s string) bool { return s == "read:logs" })
	fake := auth0fake.New(tn)
	defer fake.Close()
	users := fake.AddUsers(10, time.Now().Add(-48*time.Hour))
	secret := []string{"GUISE_SECRET_LEAN=m2m-secret-e2e"}
	g := newGuise(t)
	addAuth0(t, g, "lean", fake, secret, "--set", "impersonator_id="+users[0].UserID)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")
	g.ok(secret, "sync", "--env", "lean")
	impersonateAndSignIn(t, g, secret, "lean", users[1].Email)
	for range 2 {
		r := g.run(secret, "sync", "--env", "lean")
		said := strings.ToLower(r.stdout + r.stderr)
		if r.code != 0 {
			t.Fatalf("sync without read:logs: exit %d %q %q", r.code, r.stdout, r.stderr)
		}
		for _, alarm := range []string{"read:logs", "scope", "error", "fail", "warn", "denied", "refused"} {
			if strings.Contains(said, alarm) {
				t.Fatalf("sync says %q:\n%s", alarm, said)
			}
		}
	}
	if n := fake.Calls("GET /api/v2/logs"); n != 2 {
		t.Fatalf("each sync tries the log once; %d tries", n)
	}
	b, err := os.ReadFile(filepath.Join(g.home, "logs", "guise.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "provider activity not imported"); n != 1 || !strings.Contains(string(b), "read:logs") {
		t.Fatalf("the log must say once why (%d times):\n%s", n, b)
	}
	out := g.ok(nil, "users", "show", users[1].Email, "--env", "lean")
	if !strings.Contains(out, "activity not imported from the provider: The Auth0 application is missing the scope read:logs") {
		t.Fatalf("users show:\n%s", out)
	}
}
