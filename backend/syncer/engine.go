package syncer

import (
	"context"
	"sync"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Engine runs the syncs of every environment: at most one at a time per
// environment, in the foreground (Run, for the CLI and tests) or in the
// background (Start, for the app: a run now, then an incremental refresh
// every Interval, and a full pass when the last is older than FullEvery).
// Any run can be canceled; what it saved is kept and the next run resumes.
type Engine struct {
	Syncer *Syncer
	// Provider builds env's provider for a run.
	Provider func(ctx context.Context, env string) (guise.Provider, error)
	// Interval is the background refresh period, read before each wait;
	// zero or less means no refresh until Start is called again.
	Interval func() time.Duration
	// FullEvery makes a background run a full pass (which sweeps out users
	// deleted at the provider) when the last full pass is older. 0: never.
	FullEvery time.Duration
	// Report receives the progress of background runs; the last has Done.
	Report func(Progress)
	// After, when set, runs after every successful run (foreground or
	// background) with the run's provider, under the run's context.
	After func(ctx context.Context, env string, prov guise.Provider)

	mu    sync.Mutex
	slots map[string]*slot
}

// slot is one environment's place in the engine.
type slot struct {
	sem    chan struct{}      // held by the running sync
	cancel context.CancelFunc // cancels the running sync; nil when idle
	stop   context.CancelFunc // ends the background loop; nil when none
	kick   chan struct{}      // asks the loop for a run now
	done   chan struct{}      // closed when the loop has ended
}

func (e *Engine) slot(env string) *slot {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.slots == nil {
		e.slots = map[string]*slot{}
	}
	sl, ok := e.slots[env]
	if !ok {
		sl = &slot{sem: make(chan struct{}, 1), kick: make(chan struct{}, 1)}
		e.slots[env] = sl
	}
	return sl
}

// Run syncs env now and returns when the run ends, after waiting for a run
// of env already going. Canceling ctx (or Cancel) stops it.
func (e *Engine) Run(ctx context.Context, env string, opts Options, report func(Progress)) (Progress, error) {
	if report == nil {
		report = func(Progress) {}
	}
	sl := e.slot(env)
	select {
	case sl.sem <- struct{}{}:
	case <-ctx.Done():
		err := guise.Wrap(guise.ECANCELED, ctx.Err(), "The sync was canceled before it started.")
		return Progress{Env: env, Done: true, ETASeconds: -1, Error: err}, err
	}
	defer func() { <-sl.sem }()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.mu.Lock()
	sl.cancel = cancel
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		sl.cancel = nil
		e.mu.Unlock()
	}()
	prov, err := e.Provider(ctx, env)
	if err != nil {
		p := Progress{Env: env, Done: true, ETASeconds: -1, Error: guise.AsError(err)}
		report(p)
		return p, err
	}
	p, err := e.Syncer.Run(ctx, env, prov, opts, report)
	if err == nil && e.After != nil {
		e.After(ctx, env, prov)
	}
	return p, err
}

// Running reports whether a sync of env is under way.
func (e *Engine) Running(env string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	sl, ok := e.slots[env]
	return ok && sl.cancel != nil
}

// Start syncs env in the background now, then every Interval until Stop.
// When env's loop is already going, it asks for a run now (none is started
// while one runs: the loop runs again once it ends).
func (e *Engine) Start(env string) {
	sl := e.slot(env)
	e.mu.Lock()
	defer e.mu.Unlock()
	if sl.stop != nil {
		select {
		case sl.kick <- struct{}{}:
		default:
		}
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	sl.stop, sl.done = stop, make(chan struct{})
	go e.loop(ctx, env, sl, sl.done)
}

func (e *Engine) loop(ctx context.Context, env string, sl *slot, done chan struct{}) {
	defer close(done)
	for {
		// Drop a kick that came while a run was going: this run serves it.
		select {
		case <-sl.kick:
		default:
		}
		_, _ = e.Run(ctx, env, Options{Full: e.fullDue(ctx, env)}, e.report)
		var tick <-chan time.Time
		var t *time.Timer
		if e.Interval != nil {
			if d := e.Interval(); d > 0 {
				t = time.NewTimer(d)
				tick = t.C
			}
		}
		select {
		case <-ctx.Done():
		case <-sl.kick:
		case <-tick:
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

func (e *Engine) report(p Progress) {
	if e.Report != nil {
		e.Report(p)
	}
}

// fullDue reports whether env's last full pass is older than FullEvery.
func (e *Engine) fullDue(ctx context.Context, env string) bool {
	if e.FullEvery <= 0 {
		return false
	}
	st, err := e.Syncer.Store.SyncState(ctx, env)
	return err == nil && !st.LastSyncedAt.IsZero() && e.Syncer.now().Sub(st.LastFullAt) >= e.FullEvery
}

// Cancel stops env's running sync, if any; a background loop goes on.
func (e *Engine) Cancel(env string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if sl, ok := e.slots[env]; ok && sl.cancel != nil {
		sl.cancel()
	}
}

// Stop ends env's background loop and its running sync, and waits for them.
func (e *Engine) Stop(env string) {
	e.mu.Lock()
	sl, ok := e.slots[env]
	var done chan struct{}
	if ok && sl.stop != nil {
		sl.stop()
		done = sl.done
		sl.stop, sl.done = nil, nil
	}
	e.mu.Unlock()
	if done != nil {
		<-done
	}
}

// Close stops every background loop and waits for them.
func (e *Engine) Close() {
	e.mu.Lock()
	envs := make([]string, 0, len(e.slots))
	for env := range e.slots {
		envs = append(envs, env)
	}
	e.mu.Unlock()
	for _, env := range envs {
		e.Cancel(env)
		e.Stop(env)
	}
}
