package workos

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Settings of a WorkOS environment.
const (
	// SettingEnvironmentID is the dashboard's id of the environment
	// (environment_…), which the dashboard's links contain.
	SettingEnvironmentID = "environment_id"
	// SettingEventWait is how long Guise waits for WorkOS to report an
	// impersonation started in the dashboard, like 10m.
	SettingEventWait = "event_wait"
)

// Defaults and WorkOS's own limits.
const (
	DefaultEventWait = 10 * time.Minute
	// SessionLifetime is the fixed life of a WorkOS impersonation session.
	SessionLifetime = 60 * time.Minute
	// DashboardURL is where the WorkOS dashboard lives.
	DashboardURL = "https://dashboard.workos.com"
	// retention is how far back WorkOS keeps events.
	retention = 30 * 24 * time.Hour
	// clockSkew tolerates this machine's clock running ahead of WorkOS's.
	clockSkew = 30 * time.Second
)

// Provider is Guise's adapter for one WorkOS environment.
type Provider struct {
	c         *Client
	env       string
	envID     string
	eventWait time.Duration
	now       func() time.Time
}

var (
	_ guise.Provider   = (*Provider)(nil)
	_ guise.Reconciler = (*Provider)(nil)
)

// Option configures a Provider.
type Option = ClientOption

// ValidateSettings checks a WorkOS environment's settings, naming the one at fault.
func ValidateSettings(s map[string]string) (envID string, wait time.Duration, err error) {
	envID = strings.TrimSpace(s[SettingEnvironmentID])
	switch {
	case envID == "":
		return "", 0, guise.FieldError(SettingEnvironmentID, "A WorkOS environment needs its environment id, which the dashboard's address shows (dashboard.workos.com/environment_…/…): add it with --set environment_id=environment_….")
	case strings.ContainsAny(envID, "/?#% \t"):
		return "", 0, guise.FieldError(SettingEnvironmentID, "%q is not a WorkOS environment id; copy the part after dashboard.workos.com/ in the dashboard's address, like environment_01H….", envID)
	}
	wait = DefaultEventWait
	if v := strings.TrimSpace(s[SettingEventWait]); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d < time.Second || d > SessionLifetime {
			return "", 0, guise.FieldError(SettingEventWait, "event_wait %q must be a duration between 1s and 60m, like 10m: how long Guise waits for WorkOS to report an impersonation started in the dashboard.", v)
		}
		wait = d
	}
	return envID, wait, nil
}

// New builds the adapter for env with its API key.
func New(env guise.Environment, secret string, opts ...Option) (*Provider, error) {
	secret = strings.TrimSpace(secret)
	switch {
	case secret == "":
		return nil, guise.FieldError("secret", "A WorkOS environment needs a secret API key (sk_…) from WorkOS Dashboard → API Keys.")
	case strings.HasPrefix(secret, "client_"):
		return nil, guise.FieldError("secret", "That is a WorkOS client id (client_…); Guise needs the secret API key, sk_…, from WorkOS Dashboard → API Keys.")
	case !strings.HasPrefix(secret, "sk_"):
		return nil, guise.FieldError("secret", "That does not look like a WorkOS API key: secret keys start with sk_ (WorkOS Dashboard → API Keys).")
	}
	envID, wait, err := ValidateSettings(env.Settings)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(strings.TrimSpace(env.BaseURL), "/")
	if base != "" {
		if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, guise.FieldError("base_url", "%q is not a URL; leave it empty for %s.", env.BaseURL, DefaultBaseURL)
		}
	}
	c := NewClient(env.Name, secret, append([]ClientOption{WithBaseURL(base)}, opts...)...)
	return &Provider{c: c, env: env.Name, envID: envID, eventWait: wait, now: c.now}, nil
}

// Client exposes the API client (tests).
func (p *Provider) Client() *Client { return p.c }

// Check reports whether the key works, whether it may read events, and
// whether impersonation sessions have been seen in them.
func (p *Provider) Check(ctx context.Context) []guise.CheckResult {
	list, err := p.c.ListUsers(ctx, ListUsersParams{Limit: 1})
	if err != nil {
		return []guise.CheckResult{{Name: "API key", Detail: guise.ErrorMessage(err)}}
	}
	key := guise.CheckResult{Name: "API key", OK: true, Detail: "the key reads the users of this environment"}
	if len(list.Data) == 0 {
		key.Detail += " (there are none yet)"
	}
	out := []guise.CheckResult{key}
	seen, latest, err := p.impersonationsSeen(ctx)
	if err != nil {
		return append(out, guise.CheckResult{Name: "Events permission", Detail: guise.ErrorMessage(err) +
			" Without it Guise cannot tell when an impersonation started in the dashboard."})
	}
	out = append(out, guise.CheckResult{Name: "Events permission", OK: true, Detail: "the key reads session events, which confirm impersonations started in the dashboard"})
	imp := guise.CheckResult{Name: "Impersonation sessions", OK: true}
	if seen == 0 {
		imp.Detail = "none seen in the last 30 days. Make sure User Impersonation is enabled for this environment (WorkOS Dashboard → Authentication → Features → User Impersonation; an Admin switches it on)."
	} else {
		imp.Detail = fmt.Sprintf("%d seen in the last 30 days; the latest by %s at %s", seen, latest.Data.Impersonator.Email, latest.CreatedAt.Local().Format("2006-01-02 15:04"))
	}
	return append(out, imp, guise.CheckResult{Name: "Dashboard", OK: true,
		Detail: fmt.Sprintf("impersonations start in the dashboard of environment %s; Guise waits up to %s for each to be reported", p.envID, guise.FormatDuration(p.eventWait))})
}

// impersonationsSeen counts session.created events with an impersonator in
// the retained events (at most 20 pages are read).
func (p *Provider) impersonationsSeen(ctx context.Context) (int, Event, error) {
	n, latest := 0, Event{}
	err := p.eachEvent(ctx, p.now().Add(-retention), 20, func(e Event) {
		if e.Event == EventSessionCreated && e.Data.Impersonator != nil {
			n++
			latest = e
		}
	})
	return n, latest, err
}

// eachEvent walks session events from since (zero: all retained), oldest
// first, up to maxPages pages.
func (p *Provider) eachEvent(ctx context.Context, since time.Time, maxPages int, fn func(Event)) error {
	if since.IsZero() || since.Before(p.now().Add(-retention)) {
		since = p.now().Add(-retention)
	}
	for after, pages := "", 0; pages < maxPages; pages++ {
		page, err := p.c.ListEvents(ctx, ListEventsParams{Events: []string{EventSessionCreated}, RangeStart: since, After: after, Order: "asc"})
		if err != nil {
			return err
		}
		for _, e := range page.Data {
			fn(e)
		}
		if page.ListMetadata.After == "" || page.ListMetadata.After == after || len(page.Data) == 0 {
			return nil
		}
		after = page.ListMetadata.After
	}
	return nil
}

// ListOrgs returns nothing: organizations arrive with each user's
// memberships, which carry their names.
func (p *Provider) ListOrgs(context.Context, string) ([]guise.Org, string, error) {
	return nil, "", nil
}

// ListUsers returns one page of 100 users with their organizations. WorkOS
// cannot filter users by update time, so since is not used: every run lists
// everyone (the syncer upserts, and a full pass sweeps the deleted).
func (p *Provider) ListUsers(ctx context.Context, cursor string, _ time.Time) (guise.UserPage, error) {
	page, err := p.c.ListUsers(ctx, ListUsersParams{After: cursor, Limit: PageSize, Order: "asc"})
	if err != nil {
		return guise.UserPage{}, err
	}
	users, err := p.withOrgs(ctx, page.Data)
	if err != nil {
		return guise.UserPage{}, err
	}
	next := page.ListMetadata.After
	if next == cursor || len(page.Data) == 0 {
		next = "" // a cursor that does not move would loop for ever
	}
	return guise.UserPage{Users: users, Next: next}, nil
}

// GetUser fetches one user and their organizations.
func (p *Provider) GetUser(ctx context.Context, id string) (guise.User, error) {
	u, err := p.c.GetUser(ctx, id)
	if err != nil {
		if guise.ErrorCode(err) == guise.ENOTFOUND {
			return guise.User{}, guise.Wrap(guise.ENOTFOUND, err, "WorkOS environment %s has no user %s.", p.env, id)
		}
		return guise.User{}, err
	}
	users, err := p.withOrgs(ctx, []User{u})
	if err != nil {
		return guise.User{}, err
	}
	return users[0], nil
}

// withOrgs fetches each user's memberships, four users at a time.
func (p *Provider) withOrgs(ctx context.Context, in []User) ([]guise.User, error) {
	out := make([]guise.User, len(in))
	errs := make([]error, len(in))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, u := range in {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ms, err := p.c.ListMemberships(ctx, u.ID)
			out[i], errs[i] = toUser(u, ms), err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func toUser(u User, ms []Membership) guise.User {
	name := strings.TrimSpace(u.Name)
	if name == "" {
		name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	g := guise.User{ID: u.ID, Email: strings.ToLower(u.Email), Name: name, Status: guise.StatusActive,
		Role: u.Metadata["role"], UpdatedAt: u.UpdatedAt.UTC(), Orgs: []guise.Org{}}
	if len(u.Metadata) > 0 {
		g.Metadata = u.Metadata
	}
	if g.UpdatedAt.IsZero() {
		g.UpdatedAt = u.CreatedAt.UTC()
	}
	for _, m := range ms {
		if m.Status != "" && m.Status != "active" {
			continue
		}
		g.Orgs = append(g.Orgs, guise.Org{ID: m.OrganizationID, Name: m.OrganizationName, Role: m.Role.Slug})
	}
	return g
}

// DashboardLink is the documented deep link that opens the impersonation
// dialog for a user.
func (p *Provider) DashboardLink(userID string) string {
	return DashboardURL + "/" + url.PathEscape(p.envID) + "/users/" + url.PathEscape(userID) + "/details?dialog=impersonate"
}

// StartImpersonation cannot start anything: WorkOS has no API for it. It
// returns the dashboard link and what the agent must do there; Guise then
// waits for the session.created event (Reconcile).
func (p *Provider) StartImpersonation(ctx context.Context, req guise.StartRequest) (guise.Started, error) {
	if strings.TrimSpace(req.Agent.Email) == "" {
		return guise.Started{}, guise.FieldError("agent", "WorkOS names the impersonator by their dashboard email; set yours with guise agent set --email.")
	}
	org := req.OrgID
	if org != "" {
		// The dashboard lists organizations by name; a failure keeps the id.
		if ms, err := p.c.ListMemberships(ctx, req.UserID); err == nil {
			for _, m := range ms {
				if m.OrganizationID == req.OrgID && m.OrganizationName != "" {
					org = fmt.Sprintf("%s (%s)", m.OrganizationName, m.OrganizationID)
				}
			}
		}
	}
	var b strings.Builder
	b.WriteString("WorkOS has no API to start an impersonation: finish it in the WorkOS dashboard that just opened, signed in as " + req.Agent.Email + ". ")
	b.WriteString("Click Impersonate User if the dialog is not open")
	if org != "" {
		b.WriteString(", choose the organization " + org)
	}
	fmt.Fprintf(&b, ", and type the same reason: %q. Guise waits up to %s for WorkOS to report it.", req.Reason, guise.FormatDuration(p.eventWait))
	return guise.Started{URL: p.DashboardLink(req.UserID), Await: &guise.Await{Within: p.eventWait, Instructions: b.String()}}, nil
}

// StopImpersonation revokes the WorkOS session. One that has already ended
// (or is unknown) is not an error.
func (p *Provider) StopImpersonation(ctx context.Context, ref string) (guise.Stopped, error) {
	if !strings.HasPrefix(ref, "session_") {
		return guise.Stopped{Detail: "Guise has no WorkOS session id for this impersonation, so nothing was revoked at WorkOS."}, nil
	}
	if err := p.c.RevokeSession(ctx, ref); err != nil {
		if guise.ErrorCode(err) == guise.ENOTFOUND {
			return guise.Stopped{Detail: fmt.Sprintf("WorkOS session %s had already ended.", ref)}, nil
		}
		return guise.Stopped{}, err
	}
	return guise.Stopped{Detail: fmt.Sprintf("revoked WorkOS session %s", ref)}, nil
}

// Reconcile reads session.created events from since and matches each
// impersonation to an awaiting session: same user, the agent's email as
// the impersonator, created after the session was asked for. The others
// are impersonations started outside Guise.
func (p *Provider) Reconcile(ctx context.Context, since time.Time, pending []guise.Session) (guise.Reconciled, error) {
	var out guise.Reconciled
	taken := map[string]bool{}
	err := p.eachEvent(ctx, since, 200, func(e Event) {
		if e.CreatedAt.After(out.Until) {
			out.Until = e.CreatedAt
		}
		s := e.Data
		if e.Event != EventSessionCreated || s.Impersonator == nil || s.ID == "" || s.UserID == "" {
			return
		}
		created := s.CreatedAt
		if created.IsZero() {
			created = e.CreatedAt
		}
		expires := created.Add(SessionLifetime)
		for _, ps := range pending {
			if taken[ps.ID] || ps.UserID != s.UserID || !strings.EqualFold(ps.AgentEmail, s.Impersonator.Email) ||
				created.Before(ps.StartedAt.Add(-clockSkew)) {
				continue
			}
			taken[ps.ID] = true
			out.Attached = append(out.Attached, guise.Attachment{SessionID: ps.ID, Ref: s.ID, StartedAt: created, ExpiresAt: expires,
				Detail: attachDetail(ps, s, created)})
			return
		}
		out.Outside = append(out.Outside, guise.Session{UserID: s.UserID, OrgID: s.OrganizationID,
			AgentEmail: strings.ToLower(s.Impersonator.Email), Reason: s.Impersonator.Reason,
			StartedAt: created.UTC(), ExpiresAt: expires.UTC(), ProviderRef: s.ID,
			Note: "started outside Guise, in the WorkOS dashboard"})
	})
	if err != nil {
		return guise.Reconciled{}, err
	}
	return out, nil
}

// attachDetail says what WorkOS reported, and where it differs from what
// the agent asked Guise for.
func attachDetail(ps guise.Session, s Session, created time.Time) string {
	d := fmt.Sprintf("WorkOS session %s started in the dashboard at %s; it ends at %s (WorkOS's 60 minutes)", s.ID,
		created.Local().Format("15:04:05"), created.Add(SessionLifetime).Local().Format("15:04"))
	if s.OrganizationID != "" && ps.OrgID != "" && s.OrganizationID != ps.OrgID {
		d += fmt.Sprintf("; in organization %s, not the %s chosen in Guise", s.OrganizationID, ps.OrgID)
	}
	if r := strings.TrimSpace(s.Impersonator.Reason); r != "" && r != ps.Reason {
		d += fmt.Sprintf("; the reason typed there was %q", r)
	}
	return d
}
