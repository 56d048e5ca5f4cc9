package auth0

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Settings keys of an Auth0 environment.
const (
	SettingDomain         = "domain"           // TENANT.REGION.auth0.com, the canonical tenant domain
	SettingClientID       = "client_id"        // the machine-to-machine application Guise uses
	SettingTargetClientID = "target_client_id" // the customer's application the agent is signed in to
	SettingImpersonatorID = "impersonator_id"  // optional: the agent's Auth0 user id
	SettingGlobalClientID = "global_client_id" // optional: the legacy global client, for impersonation
	SettingCallbackURL    = "callback_url"     // optional: an allowed callback of the target application
)

// Provider is Guise's adapter for one Auth0 tenant.
type Provider struct {
	c            *Client
	env          string
	domain       string
	targetClient string
	impersonator string
	globalID     string
	globalSecret string
	callbackURL  string
	log          *slog.Logger
	poll         time.Duration
	now          func() time.Time

	mu  sync.Mutex
	exp *exportStream // the export download a full sync is reading, if any
}

var _ guise.Provider = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithHTTPClient sends requests through h.
func WithHTTPClient(h *http.Client) Option { return func(p *Provider) { p.c.http = h } }

// WithGlobalSecret gives the secret of the global client named by the
// global_client_id setting (the app reads it from GUISE_SECRET_<NAME>_GLOBAL).
func WithGlobalSecret(s string) Option { return func(p *Provider) { p.globalSecret = s } }

// WithLogger logs export progress and skipped records.
func WithLogger(l *slog.Logger) Option { return func(p *Provider) { p.log = l } }

// WithPollInterval sets how often an export job is polled (default 2 s).
func WithPollInterval(d time.Duration) Option { return func(p *Provider) { p.poll = d } }

// WithSleep replaces the waits (rate limits, export polls), for tests.
func WithSleep(fn func(ctx context.Context, d time.Duration) error) Option {
	return func(p *Provider) { p.c.sleep = fn }
}

// WithClock replaces the clock, for tests.
func WithClock(now func() time.Time) Option {
	return func(p *Provider) { p.now, p.c.now = now, now }
}

// DefaultBaseURL is the tenant's root when no base URL is given.
func DefaultBaseURL(domain string) string { return "https://" + NormalizeDomain(domain) }

// NormalizeDomain accepts "https://acme.us.auth0.com/" for "acme.us.auth0.com".
func NormalizeDomain(d string) string {
	d = strings.TrimSpace(d)
	d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
	return strings.TrimRight(d, "/")
}

// ValidateSettings checks an Auth0 environment's settings, naming the field at fault.
func ValidateSettings(s map[string]string) error {
	d := NormalizeDomain(s[SettingDomain])
	switch {
	case d == "":
		return guise.FieldError(SettingDomain, "An Auth0 environment needs its tenant domain: --set domain=TENANT.REGION.auth0.com.")
	case strings.ContainsAny(d, "/ ?#@") || !strings.Contains(d, "."):
		return guise.FieldError(SettingDomain, "%q is not a tenant domain; write it like acme.us.auth0.com.", s[SettingDomain])
	case strings.TrimSpace(s[SettingClientID]) == "":
		return guise.FieldError(SettingClientID, "An Auth0 environment needs the client id of a machine-to-machine application authorized for the Management API: --set client_id=….")
	case strings.TrimSpace(s[SettingTargetClientID]) == "":
		return guise.FieldError(SettingTargetClientID, "An Auth0 environment needs the client id of the application agents sign in to as the customer: --set target_client_id=….")
	}
	if cb := s[SettingCallbackURL]; cb != "" {
		if u, err := url.Parse(cb); err != nil || u.Host == "" {
			return guise.FieldError(SettingCallbackURL, "%q is not a URL; the callback must be one the target application allows.", cb)
		}
	}
	return nil
}

// New builds the adapter for env, whose secret is the machine-to-machine
// application's client secret.
func New(env guise.Environment, secret string, opts ...Option) (*Provider, error) {
	if err := ValidateSettings(env.Settings); err != nil {
		return nil, err
	}
	if strings.TrimSpace(secret) == "" {
		return nil, guise.FieldError("secret", "An Auth0 environment needs the client secret of its machine-to-machine application.")
	}
	domain := NormalizeDomain(env.Settings[SettingDomain])
	base := strings.TrimRight(env.BaseURL, "/")
	if base != "" {
		if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, guise.FieldError("base_url", "%q is not a URL; leave it empty for https://%s.", env.BaseURL, domain)
		}
	}
	p := &Provider{
		c:   NewClient(domain, base, strings.TrimSpace(env.Settings[SettingClientID]), strings.TrimSpace(secret)),
		env: env.Name, domain: domain,
		targetClient: strings.TrimSpace(env.Settings[SettingTargetClientID]),
		impersonator: strings.TrimSpace(env.Settings[SettingImpersonatorID]),
		globalID:     strings.TrimSpace(env.Settings[SettingGlobalClientID]),
		callbackURL:  strings.TrimSpace(env.Settings[SettingCallbackURL]),
		log:          slog.New(slog.DiscardHandler), poll: 2 * time.Second, now: time.Now,
	}
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

// Client exposes the Management API client (reconciliation, tests).
func (p *Provider) Client() *Client { return p.c }

// Check reports: token obtained, scopes granted, user count, whether legacy
// impersonation and the Sessions API are available.
func (p *Provider) Check(ctx context.Context) []guise.CheckResult {
	scopes, err := p.c.Scopes(ctx)
	if err != nil {
		return []guise.CheckResult{{Name: "Token", Detail: guise.ErrorMessage(err)}}
	}
	out := []guise.CheckResult{{Name: "Token", OK: true, Detail: fmt.Sprintf("obtained a Management API token for %s", p.c.Audience())}}

	var missing []string
	for _, s := range []string{"read:users", "read:organizations", "read:sessions", "delete:sessions", "read:logs", "read:tenant_settings"} {
		if !slices.Contains(scopes, s) {
			missing = append(missing, s)
		}
	}
	sc := guise.CheckResult{Name: "Scopes", OK: slices.Contains(scopes, "read:users"), Detail: "granted: " + strings.Join(scopes, " ")}
	if len(missing) > 0 {
		sc.Detail += "; missing: " + strings.Join(missing, " ") + " (read:users is required; the others enable organizations, stops, activity and the impersonation check)"
	}
	out = append(out, sc)

	list, err := p.c.ListUsers(ctx, "", "", 0, 1)
	if err != nil {
		out = append(out, guise.CheckResult{Name: "Users", Detail: guise.ErrorMessage(err)})
	} else {
		how := "syncs use the users list"
		if list.Total > listCap {
			how = "above Auth0's 1,000-result cap, so full syncs use a users-export job"
		}
		out = append(out, guise.CheckResult{Name: "Users", OK: true, Detail: fmt.Sprintf("%d users; %s", list.Total, how)})
	}

	imp := guise.CheckResult{Name: "Legacy impersonation", OK: true}
	switch disabled, err := p.c.TenantImpersonationDisabled(ctx); {
	case err == nil && disabled:
		imp.OK, imp.Detail = false, "not available: "+unsupportedExplanation
	case err == nil:
		imp.Detail = "available on this tenant (disable_impersonation is off)"
	default:
		imp.Detail = "unknown (" + guise.ErrorMessage(err) + "); Guise will find out when you impersonate"
	}
	if imp.OK && p.globalID != "" && p.globalSecret == "" {
		imp.OK, imp.Detail = false, fmt.Sprintf("global_client_id is set but its secret is not: set GUISE_SECRET_%s_GLOBAL", strings.ToUpper(strings.ReplaceAll(p.env, "-", "_")))
	}
	out = append(out, imp)

	ses := guise.CheckResult{Name: "Sessions API", OK: true}
	if err != nil || len(list.Users) == 0 {
		ses.Detail = "not checked (no user to look at)"
	} else if _, err := p.c.UserSessions(ctx, list.Users[0].UserID); err == nil {
		ses.Detail = "available: a stop revokes only the session the impersonation created"
	} else if ae := asAPIError(err); ae != nil && ae.MissingScope() != "" {
		ses.Detail = fmt.Sprintf("missing scope %s: stops end in Guise only; grant read:sessions and delete:sessions", ae.MissingScope())
	} else if ae != nil && (ae.StatusCode == http.StatusForbidden || ae.StatusCode == http.StatusNotFound) {
		ses.Detail = "not available on this plan (Enterprise only): a stop ends the session in Guise only, and says so"
	} else {
		ses.OK, ses.Detail = false, guise.ErrorMessage(err)
	}
	return append(out, ses)
}

// unsupportedExplanation says why a tenant cannot impersonate, in plain words.
const unsupportedExplanation = "Auth0 deprecated its impersonation API and does not enable it for tenants that did not already have it. " +
	"Its replacement, Session Delegation, is in Early Access on paid plans, and Guise does not support it yet."

// ListOrgs returns nothing: Auth0 organizations arrive with each user's
// memberships (GET /users/{id}/organizations), which the cache stores.
func (p *Provider) ListOrgs(context.Context, string) ([]guise.Org, string, error) {
	return nil, "", nil
}

// GetUser fetches one user and their organizations.
func (p *Provider) GetUser(ctx context.Context, id string) (guise.User, error) {
	u, err := p.c.GetUser(ctx, id)
	if err != nil {
		return guise.User{}, err
	}
	users, err := p.withOrgs(ctx, []User{u})
	if err != nil {
		return guise.User{}, err
	}
	return users[0], nil
}

// StartImpersonation calls the legacy impersonation API. A tenant without
// it gets a refusal that says why and what replaces it.
func (p *Provider) StartImpersonation(ctx context.Context, req guise.StartRequest) (guise.Started, error) {
	// The flag needs read:tenant_settings; without it the call below tells.
	if disabled, err := p.c.TenantImpersonationDisabled(ctx); err == nil && disabled {
		return guise.Started{}, p.refuse("its disable_impersonation flag is set")
	}
	impersonator, err := p.impersonatorID(ctx, req.Agent)
	if err != nil {
		return guise.Started{}, err
	}
	var bearer string
	if p.globalID != "" {
		if p.globalSecret == "" {
			return guise.Started{}, guise.FieldError(SettingGlobalClientID, "global_client_id is set for %s but its secret is not: set GUISE_SECRET_%s_GLOBAL.", p.env, strings.ToUpper(strings.ReplaceAll(p.env, "-", "_")))
		}
		bearer, err = p.c.GlobalToken(ctx, p.globalID, p.globalSecret)
	} else {
		bearer, err = p.c.ManagementToken(ctx)
	}
	if err != nil {
		return guise.Started{}, err
	}
	params := map[string]string{"response_type": "code", "state": randomHex(8), "scope": "openid"}
	if p.callbackURL != "" {
		params["callback_url"] = p.callbackURL
	}
	start := p.now()
	link, err := p.c.Impersonate(ctx, bearer, req.UserID, ImpersonateRequest{Protocol: "oauth2", ImpersonatorID: impersonator, ClientID: p.targetClient, AdditionalParameters: params})
	if ae := asAPIError(err); ae != nil && ae.MissingScope() == "" {
		switch ae.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			return guise.Started{}, p.refuse(fmt.Sprintf("it answered HTTP %d (%s)", ae.StatusCode, ae.Message))
		}
	}
	if err != nil {
		return guise.Started{}, err
	}
	if u, perr := url.Parse(link); perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return guise.Started{}, guise.Errorf(guise.EPROVIDER, "Auth0 answered the impersonation request without a link Guise can open.")
	}
	// The expiry goes into the ref so a stop can say when the session ends.
	// A second early and whole, it is never later than the domain's own
	// (taken a moment before), so the domain keeps this one and both agree.
	expires := start.Add(req.Duration - time.Second).Truncate(time.Second)
	ref := fmt.Sprintf("legacy:%d:%d:%s", start.UnixMilli(), expires.UnixMilli(), req.UserID)
	return guise.Started{Ref: ref, URL: link, ExpiresAt: expires}, nil
}

func (p *Provider) refuse(why string) error {
	return guise.Refusal(guise.RuleProviderUnsupported, "Auth0 tenant %s does not allow impersonation: %s. %s Nothing was started.", p.domain, why, unsupportedExplanation)
}

// impersonatorID is the impersonator_id setting, else the tenant user with
// the agent's email.
func (p *Provider) impersonatorID(ctx context.Context, agent guise.Agent) (string, error) {
	if p.impersonator != "" {
		return p.impersonator, nil
	}
	if agent.Email != "" {
		list, err := p.c.ListUsers(ctx, fmt.Sprintf("email:%q", strings.ToLower(agent.Email)), "", 0, 1)
		if err != nil {
			return "", err
		}
		if len(list.Users) > 0 {
			return list.Users[0].UserID, nil
		}
	}
	return "", guise.FieldError(SettingImpersonatorID, "Auth0 needs the user id of whoever impersonates, and %s has no user in tenant %s. Add the environment again with --set impersonator_id=auth0|….", agent.Email, p.domain)
}

// StopImpersonation revokes, through the Sessions API, only the session the
// impersonation created: the target user's first session in the target
// application created in the minutes after the start. Without the Sessions API it ends
// the session in Guise and says plainly that Auth0 cannot stop it.
func (p *Provider) StopImpersonation(ctx context.Context, ref string) (guise.Stopped, error) {
	start, expires, userID, ok := parseRef(ref)
	if !ok {
		return guise.Stopped{Detail: "Guise cannot read this session's Auth0 reference, so nothing was revoked at Auth0."}, nil
	}
	due := expires.Local().Format("15:04")
	sessions, err := p.c.UserSessions(ctx, userID)
	if err != nil {
		ae := asAPIError(err)
		switch {
		case ae != nil && ae.MissingScope() != "":
			return guise.Stopped{Detail: fmt.Sprintf("Guise could not revoke the Auth0 session: the application lacks the scope %s. The browser stays signed in at Auth0 until you sign out there or the session expires (Guise's limit was %s).", ae.MissingScope(), due)}, nil
		case ae != nil && ae.ErrorCode == "inexistent_user":
			return guise.Stopped{Detail: "The user no longer exists at Auth0, so no session of theirs is left to revoke."}, nil
		case ae != nil && (ae.StatusCode == http.StatusForbidden || ae.StatusCode == http.StatusNotFound):
			return guise.Stopped{Detail: fmt.Sprintf("Auth0 offers no server-side stop on this plan (the Sessions API is for Enterprise tenants); the session expires at %s. Ended in Guise; sign out in that browser to end it at Auth0 sooner.", due)}, nil
		}
		return guise.Stopped{}, err // unreachable, rate-limited, failing: a retry can help
	}
	// Guise opens the one-time link at once, so the impersonation's session
	// is the first one in the target application after the start; a later
	// one, even minutes later, is the customer signing in themselves.
	var mine *Session
	from, to := start.Add(-clockSkew), start.Add(sessionWindow)
	for i, s := range sessions {
		if !s.CreatedAt.Before(from) && !s.CreatedAt.After(to) && s.hasClient(p.targetClient) && (mine == nil || s.CreatedAt.Before(mine.CreatedAt)) {
			mine = &sessions[i]
		}
	}
	others := len(sessions)
	if mine == nil {
		return guise.Stopped{Detail: fmt.Sprintf("No Auth0 session in application %s was created for this user in the minutes after %s, so nothing was revoked; their %d other session(s) were left alone.", p.targetClient, start.Local().Format("15:04:05"), others)}, nil
	}
	if err := p.c.RevokeSession(ctx, mine.ID); err != nil {
		if guise.ErrorCode(err) == guise.ENOTFOUND {
			return guise.Stopped{Detail: fmt.Sprintf("Auth0 session %s had already ended.", mine.ID)}, nil
		}
		return guise.Stopped{}, err
	}
	return guise.Stopped{Detail: fmt.Sprintf("revoked Auth0 session %s; the user's %d other session(s) were left alone", mine.ID, others-1)}, nil
}

// clockSkew tolerates this machine's clock running ahead of Auth0's.
const clockSkew = 10 * time.Second

// sessionWindow is how soon after the start the one-time link's session
// begins: Guise opens it right away.
const sessionWindow = 5 * time.Minute

func (s Session) hasClient(id string) bool {
	return slices.ContainsFunc(s.Clients, func(c struct {
		ClientID string `json:"client_id"`
	}) bool {
		return c.ClientID == id
	})
}

// parseRef reads "legacy:<start ms>:<expiry ms>:<user id>".
func parseRef(ref string) (start, expires time.Time, userID string, ok bool) {
	parts := strings.SplitN(ref, ":", 4)
	if len(parts) != 4 || parts[0] != "legacy" || parts[3] == "" {
		return
	}
	var s, e int64
	if _, err := fmt.Sscan(parts[1], &s); err != nil {
		return
	}
	if _, err := fmt.Sscan(parts[2], &e); err != nil {
		return
	}
	return time.UnixMilli(s), time.UnixMilli(e), parts[3], true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
