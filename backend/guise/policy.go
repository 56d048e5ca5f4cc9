package guise

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Policy rules, named in refusals and in the audit log.
const (
	RuleDisabled      = "impersonation_disabled"
	RuleAgent         = "agent_required"
	RuleReason        = "reason_min_length"
	RuleTicket        = "ticket_required"
	RuleTicketPattern = "ticket_pattern"
	RuleDuration      = "max_duration"
	RuleSuspended     = "user_suspended"
	RuleProtected     = "protected_user"
	RuleOrgRequired   = "org_required"
	RuleOrgMember     = "org_not_member"
	RuleConcurrent    = "concurrent_session"
	RuleUnknownUser   = "unknown_user"
	RuleAgentDaily    = "agent_daily_limit"
	RuleEnvMonthly    = "env_monthly_limit"
	// RuleProviderUnsupported is a provider's refusal: the tenant lacks the
	// feature (an adapter returns it from StartImpersonation).
	RuleProviderUnsupported = "provider_unsupported"
)

// Policy is what an impersonation must satisfy before Guise asks the provider.
type Policy struct {
	Enabled          bool     `json:"enabled"`
	ReasonMinLength  int      `json:"reason_min_length"`
	TicketRequired   bool     `json:"ticket_required"`
	TicketPattern    string   `json:"ticket_pattern"`
	MaxMinutes       int      `json:"max_minutes"`
	DefaultMinutes   int      `json:"default_minutes"`
	ProtectedRoles   []string `json:"protected_roles"`
	ProtectedDomains []string `json:"protected_domains"`
	ProtectedUsers   []string `json:"protected_users"`
	AgentDailyLimit  int      `json:"agent_daily_limit"` // sessions one agent may start a day; 0: no limit
	EnvMonthlyLimit  int      `json:"env_monthly_limit"` // sessions the environment may start a month; 0: no limit
}

// DefaultPolicy is the policy of a fresh install: admins are protected, a
// reason of 10 characters, at most an hour.
func DefaultPolicy() Policy {
	return Policy{
		Enabled:         true,
		ReasonMinLength: 10,
		MaxMinutes:      60,
		DefaultMinutes:  30,
		ProtectedRoles:  []string{"admin"},
	}
}

// Validate checks the policy itself, so a broken pattern is caught when saved.
func (p Policy) Validate() error {
	if p.ReasonMinLength < 0 || p.ReasonMinLength > 500 {
		return FieldError("reason_min_length", "The minimum reason length must be between 0 and 500.")
	}
	if p.MaxMinutes < 1 || p.MaxMinutes > 24*60 {
		return FieldError("max_minutes", "The maximum duration must be between 1 minute and 24 hours.")
	}
	if p.DefaultMinutes < 1 || p.DefaultMinutes > p.MaxMinutes {
		return FieldError("default_minutes", "The default duration must be between 1 minute and the maximum (%d minutes).", p.MaxMinutes)
	}
	if p.AgentDailyLimit < 0 {
		return FieldError("agent_daily_limit", "The daily limit per agent cannot be negative (0 means no limit).")
	}
	if p.EnvMonthlyLimit < 0 {
		return FieldError("env_monthly_limit", "The monthly limit cannot be negative (0 means no limit).")
	}
	if p.TicketPattern != "" {
		if _, err := regexp.Compile(p.TicketPattern); err != nil {
			return FieldError("ticket_pattern", "The ticket pattern is not a valid regular expression: %v", err)
		}
	}
	return nil
}

// Changes describes, for the audit log, what differs from old:
// "max_minutes 60 → 30, ticket_required false → true".
func (p Policy) Changes(old Policy) string {
	var a, b map[string]any
	ja, _ := json.Marshal(old) // plain fields: cannot fail
	jb, _ := json.Marshal(p)
	_ = json.Unmarshal(ja, &a)
	_ = json.Unmarshal(jb, &b)
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		was, now := fmt.Sprint(a[k]), fmt.Sprint(b[k])
		if was != now {
			parts = append(parts, fmt.Sprintf("%s %s → %s", k, was, now))
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}

// SetPolicy validates and saves the policy of env ("" for the default that
// environments without their own inherit), with an audit record of what changed.
func (s *Service) SetPolicy(ctx context.Context, env string, p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	key := SettingPolicy
	if env != "" {
		if _, err := s.Store.Environment(ctx, env); err != nil {
			return err
		}
		key += "/" + env
	}
	old, err := s.Policy(ctx, env)
	if err != nil {
		return err
	}
	agent, err := s.Agent(ctx)
	if err != nil {
		return err
	}
	return s.Store.PutSetting(ctx, key, p, AuditRecord{At: s.now(), Kind: AuditPolicy, Env: env, Agent: agent.Email, Detail: p.Changes(old)})
}

// MaxDuration is the longest session allowed.
func (p Policy) MaxDuration() time.Duration { return time.Duration(p.MaxMinutes) * time.Minute }

// Request is an agent's ask to impersonate, before it is checked.
type Request struct {
	Env      string
	User     string // id or email
	Org      string // id or name; "" when not chosen
	Reason   string
	Ticket   string
	Duration time.Duration // 0: the policy's default
}

// Protected reports why user may not be impersonated, or "" when they may.
func (p Policy) Protected(u User) string {
	if slices.ContainsFunc(p.ProtectedRoles, func(r string) bool { return strings.EqualFold(r, u.Role) }) {
		return fmt.Sprintf("%s has the protected role %q", u.Email, u.Role)
	}
	if at := strings.LastIndex(u.Email, "@"); at >= 0 {
		domain := strings.ToLower(u.Email[at+1:])
		for _, d := range p.ProtectedDomains {
			if strings.EqualFold(strings.TrimPrefix(d, "@"), domain) {
				return fmt.Sprintf("%s is in the protected domain %s", u.Email, domain)
			}
		}
	}
	if slices.Contains(p.ProtectedUsers, u.ID) || slices.ContainsFunc(p.ProtectedUsers, func(s string) bool { return strings.EqualFold(s, u.Email) }) {
		return fmt.Sprintf("%s is on the protected users list", u.Email)
	}
	if strings.EqualFold(u.Metadata["guise_protected"], "true") {
		return fmt.Sprintf("%s is marked protected at the provider", u.Email)
	}
	return ""
}

// CheckInput checks what can be checked before the user is known. It returns
// the duration to use.
func (p Policy) CheckInput(agent Agent, req Request) (time.Duration, error) {
	if !p.Enabled {
		return 0, Refusal(RuleDisabled, "Impersonation is switched off for this environment in Settings.")
	}
	if strings.TrimSpace(agent.Email) == "" {
		return 0, Refusal(RuleAgent, "Set who you are first: guise agent set --email YOU@COMPANY (or Settings → Agent).")
	}
	reason := strings.TrimSpace(req.Reason)
	if n := len([]rune(reason)); n < p.ReasonMinLength {
		if n == 0 {
			return 0, &Error{Code: EREFUSED, Rule: RuleReason, Field: "reason", Message: fmt.Sprintf("A reason is required (at least %d characters).", p.ReasonMinLength)}
		}
		return 0, &Error{Code: EREFUSED, Rule: RuleReason, Field: "reason", Message: fmt.Sprintf("The reason is too short: %d characters, at least %d are required.", n, p.ReasonMinLength)}
	}
	ticket := strings.TrimSpace(req.Ticket)
	if p.TicketRequired && ticket == "" {
		return 0, &Error{Code: EREFUSED, Rule: RuleTicket, Field: "ticket", Message: "A ticket reference is required in this environment."}
	}
	if ticket != "" && p.TicketPattern != "" {
		re, err := regexp.Compile(p.TicketPattern)
		if err != nil || !re.MatchString(ticket) {
			return 0, &Error{Code: EREFUSED, Rule: RuleTicketPattern, Field: "ticket", Message: fmt.Sprintf("The ticket %q does not match the required pattern %s.", ticket, p.TicketPattern)}
		}
	}
	d := req.Duration
	if d == 0 {
		d = time.Duration(p.DefaultMinutes) * time.Minute
	}
	if d < time.Minute {
		return 0, FieldError("duration", "The duration must be at least 1 minute.")
	}
	if d > p.MaxDuration() {
		return 0, &Error{Code: EREFUSED, Rule: RuleDuration, Field: "duration", Message: fmt.Sprintf("The duration %s is longer than the maximum of %d minutes.", FormatDuration(d), p.MaxMinutes)}
	}
	return d, nil
}

// Quota caps the sessions started since a moment, by one agent or by
// everyone. Failed sessions do not count. The store enforces quotas in the
// transaction that records the session, so two processes cannot both take
// the last one.
type Quota struct {
	Rule    string
	Max     int
	Since   time.Time
	Agent   string // "" counts every agent's sessions
	Message string // the refusal when the quota is used up
}

// Quotas lists the policy's limits as they apply to agent at now: the
// agent's day starts at local midnight, the environment's month at MonthStart.
func (p Policy) Quotas(agent string, now time.Time) []Quota {
	now = now.In(time.Local) // the service's clock is UTC; people's days are not
	var q []Quota
	if p.AgentDailyLimit > 0 {
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.Local)
		q = append(q, Quota{Rule: RuleAgentDaily, Max: p.AgentDailyLimit, Since: day, Agent: agent,
			Message: fmt.Sprintf("%s has started %d impersonations today, the daily limit for this environment; it resets at midnight.", agent, p.AgentDailyLimit)})
	}
	if p.EnvMonthlyLimit > 0 {
		q = append(q, Quota{Rule: RuleEnvMonthly, Max: p.EnvMonthlyLimit, Since: MonthStart(now),
			Message: fmt.Sprintf("This environment has used its %d impersonations for %s; the limit resets on the 1st.", p.EnvMonthlyLimit, now.Format("January"))})
	}
	return q
}

// Barred refuses a user who may not be impersonated at all: suspended, or
// protected by this policy.
func (p Policy) Barred(u User) error {
	if u.Status == StatusSuspended {
		return Refusal(RuleSuspended, "%s is suspended; a suspended user cannot be impersonated.", u.Email)
	}
	if why := p.Protected(u); why != "" {
		return Refusal(RuleProtected, "%s is protected and cannot be impersonated: %s.", u.Email, why)
	}
	return nil
}

// CheckUser checks the user and resolves the organization.
func (p Policy) CheckUser(u User, orgSel string) (Org, error) {
	if err := p.Barred(u); err != nil {
		return Org{}, err
	}
	if orgSel != "" {
		o, ok := u.FindOrg(orgSel)
		if !ok {
			return Org{}, &Error{Code: EREFUSED, Rule: RuleOrgMember, Field: "org", Message: fmt.Sprintf("%s is not a member of %q. Their organizations: %s.", u.Email, orgSel, OrgList(u.Orgs))}
		}
		return o, nil
	}
	switch len(u.Orgs) {
	case 0:
		return Org{}, nil
	case 1:
		return u.Orgs[0], nil
	default:
		return Org{}, &Error{Code: EREFUSED, Rule: RuleOrgRequired, Field: "org", Message: fmt.Sprintf("%s belongs to %d organizations; choose one with --org: %s.", u.Email, len(u.Orgs), OrgList(u.Orgs))}
	}
}

// OrgList prints organizations as "Name (id), …", or "none".
func OrgList(orgs []Org) string {
	if len(orgs) == 0 {
		return "none"
	}
	parts := make([]string, len(orgs))
	for i, o := range orgs {
		parts[i] = fmt.Sprintf("%s (%s)", o.Name, o.ID)
	}
	return strings.Join(parts, ", ")
}

// FormatDuration prints a duration as people write it: 30m, 1h, 1h30m.
func FormatDuration(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
