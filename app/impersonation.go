package app

import (
	"context"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Impersonation starts and stops sessions.
type Impersonation struct{ a *App }

// StartInput is an agent's request from the window or the CLI.
type StartInput struct {
	Env     string `json:"env"`
	User    string `json:"user"`
	Org     string `json:"org"`
	Reason  string `json:"reason"`
	Ticket  string `json:"ticket"`
	Minutes int    `json:"minutes"` // 0: the policy's default
}

// Start checks policy, starts the impersonation at the provider and opens it
// in the browser. The launch URL never comes back.
func (i *Impersonation) Start(in StartInput) (guise.Session, error) {
	return i.a.StartImpersonation(context.Background(), in)
}

// StartImpersonation is Impersonation.Start under ctx, for the command line,
// where Ctrl+C must be able to give up a start that waits for a sign-in.
func (a *App) StartImpersonation(ctx context.Context, in StartInput) (guise.Session, error) {
	// Longer than other calls: Asgardeo's start waits for the agent's own
	// sign-in in the browser (its signin_timeout, up to 30 minutes).
	ctx, cancel := context.WithTimeout(ctx, 31*time.Minute)
	defer cancel()
	svc, err := a.Service()
	if err != nil {
		return guise.Session{}, err
	}
	if in.Env == "" {
		if in.Env, err = currentEnv(ctx, svc); err != nil {
			return guise.Session{}, err
		}
	}
	if in.Minutes < 0 {
		return guise.Session{}, guise.FieldError("duration", "The duration must be positive.")
	}
	s, err := svc.Impersonate(ctx, guise.Request{Env: in.Env, User: in.User, Org: in.Org, Reason: in.Reason, Ticket: in.Ticket, Duration: time.Duration(in.Minutes) * time.Minute})
	a.reach.observe(in.Env, err)
	if err != nil {
		if env, eerr := svc.Store.Environment(ctx, in.Env); eerr == nil {
			err = offlineHint(env, err)
		}
		a.log.Info("impersonation not started", "env", in.Env, "user", in.User, "code", guise.ErrorCode(err), "rule", guise.AsError(err).Rule)
		return guise.Session{}, err
	}
	a.log.Info("impersonation started", "session", s.ID, "env", s.Env, "user", s.UserID, "org", s.OrgID, "expires_at", s.ExpiresAt)
	if s.AwaitingUntil != nil { // started in the dashboard: watch for it here
		a.watchAwaiting(s.ID)
	}
	if n := a.browser.takeNotice(s.ID); n != "" {
		s.Note = n // not stored: says how this start was opened (see app/browser.go)
	}
	return s, nil
}

// Stop revokes one session at the provider and records the end.
func (i *Impersonation) Stop(id string) (guise.StopResult, error) {
	ctx, cancel := i.a.callCtx()
	defer cancel()
	svc, err := i.a.Service()
	if err != nil {
		return guise.StopResult{}, err
	}
	r, err := svc.Stop(ctx, id)
	if err != nil || (!r.Already && r.Session.ProviderRef != "") {
		i.a.reach.observe(r.Session.Env, err)
	}
	if err != nil {
		return r, err
	}
	i.a.log.Info("impersonation stopped", "session", id, "already_ended", r.Already)
	return r, nil
}

// StopAll stops every running session.
func (i *Impersonation) StopAll() ([]guise.StopResult, error) {
	ctx, cancel := i.a.callCtx()
	defer cancel()
	svc, err := i.a.Service()
	if err != nil {
		return nil, err
	}
	r, err := svc.StopAll(ctx)
	i.a.log.Info("stop all", "stopped", len(r), "err", err)
	for _, res := range r {
		if !res.Already && res.Session.ProviderRef != "" {
			i.a.reach.observe(res.Session.Env, nil)
		}
	}
	if r == nil {
		r = []guise.StopResult{}
	}
	return r, err
}

// Active lists running sessions, recording any that expired.
func (i *Impersonation) Active() ([]guise.Session, error) {
	ctx, cancel := i.a.callCtx()
	defer cancel()
	svc, err := i.a.Service()
	if err != nil {
		return nil, err
	}
	if _, err := svc.ExpireDue(ctx); err != nil {
		return nil, err
	}
	return svc.Running(ctx)
}
