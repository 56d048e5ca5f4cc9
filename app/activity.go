package app

import (
	"context"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// activityTimeout bounds one import of provider activity after a sync.
const activityTimeout = 2 * time.Minute

// importActivity runs after a successful sync of env, with its provider
// (the engine's After, inside the run: never two of one environment at
// once): where the provider has an event log Guise may read, it imports the
// events about the users impersonated there. It never fails the sync: a
// refused log (a missing scope) is logged once, when first refused, and
// other failures are logged.
func (a *App) importActivity(ctx context.Context, env string, prov guise.Provider) {
	ctx, cancel := context.WithTimeout(ctx, activityTimeout)
	defer cancel()
	svc, err := a.Service()
	if err != nil {
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
