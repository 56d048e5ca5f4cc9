// Package app holds Guise's use cases as small services (Environments, Users,
// Impersonation, Sync, History, Settings, System). Wails binds them for the
// window and the CLI calls the very same methods. It is the only Go package
// that knows Wails, and it stays thin: validate, call the domain, map errors.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/guiseapp/guise/backend/asgardeo"
	"github.com/guiseapp/guise/backend/auth0"
	"github.com/guiseapp/guise/backend/browser"
	"github.com/guiseapp/guise/backend/clerk"
	"github.com/guiseapp/guise/backend/demo"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/keyring"
	"github.com/guiseapp/guise/backend/sqlite"
	"github.com/guiseapp/guise/backend/syncer"
	"github.com/guiseapp/guise/backend/workos"
)

// DemoEnv is the name of the built-in Demo environment created on first run.
const DemoEnv = "demo"

// Build describes the binary, set by main from ldflags.
type Build struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

// Config is what the app needs from main.
type Config struct {
	Home   string
	Build  Build
	Logger *slog.Logger
	// Open opens launch URLs; nil means the system browser.
	Open func(ctx context.Context, url string) error
	// DemoAddr is where a new home's built-in Demo listens; "" means
	// demo.DefaultAddr. Only read when the Demo environment is created.
	DemoAddr string
}

// App owns the open database and the services. The window binds the
// services; the CLI calls them after Start.
type App struct {
	cfg    Config
	log    *slog.Logger
	events *emitter

	mu      sync.Mutex
	db      *sqlite.DB
	svc     *guise.Service
	engine  *syncer.Engine
	demo    []*demo.Server
	browser *sessionBrowser
	stopBg  context.CancelFunc
	bgDone  chan struct{}
	started bool
	tray    *trayWiring // the window's tray; nil in the CLI
	reach   *reachTracker
	// asgTokens keeps Asgardeo sessions' impersonated tokens in this
	// process when no keychain is reachable (see backend/asgardeo).
	asgTokens *asgardeo.Memory
	awaits    awaitWatch // the window's watches of dashboard starts
	revokes   tasks      // expired sessions' revokes at their providers

	Environments  *Environments
	Users         *Users
	Impersonation *Impersonation
	Sync          *Sync
	History       *History
	Settings      *Settings
	System        *System
}

// New builds the app without touching the disk: opening happens in Start,
// so that binding generation and `--help` stay fast.
func New(cfg Config) *App {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Open == nil {
		cfg.Open = browser.Open
	}
	a := &App{cfg: cfg, log: cfg.Logger, events: &emitter{}, asgTokens: asgardeo.NewMemory()}
	a.browser = newSessionBrowser(cfg)
	a.reach = newReachTracker(a.events.Emit)
	a.Environments = &Environments{a}
	a.Users = &Users{a}
	a.Impersonation = &Impersonation{a}
	a.Sync = &Sync{a}
	a.History = &History{a}
	a.Settings = &Settings{a}
	a.System = &System{a}
	return a
}

// Bind lists the services for Wails.
func (a *App) Bind() []any {
	return []any{a.Environments, a.Users, a.Impersonation, a.Sync, a.History, a.Settings, a.System}
}

// Start opens the database in the home directory and creates the built-in
// Demo environment on first run.
func (a *App) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.started {
		return nil
	}
	if err := os.MkdirAll(a.cfg.Home, 0o700); err != nil {
		return guise.Wrap(guise.EUNAVAILABLE, err, "Cannot create the data directory %s: %v", a.cfg.Home, err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(a.cfg.Home, "guise.db"))
	if err != nil {
		return err
	}
	secrets := &keyring.Store{Fallback: a.demoKey}
	a.db = db
	a.svc = &guise.Service{Store: db, Secrets: secrets, Providers: a.provider, Open: a.cfg.Open, Events: a.events, Browser: a.browser,
		Expired: a.sessionExpired}
	a.engine = a.newEngine(db)
	a.started = true
	a.browser.store = db
	a.browser.sweep(ctx)
	return a.ensureDemoEnv(ctx)
}

// Close stops background work, any in-process Demo server, and closes the database.
func (a *App) Close() error {
	// Stop the background loop before taking the lock: it takes the lock
	// itself (Service), so waiting for it while holding the lock deadlocks.
	a.mu.Lock()
	stopBg, bgDone, engine := a.stopBg, a.bgDone, a.engine
	a.stopBg = nil
	a.mu.Unlock()
	if stopBg != nil {
		stopBg()
		<-bgDone
	}
	a.stopAwaits()
	if engine != nil { // syncs take the lock too (Service): stop them outside it
		engine.Close()
	}
	a.revokes.wait() // they read the database
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.demo {
		_ = s.Close()
	}
	a.demo = nil
	if !a.started {
		return nil
	}
	a.started = false
	return a.db.Close()
}

// Service returns the domain service (for the tray and tests).
func (a *App) Service() (*guise.Service, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.started {
		return nil, guise.Errorf(guise.EUNAVAILABLE, "Guise is still starting.")
	}
	return a.svc, nil
}

// DB returns the open database (for doctor).
func (a *App) DB() *sqlite.DB {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.db
}

// Home is the data directory.
func (a *App) Home() string { return a.cfg.Home }

// callCtx bounds a bound call: Wails calls carry no context of their own.
func (a *App) callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 60*time.Second)
}

// ensureDemoEnv creates the built-in Demo environment once. Removing it
// later is respected: the marker setting remembers it was created.
func (a *App) ensureDemoEnv(ctx context.Context) error {
	var created bool
	if _, err := a.db.GetSetting(ctx, "demo_created", &created); err != nil || created {
		return err
	}
	addr := a.cfg.DemoAddr
	if addr == "" {
		addr = demo.DefaultAddr
	}
	env := guise.Environment{Name: DemoEnv, Provider: guise.ProviderDemo, BaseURL: "http://" + addr,
		Settings: map[string]string{"builtin": "true"}, CreatedAt: time.Now().UTC()}
	err := a.db.CreateEnvironment(ctx, env, guise.AuditRecord{At: env.CreatedAt, Kind: guise.AuditEnvAdded, Env: env.Name, Detail: "built-in Demo environment"})
	if err != nil && guise.ErrorCode(err) != guise.ECONFLICT {
		return err
	}
	if err := a.db.PutSetting(ctx, "demo_created", true, guise.AuditRecord{}); err != nil {
		return err
	}
	var cur string
	if ok, err := a.db.GetSetting(ctx, settingCurrentEnv, &cur); err != nil || ok {
		return err
	}
	return a.db.PutSetting(ctx, settingCurrentEnv, DemoEnv, guise.AuditRecord{})
}

// demoDBPath is where a demo environment's identity provider keeps its state.
func (a *App) demoDBPath(env guise.Environment) string {
	if env.Settings["builtin"] == "true" {
		return filepath.Join(a.cfg.Home, "demo.db")
	}
	return filepath.Join(a.cfg.Home, "demo-"+env.Name+".db")
}

// demoKey is the secret fallback for the built-in Demo: its identity
// provider, which Guise itself serves, keeps the key in its own state file.
func (a *App) demoKey(name string) (string, error) {
	env, err := a.db.Environment(context.Background(), name)
	if err != nil {
		return "", err
	}
	if env.Provider != guise.ProviderDemo || env.Settings["builtin"] != "true" {
		return "", guise.Errorf(guise.ENOSECRET, "no secret")
	}
	path := a.demoDBPath(env)
	if _, err := os.Stat(path); err != nil {
		return "", guise.Errorf(guise.EUNAVAILABLE, "The built-in Demo identity provider has not run yet in %s. Start it with `guise demo serve`, or open the Guise window, which starts it.", a.cfg.Home)
	}
	return demo.StoredAPIKey(path)
}

// StartDemoServers starts, in this process, the Demo identity provider of
// every demo environment on a loopback address where nothing answers yet.
func (a *App) StartDemoServers(ctx context.Context) {
	envs, err := a.db.Environments(ctx)
	if err != nil {
		a.log.Error("listing environments", "err", err)
		return
	}
	for _, env := range envs {
		if env.Provider != guise.ProviderDemo {
			continue
		}
		u, err := url.Parse(env.BaseURL)
		if err != nil || !isLoopback(u.Hostname()) {
			continue
		}
		c, err := demo.NewClient(env.BaseURL, "")
		if err == nil && c.Health(ctx) == nil {
			a.log.Info("demo identity provider already answering", "env", env.Name, "url", env.BaseURL)
			continue
		}
		key := ""
		if env.Settings["builtin"] != "true" {
			if key, err = a.svc.Secrets.Get(env.Name); err != nil {
				a.log.Warn("demo environment has no key; not starting its server", "env", env.Name)
				continue
			}
		}
		srv, err := demo.NewServer(demo.Config{Addr: u.Host, DBPath: a.demoDBPath(env), APIKey: key, Logger: a.log.With("component", "demo", "env", env.Name)})
		if err == nil {
			err = srv.Start()
		}
		if err != nil {
			a.log.Error("cannot start the demo identity provider", "env", env.Name, "addr", u.Host, "err", err)
			continue
		}
		a.mu.Lock()
		a.demo = append(a.demo, srv)
		a.mu.Unlock()
		a.log.Info("demo identity provider started", "env", env.Name, "url", srv.URL())
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// requestTimeout is how long one request to env's provider may take: the
// environment setting "timeout" (like 30s, for a slow self-hosted server),
// else 30 seconds.
func requestTimeout(env guise.Environment) (time.Duration, error) {
	v := env.Settings["timeout"]
	if v == "" {
		return 30 * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 500*time.Millisecond || d > 5*time.Minute {
		return 0, guise.FieldError("timeout", "The timeout %q must be a duration between 500ms and 5m, like 30s.", v)
	}
	return d, nil
}

// provider builds the adapter for an environment.
func (a *App) provider(env guise.Environment, secret string) (guise.Provider, error) {
	timeout, err := requestTimeout(env)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: timeout}
	switch env.Provider {
	case guise.ProviderDemo:
		return demo.NewClient(env.BaseURL, secret, demo.WithHTTPClient(hc))
	case guise.ProviderClerk:
		// Clerk bounds each attempt in its own transport: a client timeout
		// would also cut its waits for Retry-After.
		return clerk.New(env, secret)
	case guise.ProviderAuth0:
		// The legacy global client's secret comes only from the process
		// environment (GUISE_SECRET_<NAME>_GLOBAL), never the database.
		return auth0.New(env, secret, auth0.WithGlobalSecret(os.Getenv(keyring.EnvVar(env.Name)+"_GLOBAL")),
			auth0.WithHTTPClient(hc), auth0.WithLogger(a.log.With("component", "auth0", "env", env.Name)))
	case guise.ProviderAsgardeo:
		// The sign-in opens in the agent's own browser (cfg.Open, as
		// sessions do), where they are signed in to Asgardeo. Impersonated
		// tokens go to the keychain under the session id (session ids
		// cannot clash with environment names), else stay in this process.
		return asgardeo.New(env, secret, asgardeo.WithHTTPClient(hc),
			asgardeo.WithOpener(a.cfg.Open), asgardeo.WithVault(&keyring.Store{}), asgardeo.WithMemory(a.asgTokens))
	case guise.ProviderWorkOS:
		return workos.New(env, secret, workos.WithHTTPClient(hc))
	default:
		return nil, guise.Errorf(guise.EUNSUPPORTED, "Guise cannot talk to %s yet (environment %s).", env.Provider, env.Name)
	}
}

// defaultBaseURL is the API address of a provider's cloud service, used
// when an environment is added without one: Clerk's and WorkOS's APIs,
// Auth0's tenant root.
func defaultBaseURL(provider string, settings map[string]string) string {
	switch provider {
	case guise.ProviderClerk:
		return clerk.DefaultBaseURL
	case guise.ProviderWorkOS:
		return workos.DefaultBaseURL
	case guise.ProviderAuth0:
		if d := strings.TrimSpace(settings[auth0.SettingDomain]); d != "" {
			return auth0.DefaultBaseURL(d)
		}
	case guise.ProviderAsgardeo:
		if o := strings.TrimSpace(settings[asgardeo.SettingOrg]); o != "" {
			return asgardeo.DefaultBaseURL(o)
		}
	}
	return ""
}

// offlineHint adds how to start it to a Demo that nothing answers for
// (connection refused); a Demo that answers badly needs other advice.
func offlineHint(env guise.Environment, err error) error {
	if env.Provider != guise.ProviderDemo || !errors.Is(err, syscall.ECONNREFUSED) {
		return err
	}
	e := *guise.AsError(err)
	e.Message = fmt.Sprintf("%s Start it with `guise demo serve --addr %s`, or open the Guise window, which starts it.", e.Message, hostOf(env.BaseURL))
	return &e
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return raw
}

// sessionExpired revokes a session at its provider when Guise's countdown
// ends it: most providers' sessions outlive it (Auth0's tenant session
// lifetime, WorkOS's fixed hour, Asgardeo's token, a Clerk link used late).
// The Demo ends its own at the same moment. The revoke runs off the path of
// the call that noticed the expiry (any listing or lookup may); Close waits
// for it.
func (a *App) sessionExpired(ctx context.Context, s guise.Session) {
	if s.Provider == guise.ProviderDemo || s.ProviderRef == "" {
		return
	}
	ctx = context.WithoutCancel(ctx)
	a.revokes.run(func() { a.revokeExpired(ctx, s) })
}

func (a *App) revokeExpired(ctx context.Context, s guise.Session) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	env, err := a.svc.Store.Environment(ctx, s.Env)
	if err != nil {
		return
	}
	prov, err := a.svc.Provider(ctx, env)
	if err == nil {
		var st guise.Stopped
		if st, err = guise.RevokeAtProvider(ctx, prov, s); err == nil {
			a.log.Info("expired session revoked at the provider", "session", s.ID, "detail", st.Detail)
			return
		}
	}
	a.log.Warn("could not revoke an expired session at the provider", "session", s.ID, "err", err)
}

// tasks runs work on goroutines of its own that Close waits for.
type tasks struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	closing bool
}

// run runs fn on a goroutine of its own; once wait has begun, on the
// caller's, so that nothing starts behind wait's back.
func (t *tasks) run(fn func()) {
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		fn()
		return
	}
	t.wg.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.wg.Done()
		fn()
	}()
}

// wait waits for the work run so far.
func (t *tasks) wait() {
	t.mu.Lock()
	t.closing = true
	t.mu.Unlock()
	t.wg.Wait()
}
