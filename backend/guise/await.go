package guise

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Awaited starts. Some providers (WorkOS) have no API to start an
// impersonation: the agent starts it in the provider's dashboard, and the
// provider reports it afterwards in its events. Guise runs the same checks,
// records the reason and ticket, opens the dashboard at the right place and
// waits for the report:
//
//   - the session is reserved, then recorded as awaiting (AwaitingUntil set,
//     no ProviderRef) and audited as such; it fails when the wait or its
//     chosen duration runs out first;
//   - Reconcile asks the provider (a Reconciler) for its reports: an awaited
//     session it confirms is attached (ProviderRef, the provider's expiry
//     capped by the policy's maximum, audited as started); impersonations started in the dashboard without Guise are
//     imported into the history, marked Outside;
//   - an awaited session nobody confirmed by the end of its wait is failed
//     by ExpireDue ("not started in the dashboard").
//
// An awaiting session is not running yet: it is not announced as started,
// and the window and tray show it as waiting for the dashboard.

// Audit record kinds of awaited starts.
const (
	AuditAwaiting = "session.awaiting" // reason and ticket recorded; waiting for the dashboard
	AuditImported = "session.imported" // started outside Guise, found in the provider's events
)

// Await is what a provider says about a start it cannot make itself.
type Await struct {
	// Within is how long the provider may take to report the start.
	Within time.Duration
	// Instructions tell the agent, in plain words, what to do in the
	// dashboard (which organization to choose, the reason to type).
	Instructions string
}

// Reconciler is implemented by providers whose impersonations can start in
// their dashboard, and that report them afterwards.
type Reconciler interface {
	// Reconcile reads the provider's reports from since (zero: as far back
	// as it keeps them). It attaches each of pending (awaiting sessions of
	// this environment) that the provider reports started, and returns the
	// other impersonations it reports as Outside sessions.
	Reconcile(ctx context.Context, since time.Time, pending []Session) (Reconciled, error)
}

// Reconciled is a Reconciler's answer.
type Reconciled struct {
	Attached []Attachment
	// Outside are impersonations started without Guise: UserID, OrgID,
	// AgentEmail, Reason, StartedAt, ExpiresAt, ProviderRef and Note set.
	Outside []Session
	// Until is the time of the newest report read; the next call starts a
	// little before it.
	Until time.Time
}

// Attachment says that an awaited session started at the provider.
type Attachment struct {
	SessionID string
	Ref       string
	StartedAt time.Time
	ExpiresAt time.Time
	Detail    string // what the provider reported, in plain words
}

// AwaitStore is implemented by stores that keep awaited starts.
type AwaitStore interface {
	// MarkAwaiting records that a reserved session waits for the provider
	// until until (its expiry meanwhile), with note, and appends audit.
	MarkAwaiting(ctx context.Context, id string, until time.Time, note string, audit AuditRecord) error
	// AttachSession gives an awaiting session its provider reference and
	// true expiry and appends audit; false when it was no longer awaiting.
	AttachSession(ctx context.Context, id, ref string, expiresAt time.Time, note string, audit AuditRecord) (bool, error)
	// ImportSession inserts a session started outside Guise and appends
	// audit; false when a session of env with that ProviderRef exists.
	ImportSession(ctx context.Context, s Session, audit AuditRecord) (bool, error)
}

// awaitCanceled is the stop detail of a session stopped while awaiting.
const awaitCanceled = "Stopped waiting for the dashboard; nothing was running yet. If it was started there meanwhile, the next sync lists it as started outside Guise: stop it there."

// awaitMissed is the note of an awaited session nobody confirmed in time.
func awaitMissed(s Session) string {
	return fmt.Sprintf("not started in the dashboard: %s reported no such impersonation within %s", s.Provider,
		FormatDuration(s.AwaitingUntil.Sub(s.StartedAt).Round(time.Second)))
}

// awaitStarted records a reserved session as waiting for the dashboard and
// opens the dashboard in the agent's usual browser (signed in there; the
// dashboard link is not a secret and is not a session of its own).
func (s *Service) awaitStarted(ctx context.Context, sess Session, started Started) (Session, error) {
	as, ok := s.Store.(AwaitStore)
	if !ok {
		return Session{}, s.fail(ctx, sess, Errorf(EUNSUPPORTED, "This Guise cannot wait for a start made in the dashboard."), "the start could not be awaited")
	}
	now := s.now()
	until := now.Add(started.Await.Within)
	note := strings.TrimSpace(started.Await.Instructions)
	detail := fmt.Sprintf("waiting until %s for %s to report the start made in its dashboard", until.Local().Format("15:04:05"), sess.Provider)
	if err := as.MarkAwaiting(ctx, sess.ID, until, note, SessionAudit(AuditAwaiting, sess, now, detail)); err != nil {
		return Session{}, err
	}
	sess.AwaitingUntil, sess.Note = &until, note
	if err := s.Open(ctx, started.URL); err != nil {
		return Session{}, s.fail(ctx, sess, Wrap(EUNAVAILABLE, err, "Could not open the dashboard in a browser: %v. Install xdg-utils or set a browser in Settings.", err), "no browser could open the dashboard")
	}
	s.emit(EventSessionUpdated, sess)
	return sess, nil
}

// Attach records that the awaited session a.SessionID started at the
// provider. It returns false when the session was no longer awaiting
// (another process attached it, or it ended).
func (s *Service) Attach(ctx context.Context, a Attachment) (Session, bool, error) {
	as, ok := s.Store.(AwaitStore)
	if !ok {
		return Session{}, false, Errorf(EUNSUPPORTED, "This Guise cannot attach sessions started in a dashboard.")
	}
	sess, err := s.Store.Session(ctx, a.SessionID)
	if err != nil {
		return Session{}, false, err
	}
	if sess.AwaitingUntil == nil || sess.EndedAt != nil {
		return sess, false, nil
	}
	// The provider sets the session's length (WorkOS: an hour from its
	// start); the policy's maximum still caps it, and Guise revokes it then.
	pol, err := s.Policy(ctx, sess.Env)
	if err != nil {
		return sess, false, err
	}
	expires := a.ExpiresAt.UTC()
	began := a.StartedAt
	if began.IsZero() {
		began = s.now()
	}
	if limit := began.Add(pol.MaxDuration()).UTC(); limit.Before(expires) {
		expires = limit
	}
	changed, err := as.AttachSession(ctx, sess.ID, a.Ref, expires, a.Detail, SessionAudit(AuditStarted, sess, s.now(), a.Detail))
	if err != nil || !changed {
		return sess, false, err
	}
	sess.ProviderRef, sess.ExpiresAt, sess.AwaitingUntil, sess.Note = a.Ref, expires, nil, a.Detail
	s.emit(EventSessionStarted, sess)
	return sess, true, nil
}

// ReconcileResult says what a reconciliation changed.
type ReconcileResult struct {
	Attached []Session `json:"attached"`
	Imported []Session `json:"imported"`
}

// reconcileOverlap re-reads a little before the last report seen: reports
// may arrive out of order, and imports are idempotent.
const reconcileOverlap = 2 * time.Minute

// reconcileMark is the setting that remembers how far env's reports were read.
type reconcileMark struct {
	Until time.Time `json:"until"`
}

func reconcileKey(env string) string { return "reconciled/" + env }

// ToReconcile lists the environments to reconcile before the history is
// shown (guise sessions): those with a session awaiting a dashboard start,
// and those reconciled before, whose dashboards may have started more.
func (s *Service) ToReconcile(ctx context.Context) ([]string, error) {
	envs, err := s.Store.Environments(ctx)
	if err != nil {
		return nil, err
	}
	running, err := s.Store.Sessions(ctx, SessionFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	waiting := map[string]bool{}
	for _, r := range running {
		if r.AwaitingUntil != nil {
			waiting[r.Env] = true
		}
	}
	var out []string
	for _, e := range envs {
		var m reconcileMark
		if before, _ := s.Store.GetSetting(ctx, reconcileKey(e.Name), &m); before || waiting[e.Name] {
			out = append(out, e.Name)
		}
	}
	return out, nil
}

// Reconcile asks env's provider, when it is a Reconciler, which awaiting
// sessions started and which impersonations began outside Guise, attaches
// the former and imports the latter. Providers that start sessions
// themselves have nothing to reconcile.
func (s *Service) Reconcile(ctx context.Context, envName string) (ReconcileResult, error) {
	res := ReconcileResult{Attached: []Session{}, Imported: []Session{}}
	env, err := s.Store.Environment(ctx, envName)
	if err != nil {
		return res, err
	}
	prov, err := s.Provider(ctx, env)
	if err != nil {
		return res, err
	}
	rec, ok := prov.(Reconciler)
	if !ok {
		return res, nil
	}
	as, ok := s.Store.(AwaitStore)
	if !ok {
		return res, nil
	}
	running, err := s.Store.Sessions(ctx, SessionFilter{Env: env.Name, ActiveOnly: true})
	if err != nil {
		return res, err
	}
	var mark reconcileMark
	if _, err := s.Store.GetSetting(ctx, reconcileKey(env.Name), &mark); err != nil {
		return res, err
	}
	since := time.Time{}
	if !mark.Until.IsZero() {
		since = mark.Until.Add(-reconcileOverlap)
	}
	var pending []Session
	for _, r := range running {
		if r.AwaitingUntil == nil {
			continue
		}
		pending = append(pending, r)
		if from := r.StartedAt.Add(-reconcileOverlap); !since.IsZero() && from.Before(since) {
			since = from
		}
	}
	got, err := rec.Reconcile(ctx, since, pending)
	if err != nil {
		return res, err
	}
	for _, a := range got.Attached {
		sess, ok, err := s.Attach(ctx, a)
		if err != nil {
			return res, err
		}
		if ok {
			res.Attached = append(res.Attached, sess)
		}
	}
	for _, o := range got.Outside {
		sess, ok, err := s.importOutside(ctx, as, env, prov, o)
		if err != nil {
			return res, err
		}
		if ok {
			res.Imported = append(res.Imported, sess)
		}
	}
	if got.Until.After(mark.Until) || mark.Until.IsZero() {
		mark.Until = got.Until
		if mark.Until.IsZero() {
			mark.Until = s.now() // nothing reported yet: remember that it was asked
		}
		if err := s.Store.PutSetting(ctx, reconcileKey(env.Name), mark, AuditRecord{}); err != nil {
			return res, err
		}
	}
	return res, nil
}

// importOutside records an impersonation started in the dashboard, with the
// user's email, name and organization from the cache, else the provider.
func (s *Service) importOutside(ctx context.Context, as AwaitStore, env Environment, prov Provider, o Session) (Session, bool, error) {
	o.ID, o.Env, o.Provider, o.Outside = NewID("ses"), env.Name, env.Provider, true
	o.AwaitingUntil, o.RevokePendingSince, o.EndedAt, o.EndReason = nil, nil, nil, ""
	o.UserEmail = o.UserID // a user deleted since keeps at least their id
	u, err := s.Store.FindUser(ctx, env.Name, o.UserID)
	if err != nil {
		u, err = prov.GetUser(ctx, o.UserID)
	}
	if err == nil {
		o.UserEmail, o.UserName = u.Email, u.Name
		for _, org := range u.Orgs {
			if org.ID == o.OrgID {
				o.OrgName = org.Name
			}
		}
	}
	if o.Note == "" {
		o.Note = "started outside Guise, in the provider's dashboard"
	}
	if o.ExpiresAt.IsZero() {
		o.ExpiresAt = o.StartedAt
	}
	now := s.now()
	detail := o.Note
	if !o.ExpiresAt.After(now) {
		at := o.ExpiresAt
		o.EndedAt, o.EndReason = &at, EndExpired
		detail += fmt.Sprintf("; it expired at %s", at.Local().Format("2006-01-02 15:04"))
	}
	changed, err := as.ImportSession(ctx, o, SessionAudit(AuditImported, o, now, detail))
	if err != nil || !changed {
		return o, false, err
	}
	if o.EndedAt == nil {
		s.emit(EventSessionStarted, o)
	}
	return o, true, nil
}

// AwaitProgress is reported after each look while awaiting a start.
type AwaitProgress struct {
	Session Session       // as it is now
	Looks   int           // how many times the provider was asked
	Left    time.Duration // until the wait runs out
	Err     error         // why the last look failed, if it did
}

// Await polls Reconcile, with backoff (1 s doubling up to 15 s, never past
// the end of the wait), until the awaiting session id is attached or ends;
// when its wait runs out unconfirmed, it is failed. progress (may be nil)
// hears after each look. It returns the session as it is then; a failed
// look is retried, and only a canceled ctx stops the watch early.
func (s *Service) Await(ctx context.Context, id string, progress func(AwaitProgress)) (Session, error) {
	wait := time.Second
	for looks := 1; ; looks++ {
		sess, err := s.Store.Session(ctx, id)
		if err != nil || sess.EndedAt != nil || sess.AwaitingUntil == nil {
			return sess, err
		}
		_, rerr := s.Reconcile(ctx, sess.Env)
		if ctx.Err() != nil {
			return sess, Wrap(ECANCELED, ctx.Err(), "Stopped watching for the start in the dashboard; %s keeps waiting until %s (guise sessions checks again).", sess.ID, sess.AwaitingUntil.Local().Format("15:04:05"))
		}
		if sess, err = s.Store.Session(ctx, id); err != nil {
			return sess, err
		}
		if sess.EndedAt == nil && sess.AwaitingUntil != nil && !s.now().Before(*sess.AwaitingUntil) {
			if _, err := s.ExpireDue(ctx); err != nil {
				return sess, err
			}
			if sess, err = s.Store.Session(ctx, id); err != nil {
				return sess, err
			}
		}
		p := AwaitProgress{Session: sess, Looks: looks, Err: rerr}
		if sess.AwaitingUntil != nil {
			p.Left = sess.AwaitingUntil.Sub(s.now())
		}
		if progress != nil {
			progress(p)
		}
		if sess.EndedAt != nil || sess.AwaitingUntil == nil {
			return sess, nil
		}
		if err := Sleep(ctx, min(wait, max(p.Left, 0)+10*time.Millisecond)); err != nil {
			return sess, Wrap(ECANCELED, err, "Stopped watching for the start in the dashboard; %s keeps waiting until %s (guise sessions checks again).", sess.ID, sess.AwaitingUntil.Local().Format("15:04:05"))
		}
		wait = min(wait*2, 15*time.Second)
	}
}

// Sleep waits d, or until ctx is done (returning its error). Adapters use it
// for backoff and Retry-After waits.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
