// Package syncer copies an environment's users and organizations from its
// provider into the local cache: a full pass first, then incremental ones
// (changed since the newest update seen), resumable page by page, backing
// off when the provider asks.
package syncer

import (
	"context"
	"errors"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Progress reports a sync run. It is also the payload of sync events.
type Progress struct {
	Env        string       `json:"env"`
	Users      int          `json:"users"`       // users saved in this run
	Orgs       int          `json:"orgs"`        // organizations saved in this run
	Pages      int          `json:"pages"`       // user pages saved in this run
	Total      int          `json:"total"`       // users at the provider, for a full run; 0 when unknown
	Rate       float64      `json:"rate"`        // users per second
	ETASeconds int          `json:"eta_seconds"` // -1 when unknown
	Resumed    bool         `json:"resumed"`     // the run continued an interrupted one
	Full       bool         `json:"full"`        // the run fetched everyone, not only changes
	Done       bool         `json:"done"`
	Error      *guise.Error `json:"error"`
}

// Syncer runs syncs against a store.
type Syncer struct {
	Store guise.Store
	// Retries is how many times a page is retried after a rate limit or an
	// unreachable provider before the run stops (its progress kept).
	Retries int
	// Backoff is the first wait after a failure; it doubles each time.
	Backoff time.Duration
	Now     func() time.Time
	Sleep   func(ctx context.Context, d time.Duration) error
}

// New returns a Syncer with production retry settings.
func New(store guise.Store) *Syncer {
	return &Syncer{Store: store, Retries: 6, Backoff: 500 * time.Millisecond}
}

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
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter is implemented by an adapter's rate-limit cause that carries
// the wait the provider asked for (Retry-After).
type retryAfter interface{ RetryAfter() time.Duration }

// retry calls fn until it succeeds, fails for good, or retries run out.
func (s *Syncer) retry(ctx context.Context, fn func() error) error {
	wait := s.Backoff
	for attempt := 0; ; attempt++ {
		err := fn()
		code := guise.ErrorCode(err)
		if err == nil || (code != guise.ERATELIMIT && code != guise.EUNAVAILABLE) || attempt >= s.Retries {
			return err
		}
		d := wait
		var ra retryAfter
		if errors.As(err, &ra) && ra.RetryAfter() > 0 {
			d = ra.RetryAfter()
		}
		if err := s.sleep(ctx, d); err != nil {
			return guise.Wrap(guise.ECANCELED, err, "The sync was canceled; what was fetched so far is kept.")
		}
		wait *= 2
	}
}

// Sync runs one sync of env with prov, calling report after each page.
// An error leaves the cursor in place, so the next run resumes there.
func (s *Syncer) Sync(ctx context.Context, env string, prov guise.Provider, report func(Progress)) (Progress, error) {
	if report == nil {
		report = func(Progress) {}
	}
	p := Progress{Env: env, ETASeconds: -1}
	fail := func(err error) (Progress, error) {
		e := guise.AsError(err)
		if errors.Is(err, context.Canceled) && e.Code == guise.EINTERNAL {
			e = guise.Wrap(guise.ECANCELED, err, "The sync was canceled; what was fetched so far is kept.")
		}
		st, serr := s.Store.SyncState(context.WithoutCancel(ctx), env)
		if serr == nil {
			st.LastError = e.Message
			_ = s.Store.SaveSyncState(context.WithoutCancel(ctx), st)
		}
		p.Error, p.Done = e, true
		report(p)
		return p, e
	}
	state, err := s.Store.SyncState(ctx, env)
	if err != nil {
		return fail(err)
	}
	start := s.now()

	// Organizations are few: a full pass each run.
	for cursor := ""; ; {
		var orgs []guise.Org
		var next string
		if err := s.retry(ctx, func() (err error) { orgs, next, err = prov.ListOrgs(ctx, cursor); return err }); err != nil {
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
	if state.Cursor != "" {
		since, p.Resumed = state.RunSince, true
	}
	p.Full = since.IsZero()
	cached := 0 // users an interrupted full run already saved
	if counter, ok := prov.(guise.UserCounter); ok && p.Full {
		// Progress only: a failure here leaves the total unknown, and the
		// listing below reports the real problem.
		if n, err := counter.CountUsers(ctx); err == nil {
			p.Total = n
		}
		if p.Resumed {
			if cached, err = s.Store.CountUsers(ctx, env); err != nil {
				return fail(err)
			}
		}
	}
	cursor := state.Cursor
	for {
		var page guise.UserPage
		if err := s.retry(ctx, func() (err error) { page, err = prov.ListUsers(ctx, cursor, since); return err }); err != nil {
			return fail(err)
		}
		for _, u := range page.Users {
			if u.UpdatedAt.After(state.HighWater) {
				state.HighWater = u.UpdatedAt
			}
		}
		state.Cursor, state.RunSince, state.LastError = page.Next, since, ""
		if page.Next == "" {
			state.LastSyncedAt = s.now().UTC()
		}
		if err := s.Store.SaveUsers(ctx, env, page.Users, state); err != nil {
			return fail(err)
		}
		p.Users += len(page.Users)
		p.Pages++
		if secs := s.now().Sub(start).Seconds(); secs > 0 {
			p.Rate = float64(p.Users) / secs
		}
		if p.Total > 0 && p.Rate > 0 {
			p.ETASeconds = int(float64(max(p.Total-cached-p.Users, 0)) / p.Rate)
		}
		if page.Next == "" {
			break
		}
		report(p)
		cursor = page.Next
	}
	n, err := s.Store.CountUsers(ctx, env)
	if err != nil {
		return fail(err)
	}
	state.Users, state.Orgs = n, p.Orgs
	if err := s.Store.SaveSyncState(ctx, state); err != nil {
		return fail(err)
	}
	p.Done, p.ETASeconds = true, 0
	report(p)
	return p, nil
}
