package app

import (
	"context"
	"sync"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Awaited starts (WorkOS): the session waits until the provider reports the
// impersonation the agent starts in its dashboard. The process that started
// it watches: the window in the background (awaitWatch), `guise impersonate`
// in the foreground (AwaitStart). `guise sync` and `guise sessions` reconcile
// too, so a session whose watcher went away is still attached or failed.

// awaitWatch runs the window's background watches of awaited starts.
type awaitWatch struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// watchAwaiting watches session id in the background when this process is
// the window (the CLI waits in the foreground instead).
func (a *App) watchAwaiting(id string) {
	a.mu.Lock()
	window := a.stopBg != nil
	a.mu.Unlock()
	if !window {
		return
	}
	w := &a.awaits
	w.mu.Lock()
	if w.ctx == nil {
		w.ctx, w.cancel = context.WithCancel(context.Background())
	}
	ctx := w.ctx
	w.wg.Add(1)
	w.mu.Unlock()
	go func() {
		defer w.wg.Done()
		s, err := a.AwaitStart(ctx, id, nil)
		if err != nil && ctx.Err() == nil {
			a.log.Warn("watching for a dashboard start", "session", id, "err", err)
			return
		}
		a.log.Info("dashboard start watched", "session", id, "ref", s.ProviderRef, "end_reason", s.EndReason)
	}()
}

// stopAwaits ends the background watches and waits for them (Close).
func (a *App) stopAwaits() {
	w := &a.awaits
	w.mu.Lock()
	if w.cancel != nil {
		w.cancel()
	}
	w.ctx, w.cancel = nil, nil
	w.mu.Unlock()
	w.wg.Wait()
}

// AwaitStart waits until the awaiting session id is attached, ends, or its
// wait runs out (it is then failed), reporting each look to progress. It is
// not a bound method: the window watches in the background.
func (a *App) AwaitStart(ctx context.Context, id string, progress func(guise.AwaitProgress)) (guise.Session, error) {
	svc, err := a.Service()
	if err != nil {
		return guise.Session{}, err
	}
	s, err := svc.Await(ctx, id, progress)
	if err == nil && s.EndedAt == nil && s.AwaitingUntil == nil {
		a.log.Info("impersonation started in the dashboard", "session", s.ID, "env", s.Env, "ref", s.ProviderRef, "expires_at", s.ExpiresAt)
	}
	return s, err
}

// Reconcile attaches env's awaiting sessions the provider has reported and
// imports the impersonations started outside Guise.
func (a *App) Reconcile(ctx context.Context, env string) (guise.ReconcileResult, error) {
	svc, err := a.Service()
	if err != nil {
		return guise.ReconcileResult{}, err
	}
	r, err := svc.Reconcile(ctx, env)
	if err != nil {
		a.log.Warn("reconciling sessions", "env", env, "err", err)
		return r, err
	}
	if len(r.Attached)+len(r.Imported) > 0 {
		a.log.Info("sessions reconciled", "env", env, "attached", len(r.Attached), "imported", len(r.Imported))
	}
	return r, nil
}

// ReconcilePending reconciles every environment that has awaiting sessions
// or has been reconciled before, briefly: the history is then up to date
// even when no window watched. Failures are logged and returned together.
func (a *App) ReconcilePending(ctx context.Context) (guise.ReconcileResult, error) {
	out := guise.ReconcileResult{Attached: []guise.Session{}, Imported: []guise.Session{}}
	svc, err := a.Service()
	if err != nil {
		return out, err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	envs, err := svc.ToReconcile(ctx)
	if err != nil {
		return out, err
	}
	var errs []error
	for _, env := range envs {
		r, err := a.Reconcile(ctx, env)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out.Attached, out.Imported = append(out.Attached, r.Attached...), append(out.Imported, r.Imported...)
	}
	if len(errs) > 0 {
		return out, errs[0]
	}
	return out, nil
}
