package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentCLIProcessesLoseNothing runs several CLI processes on one
// home at once: each impersonates and stops its own user, and several race
// for the same user. SQLite's locking must queue them: every session is
// accounted for, no user gets two, and the audit chain stays intact.
func TestConcurrentCLIProcessesLoseNothing(t *testing.T) {
	g := newGuise(t)
	addr, key := freeAddr(t), "demo_sk_conc_"+fmt.Sprint(time.Now().UnixNano())
	g.startDemo(addr, key)
	secret := []string{"GUISE_SECRET_SHOP=" + key}
	g.ok(secret, "env", "add", "shop", "--provider", "demo", "--base-url", "http://"+addr)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")
	g.ok(secret, "sync", "--env", "shop")
	var all []user
	g.json(&all, nil, "users", "search", "", "--env", "shop", "--limit", "1000", "--json")
	var members []user
	for _, u := range all {
		if u.Role == "member" && u.Status == "active" && len(u.Orgs) == 1 {
			members = append(members, u)
		}
	}
	const workers, racers = 8, 4
	if len(members) < workers+1 {
		t.Fatalf("only %d single-org members in the seed", len(members))
	}
	before := chainCount(t, g)
	reason := "Customer reports a missing invoice"

	var wg sync.WaitGroup
	errs := make(chan string, workers+racers)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(u user) {
			defer wg.Done()
			r := g.run(secret, "impersonate", u.ID, "--env", "shop", "--reason", reason, "--json")
			if r.code != 0 {
				errs <- fmt.Sprintf("impersonate %s: exit %d %s", u.Email, r.code, r.stderr)
				return
			}
			var s session
			if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
				errs <- err.Error()
				return
			}
			if r := g.run(secret, "stop", s.ID); r.code != 0 {
				errs <- fmt.Sprintf("stop %s: exit %d %s", s.ID, r.code, r.stderr)
			}
		}(members[i])
	}
	target := members[workers]
	codes := make(chan int, racers)
	for i := 0; i < racers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := g.run(secret, "impersonate", target.ID, "--env", "shop", "--reason", reason)
			if r.code != 0 && r.code != 3 {
				errs <- fmt.Sprintf("racer: exit %d %s", r.code, r.stderr)
			}
			codes <- r.code
		}()
	}
	wg.Wait()
	close(errs)
	close(codes)
	for e := range errs {
		t.Error(e)
	}
	won := 0
	for c := range codes {
		if c == 0 {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d processes started a session for the same user, want exactly 1", won)
	}

	var hist []session
	g.json(&hist, nil, "sessions", "--json")
	stopped, running := 0, 0
	for _, s := range hist {
		switch {
		case s.EndReason == "stopped":
			stopped++
		case s.EndedAt == nil && s.UserID == target.ID:
			running++
		default:
			t.Errorf("unexpected session %+v", s)
		}
	}
	if stopped != workers || running != 1 || len(hist) != workers+1 {
		t.Fatalf("history: %d stopped, %d running of %d; want %d stopped and 1 running", stopped, running, len(hist), workers)
	}
	// Each worker: started + stopped; the race: one started, the others refused.
	if got, want := chainCount(t, g)-before, 2*workers+1+(racers-1); got != want {
		t.Fatalf("the audit chain grew by %d records, want %d", got, want)
	}
	if out := g.ok(nil, "doctor"); !strings.Contains(out, "(integrity ok)") {
		t.Fatalf("doctor: %s", out)
	}
}
