package app

import (
	"context"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/syncer"
)

// Sync copies users and organizations from providers into the cache.
type Sync struct{ a *App }

// SyncNow syncs env in the foreground (the CLI), reporting progress. It is
// not a bound method: the window uses Sync.Start and events.
func (a *App) SyncNow(ctx context.Context, env string, report func(syncer.Progress)) (syncer.Progress, error) {
	svc, err := a.Service()
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
	prov, err := svc.Provider(ctx, e)
	if err != nil {
		a.reach.observe(env, err)
		return syncer.Progress{}, offlineHint(e, err)
	}
	p, err := a.syncer.Sync(ctx, env, prov, report)
	a.reach.observe(env, err)
	if err != nil {
		a.log.Warn("sync stopped", "env", env, "users", p.Users, "err", err)
		return p, offlineHint(e, err)
	}
	a.log.Info("sync done", "env", env, "users", p.Users, "orgs", p.Orgs, "full", p.Full, "resumed", p.Resumed)
	return p, nil
}

// Start syncs env in the background; progress and the end arrive as events.
// Starting a sync that is already running does nothing.
func (s *Sync) Start(env string) error {
	svc, err := s.a.Service()
	if err != nil {
		return err
	}
	if env == "" {
		ctx, cancel := s.a.callCtx()
		env, err = currentEnv(ctx, svc)
		cancel()
		if err != nil {
			return err
		}
	}
	s.a.mu.Lock()
	if _, running := s.a.syncs[env]; running {
		s.a.mu.Unlock()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.a.syncs[env] = cancel
	s.a.mu.Unlock()
	go func() {
		defer func() {
			s.a.mu.Lock()
			delete(s.a.syncs, env)
			s.a.mu.Unlock()
			cancel()
		}()
		p, err := s.a.SyncNow(ctx, env, func(p syncer.Progress) { s.a.events.Emit(guise.EventSyncProgress, p) })
		if err != nil {
			p.Env, p.Done, p.Error = env, true, guise.AsError(err)
		}
		s.a.events.Emit(guise.EventSyncDone, p)
	}()
	return nil
}

// Cancel stops a running sync of env; what was fetched is kept.
func (s *Sync) Cancel(env string) {
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	if cancel, ok := s.a.syncs[env]; ok {
		cancel()
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
