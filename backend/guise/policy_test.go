package guise

import (
	"strings"
	"testing"
	"time"
)

func TestCheckInputRefusesWithTheRuleThatRefused(t *testing.T) {
	p := DefaultPolicy()
	p.TicketPattern = `^[A-Z]+-[0-9]+$`
	agent := Agent{Email: "agent@support.test"}
	cases := []struct {
		name  string
		agent Agent
		req   Request
		pol   func(*Policy)
		rule  string
		field string
	}{
		{"no agent", Agent{}, Request{Reason: "looking at invoices"}, nil, RuleAgent, ""},
		{"empty reason", agent, Request{Reason: "   "}, nil, RuleReason, "reason"},
		{"short reason", agent, Request{Reason: "too short"}, nil, RuleReason, "reason"},
		{"bad ticket", agent, Request{Reason: "looking at invoices", Ticket: "sup 1"}, nil, RuleTicketPattern, "ticket"},
		{"ticket required", agent, Request{Reason: "looking at invoices"}, func(p *Policy) { p.TicketRequired = true }, RuleTicket, "ticket"},
		{"too long", agent, Request{Reason: "looking at invoices", Duration: 61 * time.Minute}, nil, RuleDuration, "duration"},
		{"switched off", agent, Request{Reason: "looking at invoices"}, func(p *Policy) { p.Enabled = false }, RuleDisabled, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pol := p
			if c.pol != nil {
				c.pol(&pol)
			}
			_, err := pol.CheckInput(c.agent, c.req)
			e := AsError(err)
			if e.Code != EREFUSED || e.Rule != c.rule || e.Field != c.field {
				t.Fatalf("got %+v, want rule %s field %q", e, c.rule, c.field)
			}
		})
	}
	d, err := p.CheckInput(agent, Request{Reason: "  customer cannot see invoices ", Ticket: "SUP-12"})
	if err != nil || d != 30*time.Minute {
		t.Fatalf("a good request: %v %v", d, err)
	}
}

func TestCheckUserResolvesOrgAndProtects(t *testing.T) {
	p := DefaultPolicy()
	p.ProtectedDomains = []string{"@staff.test"}
	one := User{ID: "u1", Email: "a@acme.test", Role: "member", Status: StatusActive, Orgs: []Org{{ID: "org_1", Name: "Acme"}}}
	two := User{ID: "u2", Email: "b@acme.test", Role: "member", Status: StatusActive, Orgs: []Org{{ID: "org_1", Name: "Acme"}, {ID: "org_2", Name: "Globex"}}}
	if o, err := p.CheckUser(one, ""); err != nil || o.ID != "org_1" {
		t.Fatalf("single org is chosen: %v %v", o, err)
	}
	_, err := p.CheckUser(two, "")
	if e := AsError(err); e.Rule != RuleOrgRequired || !strings.Contains(e.Message, "Globex (org_2)") {
		t.Fatalf("several orgs must be listed: %+v", e)
	}
	if o, err := p.CheckUser(two, "globex"); err != nil || o.ID != "org_2" {
		t.Fatalf("org by name: %v %v", o, err)
	}
	if _, err := p.CheckUser(two, "org_9"); AsError(err).Rule != RuleOrgMember {
		t.Fatalf("foreign org: %v", err)
	}
	admin := one
	admin.Role = "admin"
	if _, err := p.CheckUser(admin, ""); AsError(err).Rule != RuleProtected {
		t.Fatalf("admin: %v", err)
	}
	staff := one
	staff.Email = "x@STAFF.test"
	if _, err := p.CheckUser(staff, ""); AsError(err).Rule != RuleProtected {
		t.Fatalf("protected domain: %v", err)
	}
	sus := one
	sus.Status = StatusSuspended
	if _, err := p.CheckUser(sus, ""); AsError(err).Rule != RuleSuspended {
		t.Fatalf("suspended: %v", err)
	}
}

func TestPolicyValidateCatchesBrokenPatterns(t *testing.T) {
	p := DefaultPolicy()
	p.TicketPattern = "([A-Z"
	if e := AsError(p.Validate()); e.Field != "ticket_pattern" {
		t.Fatalf("got %+v", e)
	}
	p = DefaultPolicy()
	p.DefaultMinutes = 90
	if e := AsError(p.Validate()); e.Field != "default_minutes" {
		t.Fatalf("got %+v", e)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Minute: "30m", time.Hour: "1h", 90 * time.Minute: "1h30m", 45 * time.Second: "45s"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
