package app

import (
	"github.com/guiseapp/guise/backend/guise"
)

// Users searches the local cache.
type Users struct{ a *App }

// UserDetail is a user with what the panel shows beside them.
type UserDetail struct {
	User      guise.User      `json:"user"`
	Sessions  []guise.Session `json:"sessions"`
	Protected string          `json:"protected"` // why they cannot be impersonated, or ""
	Policy    guise.Policy    `json:"policy"`
	// Activity is the user's recent activity at the provider, newest first,
	// imported from its log after syncs; ActivityNote says why there is
	// none when the provider would not show its log ("" otherwise).
	Activity     []guise.ProviderEvent `json:"activity"`
	ActivityNote string                `json:"activity_note"`
}

// Search answers as-you-type queries from the cache, best matches first.
func (u *Users) Search(env, query string, limit int) ([]guise.User, error) {
	ctx, cancel := u.a.callCtx()
	defer cancel()
	svc, err := u.a.Service()
	if err != nil {
		return nil, err
	}
	if env == "" {
		if env, err = currentEnv(ctx, svc); err != nil {
			return nil, err
		}
	}
	users, err := svc.Store.SearchUsers(ctx, env, query, limit)
	if users == nil {
		users = []guise.User{}
	}
	return users, err
}

// Get returns one cached user (by id or email) with their recent sessions.
func (u *Users) Get(env, user string) (UserDetail, error) {
	ctx, cancel := u.a.callCtx()
	defer cancel()
	svc, err := u.a.Service()
	if err != nil {
		return UserDetail{}, err
	}
	if env == "" {
		if env, err = currentEnv(ctx, svc); err != nil {
			return UserDetail{}, err
		}
	}
	found, err := svc.Store.FindUser(ctx, env, user)
	if err != nil {
		return UserDetail{}, err
	}
	if _, err := svc.ExpireDue(ctx); err != nil {
		return UserDetail{}, err
	}
	sessions, err := svc.Store.Sessions(ctx, guise.SessionFilter{Env: env, UserID: found.ID, Limit: 20})
	if err != nil {
		return UserDetail{}, err
	}
	pol, err := svc.Policy(ctx, env)
	if err != nil {
		return UserDetail{}, err
	}
	activity, note, err := userActivity(ctx, svc.Store, env, found.ID)
	if err != nil {
		return UserDetail{}, err
	}
	return UserDetail{User: found, Sessions: sessions, Protected: pol.Protected(found), Policy: pol, Activity: activity, ActivityNote: note}, nil
}
