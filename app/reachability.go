package app

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Reachability states of an environment's provider.
const (
	ReachUnknown = "unknown" // nothing was tried since Guise started
	ReachOK      = "ok"      // the provider answered the last time Guise asked
	ReachOffline = "offline" // the provider could not be reached (or failed) the last time
)

// EventEnvStatus is pushed with an EnvStatus when an environment's
// reachability changes, so the window shows "offline" as it happens.
const EventEnvStatus = "env:status"

// Reachability says whether Guise could reach an environment's provider the
// last time it tried. It lives in memory only: each process learns it from
// the calls it makes, and a restart starts from unknown.
type Reachability struct {
	State  string     `json:"state"`
	Detail string     `json:"detail"` // what failed, in plain words; "" when ok or unknown
	Since  *time.Time `json:"since"`  // when this state began; nil while unknown
}

// EnvStatus is the payload of EventEnvStatus.
type EnvStatus struct {
	Env          string       `json:"env"`
	Reachability Reachability `json:"reachability"`
}

// reachTracker keeps each environment's reachability, learnt from the
// outcomes of the provider calls the app makes anyway (sync, test,
// impersonate, stop), and announces changes.
type reachTracker struct {
	emit func(name string, payload any)
	now  func() time.Time

	mu    sync.Mutex
	byEnv map[string]Reachability
}

func newReachTracker(emit func(string, any)) *reachTracker {
	return &reachTracker{emit: emit, now: time.Now, byEnv: map[string]Reachability{}}
}

// get returns env's reachability; unknown when nothing was tried.
func (r *reachTracker) get(env string) Reachability {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.byEnv[env]; ok {
		return v
	}
	return Reachability{State: ReachUnknown}
}

// set records a state and announces it when it differs from the last one.
// Since stays put while the state does not change.
func (r *reachTracker) set(env, state, detail string) {
	r.mu.Lock()
	old, known := r.byEnv[env]
	if known && old.State == state && old.Detail == detail {
		r.mu.Unlock()
		return
	}
	v := Reachability{State: state, Detail: detail, Since: old.Since}
	if !known || old.State != state {
		now := r.now().UTC()
		v.Since = &now
	}
	r.byEnv[env] = v
	r.mu.Unlock()
	if r.emit != nil {
		r.emit(EventEnvStatus, EnvStatus{Env: env, Reachability: v})
	}
}

// forget drops a removed environment.
func (r *reachTracker) forget(env string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byEnv, env)
}

// observe records what the outcome of a call to env's provider says: no
// error, or an error the provider itself answered with, means it is
// reachable; EUNAVAILABLE anywhere in the error's chain (a stop left pending
// wraps its cause) means it is not. Other errors (policy refusals, bad input,
// a missing secret) say nothing about the provider and change nothing.
func (r *reachTracker) observe(env string, err error) {
	if env == "" {
		return
	}
	if err == nil {
		r.set(env, ReachOK, "")
		return
	}
	if down := unavailable(err); down != nil {
		r.set(env, ReachOffline, down.Message)
		return
	}
	switch guise.ErrorCode(err) {
	case guise.EUNAUTHORIZED, guise.ERATELIMIT, guise.EPROVIDER, guise.EQUOTA:
		r.set(env, ReachOK, "")
	}
}

// unavailable is the first EUNAVAILABLE error in err's chain, or nil.
func unavailable(err error) *guise.Error {
	for err != nil {
		var e *guise.Error
		if !errors.As(err, &e) {
			return nil
		}
		if e.Code == guise.EUNAVAILABLE {
			return e
		}
		err = e.Err
	}
	return nil
}

// observeChecks records what Environments.Test found: one passing check
// means the provider answered. When every check failed the results carry no
// code, so a plain request to the base URL tells whether it is reachable.
func (r *reachTracker) observeChecks(ctx context.Context, env guise.Environment, res []guise.CheckResult) {
	for _, c := range res {
		if c.OK {
			r.set(env.Name, ReachOK, "")
			return
		}
	}
	if state, detail, ok := probe(ctx, env); ok {
		r.set(env.Name, state, detail)
	}
}

// setIfUnknown records a state unless another outcome was recorded meanwhile.
func (r *reachTracker) setIfUnknown(env, state, detail string) {
	r.mu.Lock()
	_, known := r.byEnv[env]
	r.mu.Unlock()
	if !known {
		r.set(env, state, detail)
	}
}

// probeTimeout bounds the reachability probe.
const probeTimeout = 5 * time.Second

// probe asks env's base URL for its headers, without credentials: any HTTP
// answer means the provider is reachable. It goes through the same proxy and
// TLS checks as the adapters do. ok is false when it could not tell.
func probe(ctx context.Context, env guise.Environment) (state, detail string, ok bool) {
	if env.BaseURL == "" {
		return "", "", false
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, env.BaseURL, nil)
	if err != nil {
		return "", "", false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return "", "", false // shutting down: no news
		}
		reason := err.Error()
		var ue *url.Error
		if errors.As(err, &ue) {
			reason = ue.Err.Error()
			if ue.Timeout() {
				reason = "no answer within " + probeTimeout.String()
			}
		}
		return ReachOffline, "Cannot reach " + hostOf(env.BaseURL) + ": " + reason + ".", true
	}
	_ = resp.Body.Close()
	return ReachOK, "", true
}

// probeEnvironments checks, once at window start, every environment nothing
// has been asked of yet, so an unreachable one shows "offline" before the
// agent tries to use it.
func (a *App) probeEnvironments(ctx context.Context) {
	svc, err := a.Service()
	if err != nil {
		return
	}
	envs, err := svc.Store.Environments(ctx)
	if err != nil {
		return
	}
	for _, env := range envs {
		if ctx.Err() != nil {
			return
		}
		if a.reach.get(env.Name).State != ReachUnknown {
			continue
		}
		if state, detail, ok := probe(ctx, env); ok {
			a.reach.setIfUnknown(env.Name, state, detail)
		}
	}
}
