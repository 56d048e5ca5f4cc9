package guise

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Setting keys.
const (
	SettingAgent  = "agent"
	SettingPolicy = "policy"
)

// Service runs the impersonation loop: check, start at the provider, record,
// open, stop, expire. The window, the tray and the CLI all call it.
type Service struct {
	Store     Store
	Secrets   Secrets
	Providers ProviderFactory
	// Open opens a launch URL in a browser. The URL is a secret: never log it.
	Open   func(ctx context.Context, url string) error
	Events Events
	Now    func() time.Time

	// Expired, when set, is told of each session ExpireDue ends, so that
	// what an adapter kept for it (tokens in the keychain) is revoked and
	// forgotten at expiry too, not only on a stop. Best effort; it must
	// return promptly.
	Expired func(ctx context.Context, s Session)

	// Browser, when set, opens each session in its own browser instead of
	// Open, and closes it on every end (stop, expiry, failure).
	Browser SessionBrowser
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) emit(name string, payload any) {
	if s.Events != nil {
		s.Events.Emit(name, payload)
	}
}

// Agent returns the configured agent (empty when unset).
func (s *Service) Agent(ctx context.Context) (Agent, error) {
	var a Agent
	_, err := s.Store.GetSetting(ctx, SettingAgent, &a)
	return a, err
}

// Policy returns the policy in force for env: its own, else the default one.
func (s *Service) Policy(ctx context.Context, env string) (Policy, error) {
	p := DefaultPolicy()
	if env != "" {
		if ok, err := s.Store.GetSetting(ctx, SettingPolicy+"/"+env, &p); err != nil || ok {
			return p, err
		}
	}
	_, err := s.Store.GetSetting(ctx, SettingPolicy, &p)
	return p, err
}

// Provider builds the provider of env with its secret.
func (s *Service) Provider(ctx context.Context, env Environment) (Provider, error) {
	secret, err := s.Secrets.Get(env.Name)
	if err != nil {
		return nil, err
	}
	return s.Providers(env, secret)
}

// Impersonate checks req against policy, starts the session at the provider,
// records it and opens it in the browser. Every refusal and failure is audited.
func (s *Service) Impersonate(ctx context.Context, req Request) (Session, error) {
	if _, err := s.ExpireDue(ctx); err != nil {
		return Session{}, err
	}
	env, err := s.Store.Environment(ctx, req.Env)
	if err != nil {
		return Session{}, err
	}
	agent, err := s.Agent(ctx)
	if err != nil {
		return Session{}, err
	}
	pol, err := s.Policy(ctx, env.Name)
	if err != nil {
		return Session{}, err
	}
	refused := func(err error, u User) error {
		var e *Error
		if errors.As(err, &e) && e.Code == EREFUSED {
			r := AuditRecord{At: s.now(), Kind: AuditRefused, Env: env.Name, Agent: agent.Email,
				UserID: u.ID, UserEmail: u.Email, Reason: strings.TrimSpace(req.Reason), Ticket: strings.TrimSpace(req.Ticket),
				Rule: e.Rule, Detail: e.Message}
			if r.UserID == "" {
				r.UserID = req.User
			}
			if aerr := s.Store.AppendAudit(ctx, r); aerr != nil {
				return aerr
			}
		}
		return err
	}
	dur, err := pol.CheckInput(agent, req)
	if err != nil {
		return Session{}, refused(err, User{})
	}
	if strings.TrimSpace(req.User) == "" {
		return Session{}, FieldError("user", "Say which user to impersonate (an id or an email).")
	}
	prov, err := s.Provider(ctx, env)
	if err != nil {
		return Session{}, err
	}
	user, err := s.freshUser(ctx, env.Name, prov, strings.TrimSpace(req.User), pol)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == EREFUSED {
			return Session{}, refused(err, user)
		}
		if errors.As(err, &e) && e.Code == ENOTFOUND {
			return Session{}, refused(&Error{Code: EREFUSED, Rule: RuleUnknownUser, Field: "user", Message: e.Message}, User{})
		}
		return Session{}, err
	}
	org, err := pol.CheckUser(user, strings.TrimSpace(req.Org))
	if err != nil {
		return Session{}, refused(err, user)
	}

	now := s.now()
	sess := Session{
		ID: NewID("ses"), Env: env.Name, Provider: env.Provider,
		UserID: user.ID, UserEmail: user.Email, UserName: user.Name, OrgID: org.ID, OrgName: org.Name,
		AgentEmail: agent.Email, Reason: strings.TrimSpace(req.Reason), Ticket: strings.TrimSpace(req.Ticket),
		StartedAt: now, ExpiresAt: now.Add(dur),
	}
	if err := s.Store.ReserveSession(ctx, sess, now, pol.Quotas(agent.Email, now)); err != nil {
		switch ErrorCode(err) {
		case ECONFLICT:
			return Session{}, refused(Refusal(RuleConcurrent, "%s is already being impersonated in %s; stop that session first.", user.Email, env.Name), user)
		case EREFUSED:
			return Session{}, refused(err, user)
		}
		return Session{}, err
	}
	started, err := prov.StartImpersonation(ctx, StartRequest{SessionID: sess.ID, UserID: user.ID, OrgID: org.ID, Agent: agent, Reason: sess.Reason, Ticket: sess.Ticket, Duration: dur})
	if err != nil {
		return Session{}, s.fail(ctx, sess, s.withMonthCount(ctx, sess, err), "the provider refused to start it")
	}
	if started.Await != nil {
		return s.awaitStarted(ctx, sess, started)
	}
	if started.ExpiresAt.IsZero() || started.ExpiresAt.After(sess.ExpiresAt) {
		started.ExpiresAt = sess.ExpiresAt
	}
	sess.ProviderRef, sess.ExpiresAt = started.Ref, started.ExpiresAt.UTC()
	if err := s.Store.MarkStarted(ctx, sess.ID, sess.ProviderRef, sess.ExpiresAt, SessionAudit(AuditStarted, sess, now, "")); err != nil {
		_, _ = prov.StopImpersonation(context.WithoutCancel(ctx), started.Ref)
		return Session{}, err
	}
	if err := s.openBrowser(ctx, sess.ID, started.URL); err != nil {
		// A session the agent cannot see must not keep running.
		_, _ = prov.StopImpersonation(context.WithoutCancel(ctx), started.Ref)
		return Session{}, s.fail(ctx, sess, Wrap(EUNAVAILABLE, err, "Could not open a browser: %v. Install xdg-utils or set a browser in Settings.", err), "no browser could open it")
	}
	s.emit(EventSessionStarted, sess)
	return sess, nil
}

// fail ends a session as failed and returns the cause.
func (s *Service) fail(ctx context.Context, sess Session, cause error, what string) error {
	now := s.now()
	note := fmt.Sprintf("%s: %s", what, ErrorMessage(cause))
	audit := SessionAudit(AuditFailed, sess, now, note)
	var e *Error
	if errors.As(cause, &e) && e.Code == EREFUSED {
		// The provider refused on principle (say, the tenant lacks the
		// feature): audited as a refusal, with its rule, not as a failure.
		audit.Kind, audit.Rule, audit.Detail = AuditRefused, e.Rule, e.Message
	}
	if _, err := s.Store.EndSession(context.WithoutCancel(ctx), sess.ID, now, EndFailed, note, audit); err != nil {
		return err
	}
	sess.EndedAt, sess.EndReason, sess.Note = &now, EndFailed, note
	s.closeBrowser(sess.ID)
	s.emit(EventSessionEnded, sess)
	return cause
}

// freshUser asks the provider for the user, so a user suspended or deleted
// since the last sync is caught. The cache resolves an email to an id first.
func (s *Service) freshUser(ctx context.Context, env string, prov Provider, sel string, pol Policy) (User, error) {
	id := sel
	cached, err := s.Store.FindUser(ctx, env, sel)
	switch {
	case err == nil:
		// A user the cache already shows suspended or protected is refused
		// before anything is sent to the provider.
		if err := pol.Barred(cached); err != nil {
			return cached, err
		}
		id = cached.ID
	case ErrorCode(err) != ENOTFOUND:
		return User{}, err
	case strings.Contains(sel, "@"):
		return User{}, Errorf(ENOTFOUND, "No user %s in %s. Run a sync if they were added recently.", sel, env)
	}
	u, err := prov.GetUser(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return User{}, Errorf(ENOTFOUND, "User %s no longer exists in %s.", sel, env)
	}
	if err != nil {
		return User{}, err
	}
	u.Env = env
	return u, nil
}

// StopResult says what a stop did.
type StopResult struct {
	Session Session `json:"session"`
	Already bool    `json:"already_ended"`    // it had ended before; nothing was done
	Detail  string  `json:"detail,omitempty"` // what the provider did, in plain words
}

// Stop revokes the session at the provider and records its end. Stopping a
// session that already ended changes nothing and says so.
func (s *Service) Stop(ctx context.Context, id string) (StopResult, error) {
	if _, err := s.ExpireDue(ctx); err != nil {
		return StopResult{}, err
	}
	sess, err := s.Store.Session(ctx, id)
	if err != nil {
		return StopResult{}, err
	}
	if sess.EndedAt != nil {
		return StopResult{Session: sess, Already: true}, nil
	}
	env, err := s.Store.Environment(ctx, sess.Env)
	if err != nil {
		return StopResult{}, err
	}
	var stopped Stopped
	if sess.AwaitingUntil != nil {
		stopped.Detail = awaitCanceled
	}
	if sess.ProviderRef != "" {
		prov, err := s.Provider(ctx, env)
		if err == nil {
			stopped, err = RevokeAtProvider(ctx, prov, sess)
		}
		if err != nil {
			return StopResult{Session: sess}, s.revokePending(ctx, sess, err)
		}
		if sess.RevokePendingSince != nil {
			stopped.Detail = strings.TrimSpace(fmt.Sprintf("confirmed on retry, %s after the stop was asked for. %s",
				FormatDuration(s.now().Sub(*sess.RevokePendingSince).Round(time.Second)), stopped.Detail))
		}
	}
	now := s.now()
	changed, err := s.Store.EndSession(ctx, sess.ID, now, EndStopped, stopped.Detail, SessionAudit(AuditStopped, sess, now, stopped.Detail))
	if err != nil {
		return StopResult{}, err
	}
	if !changed { // another process ended it meanwhile
		sess, err = s.Store.Session(ctx, id)
		return StopResult{Session: sess, Already: true}, err
	}
	sess.EndedAt, sess.EndReason, sess.Note = &now, EndStopped, stopped.Detail
	s.closeBrowser(sess.ID)
	s.emit(EventSessionEnded, sess)
	return StopResult{Session: sess, Detail: stopped.Detail}, nil
}

// RevokeAtProvider ends sess at its provider, through the whole session
// when the provider needs it (SessionStopper), else through its ref.
func RevokeAtProvider(ctx context.Context, prov Provider, sess Session) (Stopped, error) {
	if ss, ok := prov.(SessionStopper); ok {
		return ss.StopSession(ctx, sess)
	}
	return prov.StopImpersonation(ctx, sess.ProviderRef)
}

// revokePending records a stop the provider did not confirm. The session
// keeps running, since it may still be live at the provider, and RetryRevokes
// tries again until the provider confirms or the session expires.
func (s *Service) revokePending(ctx context.Context, sess Session, cause error) error {
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	note := "stop not confirmed yet: " + ErrorMessage(cause)
	if err := s.Store.MarkRevokePending(ctx, sess.ID, now, note); err != nil {
		return err
	}
	if sess.RevokePendingSince == nil {
		sess.RevokePendingSince = &now
		if err := s.Store.AppendAudit(ctx, SessionAudit(AuditRevokePending, sess, now, note)); err != nil {
			return err
		}
	}
	sess.Note = note
	s.emit(EventSessionUpdated, sess)
	return Wrap(EPENDING, cause, "The stop of %s is pending: %s Guise retries every 10 seconds while its window is open (or run guise stop again) until %s confirms it or the session expires at %s.",
		sess.UserEmail, ErrorMessage(cause), sess.Env, sess.ExpiresAt.Local().Format("15:04"))
}

// RetryRevokes asks the provider again to stop each session whose stop it
// has not confirmed, and returns those it now has. Sessions past their expiry
// are left to ExpireDue.
func (s *Service) RetryRevokes(ctx context.Context) ([]StopResult, error) {
	pending, err := s.Store.PendingRevokes(ctx)
	if err != nil {
		return nil, err
	}
	var done []StopResult
	for _, p := range pending {
		if !p.ExpiresAt.After(s.now()) {
			continue
		}
		r, err := s.Stop(ctx, p.ID)
		if err == nil && !r.Already {
			done = append(done, r)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return done, ctx.Err()
}

// Running lists the running sessions this Guise answers for: every one it
// started, and those imported from a provider's dashboard that this agent
// started there. A colleague's dashboard session stays in the history but is
// not this agent's to stop, count or show as running.
func (s *Service) Running(ctx context.Context) ([]Session, error) {
	active, err := s.Store.Sessions(ctx, SessionFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	agent, err := s.Agent(ctx)
	if err != nil {
		return nil, err
	}
	mine := active[:0]
	for _, a := range active {
		if !a.Outside || strings.EqualFold(a.AgentEmail, agent.Email) {
			mine = append(mine, a)
		}
	}
	return mine, nil
}

// StopAll stops every running session this Guise answers for (Running),
// returning the first error after trying all.
func (s *Service) StopAll(ctx context.Context) ([]StopResult, error) {
	if _, err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	active, err := s.Running(ctx)
	if err != nil {
		return nil, err
	}
	var out []StopResult
	var first error
	for _, a := range active {
		r, err := s.Stop(ctx, a.ID)
		if err != nil {
			first = errors.Join(first, err)
			continue
		}
		out = append(out, r)
	}
	if first != nil {
		return out, AsError(first)
	}
	return out, nil
}

// ExpireDue records every session past its expiry as expired, at its true
// expiry time. Sessions interrupted before the provider answered are failed.
func (s *Service) ExpireDue(ctx context.Context) ([]Session, error) {
	due, err := s.Store.DueSessions(ctx, s.now())
	if err != nil {
		return nil, err
	}
	var ended []Session
	for _, d := range due {
		at, reason, kind, note := d.ExpiresAt, EndExpired, AuditExpired, ""
		switch {
		case d.AwaitingUntil != nil: // the wait, or the chosen duration, ran out first
			at, reason, kind, note = *d.AwaitingUntil, EndFailed, AuditFailed, awaitMissed(d)
			if d.ExpiresAt.Before(at) {
				at = d.ExpiresAt
			}
		case d.RevokePendingSince != nil:
			note = "expired before the provider confirmed the stop asked for at " + d.RevokePendingSince.Local().Format("15:04:05")
		case d.ProviderRef == "":
			at, reason, kind, note = s.now(), EndFailed, AuditFailed, "interrupted before the provider answered"
		}
		changed, err := s.Store.EndSession(ctx, d.ID, at, reason, note, SessionAudit(kind, d, at, note))
		if err != nil {
			return ended, err
		}
		if changed {
			d.EndedAt, d.EndReason, d.Note = &at, reason, note
			s.closeBrowser(d.ID)
			if s.Expired != nil && d.ProviderRef != "" {
				s.Expired(ctx, d)
			}
			ended = append(ended, d)
			s.emit(EventSessionEnded, d)
		}
	}
	return ended, nil
}

// NewID returns a random id with a prefix, like ses_3f9a…
func NewID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return prefix + "_" + hex.EncodeToString(b)
}
