// Package syncer copies an environment's users and organizations from its
// provider into the local cache: a full pass first, then incremental ones
// (changed since the newest update seen), with a full pass now and then to
// sweep out users deleted at the provider. Pages stream through: one is
// fetched while the ones before it are written, the cursor is committed with
// each write, and requests stay under the provider's published rate limit.
package syncer

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"golang.org/x/time/rate"
)

// Store is what a sync needs of the local database.
type Store interface {
	// SaveUsers writes users stamped with state.Gen and the state, atomically.
	SaveUsers(ctx context.Context, env string, users []guise.User, state guise.SyncState) error
	SaveOrgs(ctx context.Context, env string, orgs []guise.Org) error
	SyncState(ctx context.Context, env string) (guise.SyncState, error)
	SaveSyncState(ctx context.Context, state guise.SyncState) error
	CountUsers(ctx context.Context, env string) (int, error)
	// SweepUsers deletes env's users stamped with a generation before gen.
	SweepUsers(ctx context.Context, env string, gen int64) (int, error)
}

// Progress reports a sync run. It is also the payload of sync events.
type Progress struct {
	Env        string       `json:"env"`
	Users      int          `json:"users"`       // users saved in this run
	Orgs       int          `json:"orgs"`        // organizations saved in this run
	Pages      int          `json:"pages"`       // user pages fetched and saved in this run
	Total      int          `json:"total"`       // users a full pass should bring, 0 when unknown
	Swept      int          `json:"swept"`       // users removed because the provider no longer has them
	Throttled  int          `json:"throttled"`   // answers that asked us to slow down (429)
	Rate       float64      `json:"rate"`        // users per second
	ETASeconds int          `json:"eta_seconds"` // -1 when unknown
	Resumed    bool         `json:"resumed"`     // the run continued an interrupted one
	Full       bool         `json:"full"`        // the run fetched everyone, not only changes
	Done       bool         `json:"done"`
	Error      *guise.Error `json:"error"`
}

// Options choose what a run does.
type Options struct {
	// Full fetches every user and sweeps out those not seen, even when an
	// incremental run would do. An interrupted run is resumed regardless.
	Full bool
}

// Syncer runs syncs against a store.
type Syncer struct {
	Store Store
	// Retries is how many times a page is retried after a rate limit or an
	// unreachable provider before the run stops (its progress kept).
	Retries int
	// Backoff is the first wait after a failure; it doubles each time.
	Backoff time.Duration
	// MaxBatch bounds the users written in one transaction when pages arrive
	// faster than they are written: fewer, larger commits write faster.
	MaxBatch int
	// Now and Sleep replace the clock in tests. Both are called from the
	// goroutine that fetches pages and the one that saves them.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// New returns a Syncer with production settings.
func New(store Store) *Syncer {
	return &Syncer{Store: store, Retries: 6, Backoff: 500 * time.Millisecond, MaxBatch: 10000}
}

// limitMargin keeps requests a little under a published limit: the
// provider's clock and the network's jitter are not ours.
const limitMargin = 0.9

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Syncer) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	return guise.Sleep(ctx, d)
}

// limiter is env's client-side rate limiter, shared by its runs so that
// back-to-back runs do not add up to more than the provider allows.
func (s *Syncer) limiter(env string) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limiters == nil {
		s.limiters = map[string]*rate.Limiter{}
	}
	l, ok := s.limiters[env]
	if !ok {
		l = rate.NewLimiter(rate.Inf, 1)
		s.limiters[env] = l
	}
	return l
}

// pace waits for the limiter, first adopting the limit the provider
// publishes now (an adapter may learn it from response headers).
func (s *Syncer) pace(ctx context.Context, lim *rate.Limiter, prov guise.Provider) error {
	if rl, ok := prov.(guise.RateLimited); ok {
		if per, burst := rl.RateLimit(); per > 0 {
			if l := rate.Limit(per * limitMargin); lim.Limit() != l {
				lim.SetLimit(l)
			}
			if b := max(1, burst); lim.Burst() != b {
				lim.SetBurst(b)
			}
		}
	}
	// Reserve and sleep on our own clock (not lim.Wait), so tests can run it.
	now := s.now()
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return guise.Errorf(guise.EINTERNAL, "The rate limiter refused a request.")
	}
	if d := r.DelayFrom(now); d > 0 {
		if err := s.sleep(ctx, d); err != nil {
			r.CancelAt(now)
			return guise.Wrap(guise.ECANCELED, err, "The sync was canceled; what was fetched so far is kept.")
		}
	}
	return nil
}

// call makes one paced provider call, retrying until it succeeds, fails for
// good, or retries run out. throttled counts the 429s.
func (s *Syncer) call(ctx context.Context, lim *rate.Limiter, prov guise.Provider, throttled *atomic.Int64, fn func() error) error {
	wait := s.Backoff
	for attempt := 0; ; attempt++ {
		if err := s.pace(ctx, lim, prov); err != nil {
			return err
		}
		err := fn()
		code := guise.ErrorCode(err)
		if code == guise.ERATELIMIT {
			throttled.Add(1)
		}
		if err == nil || (code != guise.ERATELIMIT && code != guise.EUNAVAILABLE) || attempt >= s.Retries {
			return err
		}
		d := wait
		if ra := guise.RetryAfter(err); ra > 0 {
			d = ra
		}
		if err := s.sleep(ctx, d); err != nil {
			return guise.Wrap(guise.ECANCELED, err, "The sync was canceled; what was fetched so far is kept.")
		}
		wait *= 2
	}
}

// Sync runs one sync of env with prov (incremental when it can be),
// calling report after each write. An error leaves the cursor in place, so
// the next run resumes there.
func (s *Syncer) Sync(ctx context.Context, env string, prov guise.Provider, report func(Progress)) (Progress, error) {
	return s.Run(ctx, env, prov, Options{}, report)
}

// fetched is one page from the fetcher, or why there are no more.
type fetched struct {
	page guise.UserPage
	err  error
}

// Run runs one sync of env with prov as opts say; see Sync.
func (s *Syncer) Run(ctx context.Context, env string, prov guise.Provider, opts Options, report func(Progress)) (Progress, error) {
	if report == nil {
		report = func(Progress) {}
	}
	p := Progress{Env: env, ETASeconds: -1}
	var throttled atomic.Int64 // the fetcher counts, the writer reports
	fail := func(err error) (Progress, error) {
		e := guise.AsError(err)
		if errors.Is(err, context.Canceled) && e.Code != guise.ECANCELED {
			e = guise.Wrap(guise.ECANCELED, err, "The sync was canceled; what was fetched so far is kept.")
		}
		st, serr := s.Store.SyncState(context.WithoutCancel(ctx), env)
		if serr == nil {
			st.LastError = e.Message
			_ = s.Store.SaveSyncState(context.WithoutCancel(ctx), st)
		}
		p.Error, p.Done, p.ETASeconds, p.Throttled = e, true, -1, int(throttled.Load())
		report(p)
		return p, e
	}
	state, err := s.Store.SyncState(ctx, env)
	if err != nil {
		return fail(err)
	}
	lim := s.limiter(env)
	start := s.now()

	// Organizations are few: a full pass each run.
	for cursor := ""; ; {
		var orgs []guise.Org
		var next string
		if err := s.call(ctx, lim, prov, &throttled, func() (err error) { orgs, next, err = prov.ListOrgs(ctx, cursor); return err }); err != nil {
			return fail(err)
		}
		if err := s.Store.SaveOrgs(ctx, env, orgs); err != nil {
			return fail(err)
		}
		p.Orgs += len(orgs)
		if next == "" {
			break
		}
		cursor = next
	}

	since := state.HighWater
	switch {
	case state.Cursor != "": // an interrupted run: go on where it stopped, as it was
		since, p.Resumed = state.RunSince, true
	case opts.Full || state.HighWater.IsZero():
		since = time.Time{}
		state.Gen++ // a new full pass: what it does not see is swept at its end
	}
	p.Full = since.IsZero()
	if p.Full {
		p.Total = state.Users // the last pass's size: a fair guess
		if counter, ok := prov.(guise.UserCounter); ok {
			// Progress only: a failure keeps the guess, and the listing
			// below reports the real problem.
			if n, err := counter.CountUsers(ctx); err == nil {
				p.Total = n
			}
		}
	}

	// The fetcher walks the cursor chain (pagination allows nothing more
	// concurrent) while the writer saves what came before.
	fctx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	pages := make(chan fetched, 4)
	go func() {
		defer close(pages)
		for cursor := state.Cursor; ; {
			var page guise.UserPage
			err := s.call(fctx, lim, prov, &throttled, func() (err error) { page, err = prov.ListUsers(fctx, cursor, since); return err })
			select {
			case pages <- fetched{page, err}:
			case <-fctx.Done():
				return
			}
			if err != nil || page.Next == "" {
				return
			}
			cursor = page.Next
		}
	}()

	var fetchErr error
	for first := range pages {
		batch := []fetched{first}
		n := len(first.page.Users)
		// Take whatever else is already waiting, up to MaxBatch users.
	drain:
		for first.err == nil && n < max(s.MaxBatch, 1) {
			select {
			case f, ok := <-pages:
				if !ok {
					break drain
				}
				batch = append(batch, f)
				n += len(f.page.Users)
				if f.err != nil {
					break drain
				}
			default:
				break drain
			}
		}
		var users []guise.User
		saved := 0
		for _, f := range batch {
			if f.err != nil {
				fetchErr = f.err
				break
			}
			users = append(users, f.page.Users...)
			for _, u := range f.page.Users {
				if u.UpdatedAt.After(state.HighWater) {
					state.HighWater = u.UpdatedAt
				}
			}
			state.Cursor, state.RunSince, state.LastError = f.page.Next, since, ""
			if f.page.Next == "" {
				state.LastSyncedAt = s.now().UTC()
			}
			saved++
		}
		if saved > 0 {
			if err := s.Store.SaveUsers(ctx, env, users, state); err != nil {
				stopFetch()
				return fail(err)
			}
			p.Users += len(users)
			p.Pages += saved
			p.Throttled = int(throttled.Load())
			s.estimate(&p, start)
			if fetchErr == nil && state.Cursor != "" {
				report(p)
			}
		}
		if fetchErr != nil {
			stopFetch()
			return fail(fetchErr)
		}
	}
	if state.Cursor != "" { // the fetcher stopped without an error: canceled
		return fail(guise.Wrap(guise.ECANCELED, ctx.Err(), "The sync was canceled; what was fetched so far is kept."))
	}
	p.Throttled = int(throttled.Load())

	if p.Full {
		if p.Swept, err = s.Store.SweepUsers(ctx, env, state.Gen); err != nil {
			return fail(err)
		}
		state.LastFullAt = s.now().UTC()
	}
	n, err := s.Store.CountUsers(ctx, env)
	if err != nil {
		return fail(err)
	}
	state.Users, state.Orgs, state.LastError = n, p.Orgs, ""
	if err := s.Store.SaveSyncState(ctx, state); err != nil {
		return fail(err)
	}
	p.Done = true
	s.estimate(&p, start)
	p.ETASeconds = 0
	report(p)
	return p, nil
}

// estimate sets the rate and, when the size of a full pass is known from
// the last one, the time left.
func (s *Syncer) estimate(p *Progress, start time.Time) {
	secs := s.now().Sub(start).Seconds()
	if secs <= 0 {
		return
	}
	p.Rate = float64(p.Users) / secs
	p.ETASeconds = -1
	if p.Total > 0 && p.Rate > 0 && !p.Resumed {
		p.ETASeconds = int(float64(max(p.Total-p.Users, 0))/p.Rate + 0.5)
	}
}
