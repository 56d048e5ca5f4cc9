package e2e

import (
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type user struct {
	ID     string `json:"id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Status string `json:"status"`
	Orgs   []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"organizations"`
}

type session struct {
	ID          string  `json:"id"`
	Env         string  `json:"env"`
	Provider    string  `json:"provider"`
	UserID      string  `json:"user_id"`
	UserEmail   string  `json:"user_email"`
	OrgID       string  `json:"org_id"`
	OrgName     string  `json:"org_name"`
	AgentEmail  string  `json:"agent_email"`
	Reason      string  `json:"reason"`
	Ticket      string  `json:"ticket"`
	StartedAt   string  `json:"started_at"`
	ExpiresAt   string  `json:"expires_at"`
	EndedAt     *string `json:"ended_at"`
	EndReason   string  `json:"end_reason"`
	ProviderRef string  `json:"provider_ref"`
}

// pick finds a cached user matching ok.
func pick(t *testing.T, users []user, what string, ok func(u user) bool) user {
	t.Helper()
	for _, u := range users {
		if ok(u) {
			return u
		}
	}
	t.Fatalf("the demo data has no %s", what)
	return user{}
}

// browse opens url like a browser with its cookie jar and returns the page.
func browse(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDemoLoop is the whole loop as a user runs it: serve the Demo, add an
// environment, say who you are, sync, search, impersonate (a fake xdg-open
// hands the URL to a cookie-keeping HTTP client), see the staff bar, stop,
// see the customer app refuse the session and the history say stopped.
func TestDemoLoop(t *testing.T) {
	g := newGuise(t)
	addr, key := freeAddr(t), "demo_sk_e2e_"+fmt.Sprint(time.Now().UnixNano())
	g.startDemo(addr, key)
	secret := []string{"GUISE_SECRET_SHOP=" + key}

	var version struct{ Wails, Go string }
	g.json(&version, nil, "version", "--json")
	if version.Wails != "v2.16.0" || !strings.HasPrefix(version.Go, "go1.") {
		t.Fatalf("version: %+v", version)
	}
	g.ok(secret, "env", "add", "shop", "--provider", "demo", "--base-url", "http://"+addr)
	if out := g.ok(secret, "env", "test", "shop"); !strings.Contains(out, "ok") {
		t.Fatalf("env test: %s", out)
	}
	if r := g.run(nil, "env", "test", "shop"); r.code == 0 || strings.Contains(r.stderr, key) {
		t.Fatalf("env test without the secret: exit %d, %s", r.code, r.stderr)
	}
	g.ok(nil, "agent", "set", "--email", "Agent.Smith@support.test", "--name", "Agent Smith")
	sync := g.run(secret, "sync", "--env", "shop")
	if sync.code != 0 || !strings.Contains(sync.stdout, "full") || !strings.Contains(sync.stderr, "users") {
		t.Fatalf("first sync: %+v", sync)
	}
	if out := g.ok(secret, "sync", "--env", "shop"); !strings.Contains(out, "incremental") || !strings.Contains(out, " 0 users changed") {
		t.Fatalf("second sync should be incremental with nothing new: %s", out)
	}

	var all []user
	g.json(&all, nil, "users", "search", "", "--env", "shop", "--limit", "1000", "--json")
	if len(all) != 500 {
		t.Fatalf("cached %d users, want 500", len(all))
	}
	member := pick(t, all, "active member with one org", func(u user) bool { return u.Role == "member" && u.Status == "active" && len(u.Orgs) == 1 })
	multi := pick(t, all, "active member with several orgs", func(u user) bool { return u.Role == "member" && u.Status == "active" && len(u.Orgs) > 1 })
	admin := pick(t, all, "admin", func(u user) bool { return u.Role == "admin" && u.Status == "active" })
	suspended := pick(t, all, "suspended user", func(u user) bool { return u.Status == "suspended" && u.Role == "member" })

	var found []user
	g.json(&found, nil, "users", "search", member.Email[:6], "--env", "shop", "--json")
	if len(found) == 0 || !strings.HasPrefix(found[0].Email, member.Email[:6]) {
		t.Fatalf("search by email prefix %q: %+v", member.Email[:6], found)
	}
	var shown user
	g.json(&shown, nil, "users", "show", multi.Email, "--env", "shop", "--json")
	if shown.ID != multi.ID || len(shown.Orgs) != len(multi.Orgs) || shown.Orgs[0].Name == "" {
		t.Fatalf("users show: %+v", shown)
	}

	// Impersonate the multi-org user in their second organization.
	org := multi.Orgs[1]
	var s session
	g.json(&s, secret, "impersonate", multi.ID, "--env", "shop", "--org", org.Name, "--reason", "Customer cannot see the March invoices", "--ticket", "SUP-4711", "--duration", "20m", "--json")
	if s.ID == "" || s.EndedAt != nil || s.OrgID != org.ID || s.AgentEmail != "agent.smith@support.test" || s.ProviderRef == "" || s.Provider != "demo" {
		t.Fatalf("impersonate: %+v", s)
	}
	if d := mustTime(t, s.ExpiresAt).Sub(mustTime(t, s.StartedAt)); d < 19*time.Minute || d > 20*time.Minute {
		t.Fatalf("duration %v, want 20m", d)
	}
	opened, err := os.ReadFile(g.opened)
	if err != nil {
		t.Fatalf("the browser was not opened: %v", err)
	}
	launch := strings.TrimSpace(string(opened))
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	code, page := browse(t, client, launch)
	for _, want := range []string{"Impersonated by agent.smith@support.test", "Customer cannot see the March invoices", "SUP-4711", org.Name, multi.Email} {
		if code != 200 || !strings.Contains(page, want) {
			t.Fatalf("demo app page (%d) lacks %q:\n%s", code, want, page)
		}
	}
	if code, _ := browse(t, &http.Client{Timeout: 10 * time.Second}, launch); code == 200 {
		t.Fatal("the launch ticket worked twice")
	}
	assertSecretsAbsent(t, g, key, launch)

	var active []session
	g.json(&active, nil, "sessions", "--active", "--json")
	if len(active) != 1 || active[0].ID != s.ID {
		t.Fatalf("sessions --active: %+v", active)
	}

	// Stop from another process, as the window, the tray or a script would.
	if out := g.ok(secret, "stop", s.ID); !strings.Contains(out, "Stopped") {
		t.Fatalf("stop: %s", out)
	}
	if code, page := browse(t, client, "http://"+addr+"/app/"); code == 200 || !strings.Contains(page, "This impersonation has ended") {
		t.Fatalf("the demo app still accepts the session after stop (%d): %s", code, page)
	}
	var hist []session
	g.json(&hist, nil, "sessions", "--json")
	if len(hist) != 1 || hist[0].EndReason != "stopped" || hist[0].EndedAt == nil {
		t.Fatalf("history after stop: %+v", hist)
	}
	if out := g.ok(secret, "stop", s.ID); !strings.Contains(out, "already ended") {
		t.Fatalf("stopping twice: %s", out)
	}
	if out := g.ok(secret, "stop", "--all"); !strings.Contains(out, "No impersonation is running") {
		t.Fatalf("stop --all with nothing running: %s", out)
	}
	// The exported history, like the home, holds no secret.
	exports := t.TempDir()
	g.ok(nil, "audit", "export", "--format", "jsonl", "--out", filepath.Join(exports, "audit.jsonl"))
	g.ok(nil, "audit", "export", "--format", "csv", "--out", filepath.Join(exports, "audit.csv"))
	if err := os.WriteFile(filepath.Join(exports, "sessions.json"), []byte(g.ok(nil, "sessions", "--json")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"audit.jsonl", "audit.csv", "sessions.json"} {
		b, err := os.ReadFile(filepath.Join(exports, f))
		if err != nil || !strings.Contains(string(b), "SUP-4711") {
			t.Fatalf("export %s lacks the session (%v)", f, err)
		}
		if strings.Contains(string(b), key) || strings.Contains(string(b), launch) {
			t.Errorf("export %s contains a secret", f)
		}
	}
	assertSecretsAbsent(t, g, key, launch)

	t.Run("refusals", func(t *testing.T) {
		before := chainCount(t, g)
		refusals := []struct {
			name string
			args []string
			want string
		}{
			{"no reason", []string{"impersonate", member.ID}, "reason is required"},
			{"short reason", []string{"impersonate", member.ID, "--reason", "because"}, "too short"},
			{"unknown user", []string{"impersonate", "nobody@nowhere.test", "--reason", "checking the account settings"}, "No user"},
			{"suspended", []string{"impersonate", suspended.ID, "--reason", "checking the account settings"}, "suspended"},
			{"admin", []string{"impersonate", admin.Email, "--reason", "checking the account settings"}, "protected"},
			{"org not theirs", []string{"impersonate", member.ID, "--org", "org_nope", "--reason", "checking the account settings"}, "not a member"},
			{"several orgs, none chosen", []string{"impersonate", multi.ID, "--reason", "checking the account settings"}, multi.Orgs[1].Name},
			{"too long", []string{"impersonate", member.ID, "--reason", "checking the account settings", "--duration", "2h"}, "maximum of 60 minutes"},
		}
		for _, c := range refusals {
			r := g.run(secret, append(c.args, "--env", "shop")...)
			if r.code != 3 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("%s: exit %d, stderr %q; want exit 3 and one line with %q", c.name, r.code, r.stderr, c.want)
			}
		}
		if got := chainCount(t, g); got != before+len(refusals) {
			t.Errorf("audit records grew by %d, want one per refusal (%d)", got-before, len(refusals))
		}
		other := newGuise(t)
		other.ok(secret, "env", "add", "shop", "--provider", "demo", "--base-url", "http://"+addr)
		if r := other.run(secret, "impersonate", member.ID, "--env", "shop", "--reason", "checking the account settings"); r.code != 3 || !strings.Contains(r.stderr, "agent set") {
			t.Errorf("no agent: exit %d %q", r.code, r.stderr)
		}
	})
}

func chainCount(t *testing.T, g *guise) int {
	t.Helper()
	var st struct {
		Intact bool `json:"intact"`
		Count  int  `json:"count"`
	}
	g.json(&st, nil, "audit", "verify", "--json")
	if !st.Intact {
		t.Fatalf("audit chain broken: %+v", st)
	}
	return st.Count
}

// assertSecretsAbsent checks that no secret (API key, launch URL, token)
// reached any file Guise keeps in its home: the database and its WAL, the
// logs, browser state, anything else. The Demo identity provider's own state
// (demo*.db) stands in for the vendor's cloud and is skipped.
func assertSecretsAbsent(t *testing.T, g *guise, secrets ...string) {
	t.Helper()
	scanned := 0
	err := filepath.WalkDir(g.home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "demo") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil // a file that vanished meanwhile (a WAL checkpoint)
		}
		scanned++
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s contains a secret", path)
			}
		}
		return nil
	})
	if err != nil || scanned < 2 {
		t.Fatalf("scanned %d files of %s: %v", scanned, g.home, err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
