package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/workos/workosfake"
)

// TestWorkOSLoop runs the whole loop through the real binary against a fake
// WorkOS environment in this process: add, test, sync (cursor pages with
// memberships), search, impersonate (the dashboard deep link goes to the
// fake browser, the fake then reports the session.created event, and the
// waiting `guise impersonate` attaches the WorkOS session), stop (the
// session revoked at WorkOS), an impersonation started in the dashboard
// without Guise imported into the history, and the failed path when no
// event arrives within event_wait.
func TestWorkOSLoop(t *testing.T) {
	key := fmt.Sprintf("sk_test_e2e_%d", time.Now().UnixNano())
	f := workosfake.New(key)
	defer f.Close()
	created := time.Now().Add(-48 * time.Hour)
	jane := f.AddUser("jane@customer.test", "Jane", "Doe", created,
		workosfake.OrgRef{ID: "org_acme", Name: "Acme Corp"}, workosfake.OrgRef{ID: "org_globex", Name: "Globex"})
	bob := f.AddUser("bob@customer.test", "Bob", "Stone", created, workosfake.OrgRef{ID: "org_acme", Name: "Acme Corp"})
	f.Seed(150, created) // two pages of 100 with the two above

	g := newGuise(t)
	secret := []string{"GUISE_SECRET_SHOP=" + key}
	if r := g.run(secret, "env", "add", "shop", "--provider", "workos", "--base-url", f.URL()); r.code != 1 || !strings.Contains(r.stderr, "environment_id") {
		t.Fatalf("add without environment_id: exit %d %q", r.code, r.stderr)
	}
	g.ok(secret, "env", "add", "shop", "--provider", "workos", "--base-url", f.URL(), "--set", "environment_id=environment_01E2E", "--set", "event_wait=4s")
	out := g.ok(secret, "env", "test", "shop")
	for _, want := range []string{"ok    API key", "ok    Events permission", "Impersonation sessions: none seen"} {
		if !strings.Contains(out, want) {
			t.Fatalf("env test lacks %q:\n%s", want, out)
		}
	}
	g.ok(nil, "agent", "set", "--email", "Agent.Smith@support.test")

	sync := g.run(secret, "sync", "--env", "shop")
	if sync.code != 0 || !strings.Contains(sync.stdout, "152 users") {
		t.Fatalf("sync: %+v", sync)
	}
	var found []user
	g.json(&found, nil, "users", "search", "jane", "--env", "shop", "--json")
	if len(found) != 1 || found[0].ID != jane || len(found[0].Orgs) != 2 {
		t.Fatalf("search jane: %+v", found)
	}

	// Impersonate: the command waits; the dashboard (the fake) reports it.
	reason := "Customer cannot see the March invoices"
	imp := g.start(secret, "impersonate", "jane@customer.test", "--env", "shop", "--org", "Globex", "--reason", reason, "--ticket", "SUP-4711", "--json")
	link := waitOpened(t, g, 1)
	if link != "https://dashboard.workos.com/environment_01E2E/users/"+jane+"/details?dialog=impersonate" {
		t.Fatalf("deep link %q", link)
	}
	ref := f.Impersonate(jane, "agent.smith@support.test", &reason, "org_globex", time.Now())
	res := imp.wait(t, 60*time.Second)
	var s session
	if res.code != 0 || json.Unmarshal([]byte(res.stdout), &s) != nil {
		t.Fatalf("impersonate: exit %d\nstdout %s\nstderr %s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"choose the organization Globex (org_globex)", `type the same reason: "` + reason + `"`, "Waiting for workos to report it"} {
		if !strings.Contains(res.stderr, want) {
			t.Fatalf("impersonate stderr lacks %q:\n%s", want, res.stderr)
		}
	}
	exp := mustTime(t, s.ExpiresAt)
	if s.ProviderRef != ref || s.EndedAt != nil || s.OrgName != "Globex" || exp.Before(time.Now().Add(58*time.Minute)) || exp.After(time.Now().Add(61*time.Minute)) {
		t.Fatalf("attached session: %+v", s)
	}
	assertSecretsAbsent(t, g, key)

	// Stop: revoked at WorkOS.
	if out := g.ok(secret, "stop", s.ID); !strings.Contains(out, "revoked WorkOS session "+ref) {
		t.Fatalf("stop: %s", out)
	}
	if got := f.Revoked(); len(got) != 1 || got[0] != ref || f.SessionStatus(ref) != "revoked" {
		t.Fatalf("revoked at WorkOS: %v (%s)", got, f.SessionStatus(ref))
	}

	// Started in the dashboard without Guise: imported by the next sync.
	other := f.Impersonate(bob, "colleague@support.test", nil, "org_acme", time.Now())
	sync = g.run(secret, "sync", "--env", "shop")
	if sync.code != 0 || !strings.Contains(sync.stderr, "Imported 1 impersonation(s) started outside Guise") {
		t.Fatalf("sync import: %+v", sync)
	}
	var hist []struct {
		session
		Outside bool   `json:"outside"`
		Note    string `json:"note"`
	}
	g.json(&hist, nil, "sessions", "--env", "shop", "--json")
	if len(hist) != 2 || hist[0].ProviderRef != other || !hist[0].Outside || hist[0].AgentEmail != "colleague@support.test" ||
		hist[0].UserEmail != "bob@customer.test" || hist[0].OrgName != "Acme Corp" || hist[0].EndedAt != nil ||
		hist[1].ID != s.ID || hist[1].EndReason != "stopped" || hist[1].Outside {
		t.Fatalf("history: %+v", hist)
	}
	if out := g.ok(secret, "sessions", "--env", "shop"); !strings.Contains(out, "started outside Guise") {
		t.Fatalf("sessions table: %s", out)
	}
	// Stopping the imported one revokes it too.
	if out := g.ok(secret, "stop", hist[0].ID); !strings.Contains(out, "revoked WorkOS session "+other) {
		t.Fatalf("stop imported: %s", out)
	}

	// Nobody starts it in the dashboard: failed after event_wait.
	r := g.run(secret, "impersonate", bob, "--env", "shop", "--reason", reason)
	if r.code != 1 || !strings.Contains(r.stderr, "not started in the dashboard") {
		t.Fatalf("no event: exit %d\n%s", r.code, r.stderr)
	}
	waitOpened(t, g, 2)
	var last []session
	g.json(&last, nil, "sessions", "--env", "shop", "--user", bob, "--limit", "1", "--json")
	if len(last) != 1 || last[0].EndReason != "failed" || last[0].ProviderRef != "" {
		t.Fatalf("failed session: %+v", last)
	}
	if out := g.ok(nil, "audit", "verify"); !strings.Contains(out, "intact") {
		t.Fatalf("audit: %s", out)
	}

	// Errors in plain words: a key of another environment, a key without Events.
	wrong := []string{"GUISE_SECRET_WRONG=sk_test_not_this_one"}
	g.ok(wrong, "env", "add", "wrong", "--provider", "workos", "--base-url", f.URL(), "--set", "environment_id=environment_01E2E")
	if r := g.run(wrong, "sync", "--env", "wrong"); r.code != 1 || !strings.Contains(r.stderr, "rejected the API key of wrong") || strings.Contains(r.stderr, "sk_test_not") {
		t.Fatalf("401 sync: exit %d %q", r.code, r.stderr)
	}
	f.DenyEvents(true)
	if r := g.run(secret, "env", "test", "shop"); r.code != 1 || !strings.Contains(r.stdout, "lacks the Events permission") {
		t.Fatalf("403 env test: exit %d %q", r.code, r.stdout)
	}
}

// bgCmd is a guise command started in the background.
type bgCmd struct {
	cmd      *exec.Cmd
	out, err bytes.Buffer
}

// start runs a command without waiting for it (one that waits itself).
func (g *guise) start(extraEnv []string, args ...string) *bgCmd {
	g.t.Helper()
	r := &bgCmd{cmd: exec.Command(bin, args...)}
	r.cmd.Env = append(append([]string{}, g.env...), extraEnv...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.err
	if err := r.cmd.Start(); err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Kill()
			_ = r.cmd.Wait()
		}
	})
	return r
}

// wait waits (bounded) for the command to end.
func (r *bgCmd) wait(t *testing.T, within time.Duration) result {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(within):
		_ = r.cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not end: %s", r.cmd.Args, r.err.String())
	}
	return result{r.out.String(), r.err.String(), r.cmd.ProcessState.ExitCode()}
}

// waitOpened waits until the fake browser has opened n URLs and returns the n-th.
func waitOpened(t *testing.T, g *guise, n int) string {
	t.Helper()
	var nth string
	poll(t, 30*time.Second, fmt.Sprintf("the browser opening URL %d", n), func() error {
		b, _ := os.ReadFile(g.opened)
		lines := strings.Fields(string(b))
		if len(lines) < n {
			return fmt.Errorf("%d URLs opened", len(lines))
		}
		nth = lines[n-1]
		return nil
	})
	return nth
}
