// Package clerk is Guise's adapter for Clerk (providers.md §3), built on the
// official clerk-sdk-go v2. Each Provider has its own SDK clients configured
// with the environment's URL and key, never the SDK's package-level key, so
// several Clerk environments work side by side.
package clerk

import (
	"context"
	"golang.org/x/time/rate"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	sdk "github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/actortoken"
	"github.com/clerk/clerk-sdk-go/v2/organization"
	"github.com/clerk/clerk-sdk-go/v2/session"
	"github.com/clerk/clerk-sdk-go/v2/user"

	"github.com/guiseapp/guise/backend/guise"
)

// DefaultBaseURL is Clerk's Backend API root, as the SDK takes it.
const DefaultBaseURL = sdk.APIURL

// SettingActorUserID names the environment setting holding the Clerk user id
// (user_…) of the support account that Clerk records as the impersonator.
const SettingActorUserID = "actor_user_id"

// linkLifetime bounds how long the actor token's URL can be used: Guise
// opens it at once, and an unused link should not linger.
const linkLifetime = 5 * time.Minute

// Provider implements guise.Provider for one Clerk instance.
type Provider struct {
	env     string
	base    string
	actor   string // the agent's Clerk user id (actor.sub)
	dev     bool   // a development instance (sk_test_ key)
	now     func() time.Time
	users   *user.Client
	orgs    *organization.Client
	tokens  *actortoken.Client
	session *session.Client
	http    *transport // every request goes through it: pacing, 429 retries
}

var (
	_ guise.Provider       = (*Provider)(nil)
	_ guise.UserCounter    = (*Provider)(nil)
	_ guise.SessionStopper = (*Provider)(nil)
)

type options struct {
	base    http.RoundTripper
	sleep   func(ctx context.Context, d time.Duration) error
	retries int
	maxWait time.Duration
	now     func() time.Time
}

// Option configures a Provider.
type Option func(*options)

// WithTransport sends requests through rt instead of a fresh http.Transport.
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.base = rt } }

// WithSleep replaces the wait before retrying a 429 (tests).
func WithSleep(fn func(ctx context.Context, d time.Duration) error) Option {
	return func(o *options) { o.sleep = fn }
}

// WithRetries sets how many times a 429 is retried after its Retry-After
// (default 3), and the longest wait accepted (default 30 s); a longer one
// is reported at once instead.
func WithRetries(n int, maxWait time.Duration) Option {
	return func(o *options) { o.retries, o.maxWait = n, maxWait }
}

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// pacer returns a limiter that lets requests through freely until Clerk first
// answers 429, and then paces them at 90% of its published Backend API limit
// per instance (100 requests per 10 s in development, 1,000 in production):
// a sync makes one membership call per user, which a development instance
// would otherwise answer with a 429 every few seconds.
func pacer(dev bool) (rate.Limit, int) {
	if dev {
		return 9, 10
	}
	return 90, 100
}

// New builds the provider of env, a Clerk environment, with its secret key.
// env.BaseURL may be empty (DefaultBaseURL); env.Settings must name
// actor_user_id. Errors are *guise.Error with the field at fault.
func New(env guise.Environment, secret string, opts ...Option) (*Provider, error) {
	o := options{retries: 3, maxWait: 30 * time.Second, sleep: guise.Sleep, now: time.Now}
	for _, fn := range opts {
		fn(&o)
	}
	secret = strings.TrimSpace(secret)
	switch {
	case secret == "":
		return nil, guise.FieldError("secret", "A Clerk environment needs the instance's secret key (sk_live_… or sk_test_…, Clerk Dashboard → API keys).")
	case strings.HasPrefix(secret, "pk_"):
		return nil, guise.FieldError("secret", "That is Clerk's publishable key (pk_…); Guise needs the secret key, sk_live_… or sk_test_…, from Clerk Dashboard → API keys.")
	case !strings.HasPrefix(secret, "sk_"):
		return nil, guise.FieldError("secret", "That does not look like a Clerk secret key: they start with sk_live_ or sk_test_ (Clerk Dashboard → API keys).")
	}
	base := strings.TrimRight(strings.TrimSpace(env.BaseURL), "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, guise.FieldError("base_url", "The Clerk API address must be a URL like %s.", DefaultBaseURL)
	}
	actor := strings.TrimSpace(env.Settings[SettingActorUserID])
	switch {
	case actor == "":
		return nil, guise.FieldError(SettingActorUserID, "A Clerk environment needs actor_user_id: the Clerk user id (user_…) of your support account in this instance, which Clerk records as the impersonator. Add it with --set actor_user_id=user_….")
	case !strings.HasPrefix(actor, "user_"):
		return nil, guise.FieldError(SettingActorUserID, "actor_user_id must be a Clerk user id like user_2g7np7Hrk0SN6kj5EDMLDaKNL0S (Clerk Dashboard → Users → the support account).")
	}
	if o.base == nil {
		o.base = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second, // a provider is built per call: let idle connections go
		}
	}
	// No client timeout: it would also cut the waits for Retry-After; the
	// transport bounds each attempt and the caller's context the whole call.
	dev := strings.HasPrefix(secret, "sk_test_")
	published, burst := pacer(dev)
	tr := &transport{next: o.base, limit: rate.NewLimiter(rate.Inf, 0), published: published, burst: burst, retries: o.retries, maxWait: o.maxWait, sleep: o.sleep}
	hc := &http.Client{Transport: tr}
	cfg := &sdk.ClientConfig{BackendConfig: sdk.BackendConfig{HTTPClient: hc, URL: sdk.String(base), Key: sdk.String(secret)}}
	return &Provider{
		env: env.Name, base: base, actor: actor, dev: dev, now: o.now,
		users: user.NewClient(cfg), orgs: organization.NewClient(cfg), tokens: actortoken.NewClient(cfg), session: session.NewClient(cfg),
		http: tr,
	}, nil
}

// instance names the kind of Clerk instance the key belongs to.
func (p *Provider) instance() string {
	if p.dev {
		return "development instance"
	}
	return "production instance"
}
