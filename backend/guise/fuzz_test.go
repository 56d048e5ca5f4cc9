package guise_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// FuzzPolicyChecksWhatPeopleType feeds the policy the free text agents and
// admins type: reasons, tickets, ticket patterns and durations. A policy
// that validates never panics on a request, and whatever it accepts obeys
// it: the reason is long enough, the ticket matches, the duration is within
// the maximum.
func FuzzPolicyChecksWhatPeopleType(f *testing.F) {
	f.Add("Customer cannot see the March invoices", "SUP-4711", `^[A-Z]+-[0-9]+$`, 30, 60, 10)
	f.Add("", "", "", 0, 60, 10)
	f.Add("short", "sup-1", `(`, 90, 60, 3)
	f.Add("ünïcödé reason ✓✓✓✓", "X-1\n", `^X-\d$`, 1, 1, 5)
	f.Add("   padded   ", " T-9 ", `T-9`, -5, 1440, 0)
	f.Fuzz(func(t *testing.T, reason, ticket, pattern string, minutes, max, minLen int) {
		p := guise.DefaultPolicy()
		p.TicketPattern, p.MaxMinutes, p.ReasonMinLength = pattern, max, minLen
		p.DefaultMinutes = min(p.DefaultMinutes, max)
		if p.Validate() != nil {
			return
		}
		d, err := p.CheckInput(guise.Agent{Email: "agent@support.test"}, guise.Request{Reason: reason, Ticket: ticket, Duration: time.Duration(minutes) * time.Minute})
		if err != nil {
			if e := guise.AsError(err); e.Message == "" || (e.Code == guise.EREFUSED && e.Rule == "") {
				t.Fatalf("a refusal must name its rule and say why: %+v", e)
			}
			return
		}
		if n := len([]rune(strings.TrimSpace(reason))); n < minLen {
			t.Fatalf("accepted a %d-character reason under a minimum of %d", n, minLen)
		}
		if tk := strings.TrimSpace(ticket); tk != "" && pattern != "" && !regexp.MustCompile(pattern).MatchString(tk) {
			t.Fatalf("accepted ticket %q against %q", tk, pattern)
		}
		if d < time.Minute || d > p.MaxDuration() {
			t.Fatalf("accepted duration %v with a maximum of %d minutes", d, max)
		}
	})
}

// FuzzOrgSelector: whatever an agent types as --org, the organization chosen
// is one of the user's, matched by id or by name.
func FuzzOrgSelector(f *testing.F) {
	for _, s := range []string{"org_1", "Acme", "acme", "ACME Corp", "", "org_", "Acme\x00", "Globex"} {
		f.Add(s)
	}
	u := guise.User{Email: "ann@acme.test", Status: guise.StatusActive, Role: "member",
		Orgs: []guise.Org{{ID: "org_1", Name: "Acme"}, {ID: "org_2", Name: "ACME Corp"}, {ID: "Acme", Name: "Trick"}}}
	f.Fuzz(func(t *testing.T, sel string) {
		o, err := guise.DefaultPolicy().CheckUser(u, sel)
		if err != nil {
			return
		}
		if sel == "" {
			t.Fatal("a user of several organizations was accepted without one chosen")
		}
		if o.ID != sel && !strings.EqualFold(o.Name, sel) {
			t.Fatalf("--org %q chose %+v", sel, o)
		}
		if sel == "Acme" && o.ID != "Acme" {
			t.Fatalf("an id must win over a name: got %+v", o)
		}
	})
}
