// Package asgardeo is Guise's adapter for Asgardeo and WSO2 Identity Server
// (providers.md §4): the client-credentials grant for a management token,
// SCIM 2.0 users with their shared organizations, the admin sessions API,
// and impersonation, which Asgardeo allows only through the agent's own
// interactive sign-in: a loopback redirect, a subject token, the token
// exchange (and organization_switch), verified against the tenant's JWKS.
package asgardeo

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Settings keys of an Asgardeo environment.
const (
	SettingOrg           = "org"                 // the organization (tenant) name, as in /t/{org}
	SettingClientID      = "client_id"           // the application Guise uses (management and impersonation)
	SettingAppURL        = "app_url"             // optional: the business application to open as the user
	SettingMyAccountURL  = "my_account_url"      // optional: where My Account lives, when not the usual place
	SettingSignInTimeout = "signin_timeout"      // optional: how long to wait for the agent's sign-in (default 3m)
	SettingRateLimit     = "requests_per_minute" // optional: 200 on Asgardeo; 0 for a self-hosted server without limits
)

// DefaultRateLimit is Asgardeo's published limit: 200 requests a minute per
// IP address and API (providers.md §4.7).
const DefaultRateLimit = 200

// impersonateScope is the User Impersonation API's scope.
const impersonateScope = "internal_user_impersonate"

// DefaultBaseURL is the organization's API root on Asgardeo's cloud.
func DefaultBaseURL(org string) string {
	return "https://api.asgardeo.io/t/" + strings.TrimSpace(org)
}

// Vault keeps a running session's impersonated tokens. The app passes the
// OS keychain (guise.Secrets satisfies it); Set fails when none is reachable.
type Vault interface {
	Get(key string) (string, error)
	Set(key, value string) error
	Delete(key string) error
}

// Memory keeps tokens in this process when no keychain is reachable. One is
// shared by every Provider the process builds, so the process that started
// a session can still revoke its tokens.
type Memory struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{m: map[string]string{}} }

func (m *Memory) get(k string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[k]
	return v, ok
}

func (m *Memory) set(k, v string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[k] = v
}

func (m *Memory) del(k string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, k)
}

// Provider is Guise's adapter for one Asgardeo organization.
type Provider struct {
	c         *Client
	env       string
	org       string
	appURL    string
	myAccount string
	timeout   time.Duration
	perMinute int
	open      func(ctx context.Context, url string) error
	vault     Vault
	mem       *Memory
	now       func() time.Time

	noOrgs atomic.Bool // the shared-organizations API is not ours to use
	jwksMu sync.Mutex
	jwks   *keySet
}

var (
	_ guise.Provider    = (*Provider)(nil)
	_ guise.UserCounter = (*Provider)(nil)
	_ guise.RateLimited = (*Provider)(nil)
)

// Option configures a Provider.
type Option func(*Provider)

// WithHTTPClient sends requests through h.
func WithHTTPClient(h *http.Client) Option { return func(p *Provider) { p.c.http = h } }

// WithOpener opens the sign-in page in the agent's browser (the app's
// configured opener, the same one that opens sessions).
func WithOpener(open func(ctx context.Context, url string) error) Option {
	return func(p *Provider) { p.open = open }
}

// WithVault keeps impersonated tokens in v (the OS keychain).
func WithVault(v Vault) Option { return func(p *Provider) { p.vault = v } }

// WithMemory keeps impersonated tokens in m when the vault refuses.
func WithMemory(m *Memory) Option { return func(p *Provider) { p.mem = m } }

// WithClock replaces the clock, for tests.
func WithClock(now func() time.Time) Option { return func(p *Provider) { p.now = now } }

// WithSleep replaces the waits between rate-limited retries, for tests.
func WithSleep(fn func(ctx context.Context, d time.Duration) error) Option {
	return func(p *Provider) { p.c.sleep = fn }
}

// ValidateSettings checks an Asgardeo environment's settings, naming the field at fault.
func ValidateSettings(s map[string]string) error {
	_, err := parseSettings(s)
	return err
}

// limits are the settings New reads as numbers, with their defaults.
type limits struct {
	perMinute int
	timeout   time.Duration
}

// parseSettings checks s (see ValidateSettings) and parses its numbers.
func parseSettings(s map[string]string) (limits, error) {
	l := limits{perMinute: DefaultRateLimit, timeout: 3 * time.Minute}
	org := strings.TrimSpace(s[SettingOrg])
	switch {
	case org == "":
		return l, guise.FieldError(SettingOrg, "An Asgardeo environment needs its organization name: --set org=ORG (as in https://api.asgardeo.io/t/ORG). For WSO2 Identity Server, use its tenant, like carbon.super, with --base-url.")
	case strings.ContainsAny(org, "/?#@ "):
		return l, guise.FieldError(SettingOrg, "%q is not an organization name; write only the name, like acme.", org)
	case strings.TrimSpace(s[SettingClientID]) == "":
		return l, guise.FieldError(SettingClientID, "An Asgardeo environment needs the client id of its application (a Management Application with the Client Credential and Token Exchange grants): --set client_id=….")
	}
	for _, k := range []string{SettingAppURL, SettingMyAccountURL} {
		if v := strings.TrimSpace(s[k]); v != "" {
			if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
				return l, guise.FieldError(k, "%s %q is not a URL; write it like https://app.example.com.", k, v)
			}
		}
	}
	if v := s[SettingSignInTimeout]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 30*time.Minute {
			return l, guise.FieldError(SettingSignInTimeout, "The sign-in timeout %q must be a duration between 1s and 30m, like 3m.", v)
		}
		l.timeout = d
	}
	if v := s[SettingRateLimit]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return l, guise.FieldError(SettingRateLimit, "requests_per_minute %q must be a whole number (0: no limit).", v)
		}
		l.perMinute = n
	}
	return l, nil
}

// New builds the adapter for env, whose secret is the application's client secret.
func New(env guise.Environment, secret string, opts ...Option) (*Provider, error) {
	lim, err := parseSettings(env.Settings)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(secret) == "" {
		return nil, guise.FieldError("secret", "An Asgardeo environment needs the client secret of its application.")
	}
	org := strings.TrimSpace(env.Settings[SettingOrg])
	base := strings.TrimRight(strings.TrimSpace(env.BaseURL), "/")
	if base == "" {
		base = DefaultBaseURL(org)
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, guise.FieldError("base_url", "%q is not a URL; leave it empty for %s, or give your WSO2 Identity Server, like https://host:9443.", env.BaseURL, DefaultBaseURL(org))
	}
	p := &Provider{
		c:   NewClient(base, strings.TrimSpace(env.Settings[SettingClientID]), strings.TrimSpace(secret), lim.perMinute),
		env: env.Name, org: org, appURL: strings.TrimSpace(env.Settings[SettingAppURL]),
		myAccount: strings.TrimSpace(env.Settings[SettingMyAccountURL]),
		timeout:   lim.timeout, perMinute: lim.perMinute, now: time.Now,
	}
	if p.myAccount == "" {
		p.myAccount = myAccountURL(base)
	}
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

// myAccountURL is where My Account lives: myaccount.asgardeo.io on the
// cloud (per region), /myaccount on a self-hosted server.
func myAccountURL(base string) string {
	u, err := url.Parse(base)
	if err == nil && strings.HasPrefix(u.Host, "api.") && strings.HasSuffix(u.Host, "asgardeo.io") {
		return "https://myaccount." + strings.TrimPrefix(u.Host, "api.") + u.Path
	}
	return base + "/myaccount"
}

// Client exposes the API client (tests).
func (p *Provider) Client() *Client { return p.c }

// RateLimit publishes Asgardeo's limit to the syncer. A page of users costs
// one request plus one per user (their organizations); the client paces
// each request itself, so this only keeps the syncer from queueing ahead.
func (p *Provider) RateLimit() (float64, int) {
	if p.perMinute <= 0 {
		return 0, 0
	}
	return float64(p.perMinute) / 60, 1
}

// Check reports: token obtained, scopes granted, user count, the
// organizations and sessions APIs, and what impersonation needs.
func (p *Provider) Check(ctx context.Context) []guise.CheckResult {
	_, scopes, err := p.c.Token(ctx)
	if err != nil {
		return []guise.CheckResult{{Name: "Token", Detail: guise.ErrorMessage(err)}}
	}
	out := []guise.CheckResult{{Name: "Token", OK: true, Detail: fmt.Sprintf("obtained a management token for application %s at %s", p.c.clientID, p.c.host())}}
	var missing []string
	for _, s := range managementScopes {
		if !slices.Contains(scopes, s) {
			missing = append(missing, s)
		}
	}
	sc := guise.CheckResult{Name: "Scopes", OK: slices.Contains(scopes, "internal_user_mgt_list") && slices.Contains(scopes, "internal_user_mgt_view"),
		Detail: "granted: " + strings.Join(scopes, " ")}
	if len(scopes) == 0 {
		sc.Detail = "granted: none"
	}
	if len(missing) > 0 {
		sc.Detail += "; missing: " + strings.Join(missing, " ") + " (the user scopes are required; the others bring organizations and server-side stops). Authorize the SCIM2 Users, User Sharing and Session Management APIs for the application."
	}
	out = append(out, sc)

	var first scimList
	if err := p.c.api(ctx, "GET", "/scim2/Users", url.Values{"startIndex": {"1"}, "count": {"1"}}, &first, "counting users (SCIM)"); err != nil {
		return append(out, guise.CheckResult{Name: "Users", Detail: guise.ErrorMessage(err)})
	}
	n := first.TotalResults
	pages := (n + pageSize - 1) / pageSize
	out = append(out, guise.CheckResult{Name: "Users", OK: true, Detail: fmt.Sprintf("%d users; a full sync reads %d SCIM page(s) and each user's organizations, paced at %s", n, pages, p.pace())})

	if len(first.Resources) > 0 {
		id := first.Resources[0].ID
		orgs := guise.CheckResult{Name: "Organizations", OK: true, Detail: "available: users come with their shared organizations"}
		if err := p.c.api(ctx, "GET", "/api/server/v1/users/"+url.PathEscape(id)+"/shared-organizations", url.Values{"limit": {"1"}}, nil, "reading a user's organizations"); err != nil {
			orgs.Detail = "not available (" + guise.ErrorMessage(err) + "); users sync without organizations"
		}
		ses := guise.CheckResult{Name: "Sessions API", OK: true, Detail: "available: a stop also ends the user's session the impersonation created"}
		if _, err := p.sessions(ctx, id); err != nil {
			ses.Detail = "not available (" + guise.ErrorMessage(err) + "); a stop revokes the tokens only"
		}
		out = append(out, orgs, ses)
	}
	return append(out, guise.CheckResult{Name: "Impersonation", OK: p.open != nil,
		Detail: "runs through your own Asgardeo sign-in in the browser: the application needs the Token Exchange grant, JWT access tokens, the subject token response type, the User Impersonation API authorized, and the redirect URL regexp=http://127\\.0\\.0\\.1:\\d+/callback; you need a role with " + impersonateScope + ". Asgardeo may email the user when impersonation starts (an organization setting)."})
}

func (p *Provider) pace() string {
	if p.perMinute <= 0 {
		return "no rate limit"
	}
	return fmt.Sprintf("%d requests a minute", p.perMinute)
}
