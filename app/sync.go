package app

import (
	"context"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/sqlite"
	"github.com/guiseapp/guise/backend/syncer"
)

// Sync copies users and organizations from providers into the cache.
type Sync struct{ a *App }

const (
	// settingSyncInterval is the background refresh period in minutes;
	// 0 turns the refresh off (Sync now still works).
	settingSyncInterval = "sync_interval_minutes"
	defaultSyncInterval = 15 * time.Minute
	// fullSyncEvery makes a background refresh a full pass once a day, so
	// users deleted at the provider leave the cache.
	fullSyncEvery = 24 * time.Hour
)

// newEngine builds the sync engine over the open database.
func (a *App) newEngine(db *sqlite.DB) *syncer.Engine {
	return &syncer.Engine{
		Syncer:    syncer.New(db),
		Provider:  a.syncProvider,
		FullEvery: fullSyncEvery,
		Interval: func() time.Duration {
			minutes := -1
			ctx, cancel := a.callCtx()
			defer cancel()
			if ok, err := db.GetSetting(ctx, settingSyncInterval, &minutes); err != nil || !ok || minutes < 0 {
				return defaultSyncInterval
			}
			return time.Duration(minutes) * time.Minute
		},
		Report: func(p syncer.Progress) {
			if !p.Done {
				a.events.Emit(guise.EventSyncProgress, p)
				return
			}
			var err error // not p.Error itself: a nil *guise.Error is a non-nil error
			if p.Error != nil {
				err = p.Error
			}
			a.reach.observe(p.Env, err)
			if p.Error != nil {
				a.log.Warn("background sync stopped", "env", p.Env, "users", p.Users, "err", p.Error)
			} else {
				a.log.Info("background sync done", "env", p.Env, "users", p.Users, "swept", p.Swept, "full", p.Full)
				go func() { // dashboard starts (WorkOS), off the engine's goroutine
					ctx, cancel := a.callCtx()
					defer cancel()
					_, _ = a.Reconcile(ctx, p.Env)
				}()
			}
			a.events.Emit(guise.EventSyncDone, p)
		},
		After: func(ctx context.Context, env string, prov guise.Provider) {
			a.importActivity(ctx, env, prov)
		},
	}
}

// syncProvider builds env's provider for a sync. Building connects to
// nothing: an unreachable Demo shows in the run itself (see SyncWith).
func (a *App) syncProvider(ctx context.Context, env string) (guise.Provider, error) {
	svc, err := a.Service()
	if err != nil {
		return nil, err
	}
	e, err := svc.Store.Environment(ctx, env)
	if err != nil {
		return nil, err
	}
	return svc.Provider(ctx, e)
}

func (a *App) syncEngine() (*syncer.Engine, *guise.Service, error) {
	svc, err := a.Service()
	if err != nil {
		return nil, nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.engine, svc, nil
}

// SyncWith syncs env in the foreground as opts say (Full: fetch everyone and
// drop the users the provider no longer has).
func (a *App) SyncWith(ctx context.Context, env string, opts syncer.Options, report func(syncer.Progress)) (syncer.Progress, error) {
	eng, svc, err := a.syncEngine()
	if err != nil {
		return syncer.Progress{}, err
	}
	if env == "" {
		if env, err = currentEnv(ctx, svc); err != nil {
			return syncer.Progress{}, err
		}
	}
	e, err := svc.Store.Environment(ctx, env)
	if err != nil {
		return syncer.Progress{}, err
	}
	p, err := eng.Run(ctx, env, opts, report)
	a.reach.observe(env, err)
	if err != nil {
		a.log.Warn("sync stopped", "env", env, "users", p.Users, "err", err)
		return p, offlineHint(e, err)
	}
	a.log.Info("sync done", "env", env, "users", p.Users, "orgs", p.Orgs, "full", p.Full, "resumed", p.Resumed, "swept", p.Swept)
	return p, nil
}

// StartSyncLoops starts the background refresh of every environment that
// has been synced before (or whose sync was interrupted); the others wait
// for their first Sync now.
func (a *App) StartSyncLoops(ctx context.Context) {
	eng, svc, err := a.syncEngine()
	if err != nil {
		return
	}
	envs, err := svc.Store.Environments(ctx)
	if err != nil {
		a.log.Error("listing environments", "err", err)
		return
	}
	for _, e := range envs {
		st, err := svc.Store.SyncState(ctx, e.Name)
		if err == nil && (!st.LastSyncedAt.IsZero() || st.Cursor != "") {
			eng.Start(e.Name)
		}
	}
}

// Start syncs env in the background now and keeps it refreshed; progress
// and the end arrive as events. Starting while a sync runs does nothing
// more than ask for another run after it.
func (s *Sync) Start(env string) error {
	eng, svc, err := s.a.syncEngine()
	if err != nil {
		return err
	}
	ctx, cancel := s.a.callCtx()
	defer cancel()
	if env == "" {
		if env, err = currentEnv(ctx, svc); err != nil {
			return err
		}
	}
	if _, err := svc.Store.Environment(ctx, env); err != nil {
		return err
	}
	eng.Start(env)
	return nil
}

// Cancel stops a running sync of env; what was fetched is kept and the
// next run resumes there.
func (s *Sync) Cancel(env string) {
	if eng, _, err := s.a.syncEngine(); err == nil {
		eng.Cancel(env)
	}
}

// Status returns env's sync state.
func (s *Sync) Status(env string) (guise.SyncState, error) {
	ctx, cancel := s.a.callCtx()
	defer cancel()
	svc, err := s.a.Service()
	if err != nil {
		return guise.SyncState{}, err
	}
	return svc.Store.SyncState(ctx, env)
}
