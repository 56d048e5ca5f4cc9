package app

import (
	"context"
	"sync"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// activityTimeout bounds one import of provider activity after a sync.
const activityTimeout = 2 * time.Minute

// activityRuns keeps two imports of one environment from running at once
// (a background sync's and a foreground one's): the second is skipped.
type activityRuns struct {
	mu      sync.Mutex
	running map[string]bool
}

func (r *activityRuns) begin(env string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[env] {
		return false
	}
	if r.running == nil {
		r.running = map[string]bool{}
	}
	r.running[env] = true
	return true
}

func (r *activityRuns) end(env string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.running, env)
}

// importActivity runs after a successful sync of env: where env's provider
// has an event log Guise may read, it imports the events about the users
// impersonated there. It never fails the sync: a refused log (a missing
// scope) is logged once, when first refused, and other failures are logged.
func (a *App) importActivity(ctx context.Context, env string) {
	if !a.activity.begin(env) {
		return
	}
	defer a.activity.end(env)
	ctx, cancel := context.WithTimeout(ctx, activityTimeout)
	defer cancel()
	svc, err := a.Service()
	if err != nil {
		return
	}
	prov, err := a.syncProvider(ctx, env)
	if err != nil {
		a.log.Warn("provider activity not imported", "env", env, "err", err)
		return
	}
	reader, ok := prov.(guise.ActivityReader)
	if !ok {
		return
	}
	res, err := svc.ImportActivity(ctx, env, reader)
	switch {
	case err != nil:
		a.log.Warn("provider activity import stopped; the next sync goes on from there", "env", env, "events", res.Events, "err", err)
	case res.NewlyDenied:
		a.log.Info("provider activity not imported: the provider will not show its log to Guise", "env", env, "why", res.Denied)
	case res.Events > 0:
		a.log.Info("provider activity imported", "env", env, "events", res.Events, "users", res.Users)
	}
}

// userActivity is a user's recent provider activity for the panel, and why
// there is none when the provider would not show its log.
func userActivity(ctx context.Context, store guise.Store, env, userID string) ([]guise.ProviderEvent, string, error) {
	events, err := store.UserActivity(ctx, env, userID, 20)
	if err != nil {
		return nil, "", err
	}
	st, err := store.ActivityState(ctx, env)
	if err != nil {
		return nil, "", err
	}
	if events == nil {
		events = []guise.ProviderEvent{}
	}
	return events, st.Denied, nil
}
