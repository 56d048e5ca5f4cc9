package app

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

const settingCurrentEnv = "current_env"

// Environments manages connections to identity providers.
type Environments struct{ a *App }

// EnvView is an environment as the window and `env list` show it. It never
// carries the secret, only whether one is set.
type EnvView struct {
	Name         string            `json:"name"`
	Provider     string            `json:"provider"`
	BaseURL      string            `json:"base_url"`
	Settings     map[string]string `json:"settings"`
	HasSecret    bool              `json:"has_secret"`
	SecretWhere  string            `json:"secret_where"`
	Builtin      bool              `json:"builtin"`
	Users        int               `json:"users"`
	LastSyncedAt *time.Time        `json:"last_synced_at"`
	LastError    string            `json:"last_error"`
	// ImpersonationsThisMonth counts this Guise's sessions in the environment
	// since the first of the month (local time), failed ones excepted: some
	// providers' plans cap them (Clerk's free plan: 5 a month).
	ImpersonationsThisMonth int `json:"impersonations_this_month"`
	// Reachability is whether this Guise reached the provider the last time
	// it tried; updates come as env:status events.
	Reachability Reachability `json:"reachability"`
}

// EnvInput is a new environment. Secret is optional for demo environments.
type EnvInput struct {
	Name     string            `json:"name"`
	Provider string            `json:"provider"`
	BaseURL  string            `json:"base_url"`
	Settings map[string]string `json:"settings"`
	Secret   string            `json:"secret"`
}

var envName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// List lists environments with their cache state.
func (e *Environments) List() ([]EnvView, error) {
	ctx, cancel := e.a.callCtx()
	defer cancel()
	svc, err := e.a.Service()
	if err != nil {
		return nil, err
	}
	envs, err := svc.Store.Environments(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]EnvView, 0, len(envs))
	for _, env := range envs {
		v, err := e.view(ctx, svc, env)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (e *Environments) view(ctx context.Context, svc *guise.Service, env guise.Environment) (EnvView, error) {
	st, err := svc.Store.SyncState(ctx, env.Name)
	if err != nil {
		return EnvView{}, err
	}
	n, err := svc.Store.CountUsers(ctx, env.Name)
	if err != nil {
		return EnvView{}, err
	}
	month, err := svc.ImpersonationsThisMonth(ctx, env.Name)
	if err != nil {
		return EnvView{}, err
	}
	_, serr := svc.Secrets.Get(env.Name)
	v := EnvView{ImpersonationsThisMonth: month, Name: env.Name, Provider: env.Provider, BaseURL: env.BaseURL, Settings: env.Settings,
		HasSecret: serr == nil, SecretWhere: svc.Secrets.Where(), Builtin: env.Settings["builtin"] == "true",
		Users: n, LastError: st.LastError, Reachability: e.a.reach.get(env.Name)}
	if !st.LastSyncedAt.IsZero() {
		t := st.LastSyncedAt
		v.LastSyncedAt = &t
	}
	return v, nil
}

// Add adds an environment; its secret goes to the keychain, never the database.
func (e *Environments) Add(in EnvInput) (EnvView, error) {
	ctx, cancel := e.a.callCtx()
	defer cancel()
	svc, err := e.a.Service()
	if err != nil {
		return EnvView{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if !envName.MatchString(in.Name) {
		return EnvView{}, guise.FieldError("name", "An environment name is 1–40 lower-case letters, digits or dashes, like acme-prod.")
	}
	// Before the secret is stored: a clash must not replace the key of the
	// environment that already has this name.
	if _, err := svc.Store.Environment(ctx, in.Name); err == nil {
		return EnvView{}, &guise.Error{Code: guise.ECONFLICT, Field: "name", Message: fmt.Sprintf("There is already an environment named %s; pick another name or remove it first.", in.Name)}
	} else if guise.ErrorCode(err) != guise.ENOTFOUND {
		return EnvView{}, err
	}
	if err := e.check(svc, &in); err != nil {
		return EnvView{}, err
	}
	if in.Secret != "" {
		if err := svc.Secrets.Set(in.Name, in.Secret); err != nil {
			return EnvView{}, err
		}
	}
	env := guise.Environment{Name: in.Name, Provider: in.Provider, BaseURL: in.BaseURL, Settings: in.Settings, CreatedAt: time.Now().UTC()}
	agent, _ := svc.Agent(ctx)
	if err := svc.Store.CreateEnvironment(ctx, env, guise.AuditRecord{At: env.CreatedAt, Kind: guise.AuditEnvAdded, Env: env.Name, Agent: agent.Email, Detail: env.Provider + " " + env.BaseURL}); err != nil {
		if in.Secret != "" && guise.ErrorCode(err) != guise.ECONFLICT {
			_ = svc.Secrets.Delete(in.Name)
		}
		return EnvView{}, err
	}
	return e.view(ctx, svc, env)
}

// Edit changes an environment's base URL, settings and, when in.Secret is
// set, its secret. The name and provider stay; the change is audited
// without any secret value.
func (e *Environments) Edit(in EnvInput) (EnvView, error) {
	ctx, cancel := e.a.callCtx()
	defer cancel()
	svc, err := e.a.Service()
	if err != nil {
		return EnvView{}, err
	}
	old, err := svc.Store.Environment(ctx, strings.TrimSpace(in.Name))
	if err != nil {
		return EnvView{}, err
	}
	if old.Settings["builtin"] == "true" {
		return EnvView{}, guise.Errorf(guise.EINVALID, "The built-in Demo environment is managed by Guise and cannot be edited; add another Demo environment to try other settings.")
	}
	if in.Provider != "" && in.Provider != old.Provider {
		return EnvView{}, guise.FieldError("provider", "An environment keeps its provider (%s); add a new environment for %s.", old.Provider, in.Provider)
	}
	in.Name, in.Provider = old.Name, old.Provider
	if err := e.check(svc, &in); err != nil {
		return EnvView{}, err
	}
	env := old
	env.BaseURL, env.Settings = in.BaseURL, in.Settings
	changes := envChanges(old, env, in.Secret != "")
	if changes == "" {
		return e.view(ctx, svc, old)
	}
	agent, _ := svc.Agent(ctx)
	if err := svc.Store.UpdateEnvironment(ctx, env, guise.AuditRecord{At: time.Now().UTC(), Kind: guise.AuditEnvChanged, Env: env.Name, Agent: agent.Email, Detail: changes}); err != nil {
		return EnvView{}, err
	}
	if in.Secret != "" {
		if err := svc.Secrets.Set(env.Name, in.Secret); err != nil {
			return EnvView{}, guise.Wrap(guise.ErrorCode(err), err, "The settings of %s were saved, but not the new secret: %s", env.Name, guise.ErrorMessage(err))
		}
	}
	return e.view(ctx, svc, env)
}

// check validates and completes an environment's input for Add and Edit:
// a known provider, a default base URL, a secret at hand, settings the
// provider's adapter accepts, and an https base URL (http only on loopback).
func (e *Environments) check(svc *guise.Service, in *EnvInput) error {
	if !slices.Contains(guise.Providers, in.Provider) {
		return guise.FieldError("provider", "Unknown provider %q; choose one of %s.", in.Provider, strings.Join(guise.Providers, ", "))
	}
	if in.Settings == nil {
		in.Settings = map[string]string{}
	}
	delete(in.Settings, "builtin")
	in.BaseURL = strings.TrimRight(strings.TrimSpace(in.BaseURL), "/")
	if in.BaseURL == "" {
		in.BaseURL = defaultBaseURL(in.Provider, in.Settings)
	}
	secret := in.Secret
	if in.Provider != guise.ProviderDemo && secret == "" {
		var err error
		if secret, err = svc.Secrets.Get(in.Name); err != nil {
			return guise.FieldError("secret", "A %s environment needs its API secret.", in.Provider)
		}
	}
	if _, err := requestTimeout(guise.Environment{Settings: in.Settings}); err != nil {
		return err
	}
	if in.Provider != guise.ProviderDemo {
		// The adapter's constructor knows which settings it needs: a
		// missing one is caught now, not at the first impersonation.
		probe := guise.Environment{Name: in.Name, Provider: in.Provider, BaseURL: in.BaseURL, Settings: in.Settings}
		if _, err := e.a.provider(probe, secret); guise.ErrorCode(err) == guise.EINVALID {
			return err
		}
	}
	return checkBaseURL(in.BaseURL)
}

// checkBaseURL insists on https, except on loopback where the Demo and tests live.
func checkBaseURL(raw string) error {
	if raw == "" {
		return guise.FieldError("base_url", "The base URL is required, like https://api.example.com.")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return guise.FieldError("base_url", "%q is not a URL; write it like https://api.example.com.", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return guise.FieldError("base_url", "Use https:// for %s; plain http is allowed only on this machine (127.0.0.1, localhost).", u.Host)
	}
	return nil
}

// envChanges describes an edit for the audit log, naming settings but never
// a secret's value; "" when nothing changed.
func envChanges(old, now guise.Environment, secret bool) string {
	var parts []string
	if old.BaseURL != now.BaseURL {
		parts = append(parts, fmt.Sprintf("base_url %s → %s", old.BaseURL, now.BaseURL))
	}
	keys := slices.Sorted(maps.Keys(now.Settings))
	for k := range old.Settings {
		if _, ok := now.Settings[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		was, ok := old.Settings[k]
		is, still := now.Settings[k]
		switch {
		case !ok:
			parts = append(parts, fmt.Sprintf("%s set to %s", k, is))
		case !still:
			parts = append(parts, k+" removed")
		case was != is:
			parts = append(parts, fmt.Sprintf("%s %s → %s", k, was, is))
		}
	}
	if secret {
		parts = append(parts, "secret replaced")
	}
	return strings.Join(parts, ", ")
}

// Remove removes an environment, its cache and its secret; history stays.
func (e *Environments) Remove(name string) error {
	ctx, cancel := e.a.callCtx()
	defer cancel()
	svc, err := e.a.Service()
	if err != nil {
		return err
	}
	if _, err := svc.ExpireDue(ctx); err != nil {
		return err
	}
	running, err := svc.Store.Sessions(ctx, guise.SessionFilter{Env: name, ActiveOnly: true})
	if err != nil {
		return err
	}
	if len(running) > 0 {
		return guise.Errorf(guise.ECONFLICT, "%s has %d running impersonation(s); stop them first.", name, len(running))
	}
	agent, _ := svc.Agent(ctx)
	if err := svc.Store.DeleteEnvironment(ctx, name, guise.AuditRecord{At: time.Now().UTC(), Kind: guise.AuditEnvRemoved, Env: name, Agent: agent.Email}); err != nil {
		return err
	}
	e.a.reach.forget(name)
	return svc.Secrets.Delete(name)
}

// Test calls the provider and reports what works.
func (e *Environments) Test(name string) ([]guise.CheckResult, error) {
	ctx, cancel := e.a.callCtx()
	defer cancel()
	svc, err := e.a.Service()
	if err != nil {
		return nil, err
	}
	env, err := svc.Store.Environment(ctx, name)
	if err != nil {
		return nil, err
	}
	prov, err := svc.Provider(ctx, env)
	if err != nil {
		e.a.reach.observe(env.Name, err)
		return []guise.CheckResult{{Name: "secret", OK: false, Detail: guise.ErrorMessage(err)}}, nil
	}
	res := prov.Check(ctx)
	e.a.reach.observeChecks(ctx, env, res)
	n, err := svc.ImpersonationsThisMonth(ctx, env.Name)
	if err != nil {
		return nil, err
	}
	return append(res, guise.CheckResult{Name: "Impersonations this month", OK: true,
		Detail: fmt.Sprintf("%d started from this Guise since %s.", n, guise.MonthStart(time.Now()).Format("2 January"))}), nil
}

// SetCurrent makes name the environment the window opens on.
func (e *Environments) SetCurrent(name string) error {
	ctx, cancel := e.a.callCtx()
	defer cancel()
	svc, err := e.a.Service()
	if err != nil {
		return err
	}
	if _, err := svc.Store.Environment(ctx, name); err != nil {
		return err
	}
	return svc.Store.PutSetting(ctx, settingCurrentEnv, name, guise.AuditRecord{})
}

func currentEnv(ctx context.Context, svc *guise.Service) (string, error) {
	var name string
	if _, err := svc.Store.GetSetting(ctx, settingCurrentEnv, &name); err != nil {
		return "", err
	}
	if name != "" {
		if _, err := svc.Store.Environment(ctx, name); err == nil {
			return name, nil
		}
	}
	envs, err := svc.Store.Environments(ctx)
	if err != nil || len(envs) == 0 {
		return "", err
	}
	return envs[0].Name, nil
}
