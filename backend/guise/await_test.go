package guise_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// dashboardProvider starts nothing itself (like WorkOS): it hands back a
// dashboard link and later reports the sessions in reports.
type dashboardProvider struct {
	*fakeProvider
	reports []guise.Session // what the dashboard started: UserID, AgentEmail, StartedAt, ProviderRef
	since   []time.Time
}

func (d *dashboardProvider) StartImpersonation(_ context.Context, r guise.StartRequest) (guise.Started, error) {
	return guise.Started{URL: "https://dashboard.test/users/" + r.UserID, Await: &guise.Await{Within: 10 * time.Minute, Instructions: "Choose Acme and type the same reason."}}, nil
}

func (d *dashboardProvider) Reconcile(_ context.Context, since time.Time, pending []guise.Session) (guise.Reconciled, error) {
	d.since = append(d.since, since)
	var out guise.Reconciled
	taken := map[string]bool{}
	for _, r := range d.reports {
		out.Until = r.StartedAt
		r.ExpiresAt = r.StartedAt.Add(time.Hour)
		matched := false
		for _, p := range pending {
			if !taken[p.ID] && p.UserID == r.UserID && p.AgentEmail == r.AgentEmail && !r.StartedAt.Before(p.StartedAt) {
				taken[p.ID], matched = true, true
				out.Attached = append(out.Attached, guise.Attachment{SessionID: p.ID, Ref: r.ProviderRef, StartedAt: r.StartedAt, ExpiresAt: r.ExpiresAt, Detail: "started in the dashboard"})
				break
			}
		}
		if !matched {
			out.Outside = append(out.Outside, r)
		}
	}
	return out, nil
}

func awaitSetup(t *testing.T) (*guise.Service, *dashboardProvider, *time.Time, *[]string) {
	svc, prov, now, opened := setup(t)
	d := &dashboardProvider{fakeProvider: prov}
	svc.Providers = func(guise.Environment, string) (guise.Provider, error) { return d, nil }
	return svc, d, now, opened
}

func TestAwaitedStartIsAttachedWhenTheProviderReportsIt(t *testing.T) {
	svc, d, now, opened := awaitSetup(t)
	ctx := context.Background()
	s, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices", Ticket: "T-1"})
	if err != nil {
		t.Fatal(err)
	}
	if s.AwaitingUntil == nil || !s.AwaitingUntil.Equal(now.Add(10*time.Minute)) || s.ProviderRef != "" || s.Note != "Choose Acme and type the same reason." ||
		len(*opened) != 1 || (*opened)[0] != "https://dashboard.test/users/u1" {
		t.Fatalf("awaiting: %+v, opened %v", s, *opened)
	}
	// Waiting is not being interrupted: nothing expires before the wait ends.
	*now = now.Add(5 * time.Minute)
	if ended, err := svc.ExpireDue(ctx); err != nil || len(ended) != 0 {
		t.Fatalf("expired while waiting: %v %v", ended, err)
	}
	// The user is busy meanwhile.
	if _, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"}); guise.AsError(err).Rule != guise.RuleConcurrent {
		t.Fatalf("second start while waiting: %v", err)
	}
	started := now.Add(-time.Minute)
	d.reports = []guise.Session{
		{UserID: "u1", AgentEmail: "agent@support.test", StartedAt: started, ProviderRef: "session_ours"},
		{UserID: "u1", AgentEmail: "other@support.test", Reason: "their reason", StartedAt: started, ProviderRef: "session_theirs"},
	}
	res, err := svc.Reconcile(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Attached) != 1 || res.Attached[0].ID != s.ID || len(res.Imported) != 1 {
		t.Fatalf("reconcile: %+v", res)
	}
	got, _ := svc.Store.Session(ctx, s.ID)
	if got.ProviderRef != "session_ours" || got.AwaitingUntil != nil || !got.ExpiresAt.Equal(started.Add(time.Hour)) || got.EndedAt != nil {
		t.Fatalf("attached: %+v", got)
	}
	imp := res.Imported[0]
	if !imp.Outside || imp.UserEmail != "ann@acme.test" || imp.AgentEmail != "other@support.test" || imp.EndedAt != nil || imp.ProviderRef != "session_theirs" {
		t.Fatalf("imported: %+v", imp)
	}
	// Again: nothing new, and the next read starts a little before the last report.
	res, err = svc.Reconcile(ctx, "prod")
	if err != nil || len(res.Attached)+len(res.Imported) != 0 {
		t.Fatalf("second reconcile: %+v %v", res, err)
	}
	if last := d.since[len(d.since)-1]; !last.Equal(started.Add(-2 * time.Minute)) {
		t.Fatalf("second reconcile read from %v", last)
	}
	// A stop revokes the provider's session.
	r, err := svc.Stop(ctx, s.ID)
	if err != nil || r.Session.EndReason != guise.EndStopped || len(d.stopped) != 1 || d.stopped[0] != "session_ours" {
		t.Fatalf("stop: %+v %v %v", r, err, d.stopped)
	}
	kinds := auditKinds(t, svc)
	for _, want := range []string{guise.AuditAwaiting, guise.AuditStarted, guise.AuditImported, guise.AuditStopped} {
		if !strings.Contains(kinds, want) {
			t.Errorf("audit lacks %s: %s", want, kinds)
		}
	}
	if st, err := guise.VerifyChain(ctx, svc.Store); err != nil || !st.Intact {
		t.Fatalf("chain: %+v %v", st, err)
	}
}

func TestAwaitedStartNobodyConfirmsFails(t *testing.T) {
	svc, _, now, _ := awaitSetup(t)
	ctx := context.Background()
	s, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(11 * time.Minute)
	ended, err := svc.ExpireDue(ctx)
	if err != nil || len(ended) != 1 {
		t.Fatalf("expire: %v %v", ended, err)
	}
	got, _ := svc.Store.Session(ctx, s.ID)
	if got.EndReason != guise.EndFailed || !got.EndedAt.Equal(*s.AwaitingUntil) || !strings.HasPrefix(got.Note, "not started in the dashboard") || !strings.Contains(got.Note, "within 10m") {
		t.Fatalf("failed: %+v", got)
	}
	// Await returns at once for a session that ended.
	if a, err := svc.Await(ctx, s.ID, nil); err != nil || a.EndReason != guise.EndFailed {
		t.Fatalf("await: %+v %v", a, err)
	}
}

func TestAwaitedStartStoppedWhileWaiting(t *testing.T) {
	svc, d, _, _ := awaitSetup(t)
	ctx := context.Background()
	s, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Stop(ctx, s.ID)
	if err != nil || r.Session.EndReason != guise.EndStopped || !strings.Contains(r.Detail, "Stopped waiting for the dashboard") || len(d.stopped) != 0 {
		t.Fatalf("stop while waiting: %+v %v", r, err)
	}
	// A report arriving later is not attached to the stopped session.
	d.reports = []guise.Session{{UserID: "u1", AgentEmail: "agent@support.test", StartedAt: s.StartedAt.Add(time.Minute), ProviderRef: "session_late"}}
	res, err := svc.Reconcile(ctx, "prod")
	if err != nil || len(res.Attached) != 0 || len(res.Imported) != 1 || !res.Imported[0].Outside {
		t.Fatalf("late report: %+v %v", res, err)
	}
}

func auditKinds(t *testing.T, svc *guise.Service) string {
	t.Helper()
	recs, err := svc.Store.AuditRecords(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, r := range recs {
		kinds = append(kinds, r.Kind)
	}
	return strings.Join(kinds, " ")
}

// The dashboard's hour cannot outlast the policy's maximum.
func TestAnAttachedSessionIsCappedAtThePolicyMaximum(t *testing.T) {
	svc, d, now, _ := awaitSetup(t)
	ctx := context.Background()
	pol := guise.DefaultPolicy()
	pol.MaxMinutes, pol.DefaultMinutes = 15, 15
	if err := svc.Store.PutSetting(ctx, guise.SettingPolicy+"/prod", pol, guise.AuditRecord{}); err != nil {
		t.Fatal(err)
	}
	s, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if err != nil {
		t.Fatal(err)
	}
	began := now.Add(time.Minute)
	d.reports = []guise.Session{{UserID: "u1", AgentEmail: "agent@support.test", StartedAt: began, ProviderRef: "session_ours"}}
	if _, err := svc.Reconcile(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.Store.Session(ctx, s.ID)
	if got.ProviderRef != "session_ours" || !got.ExpiresAt.Equal(began.Add(15*time.Minute)) {
		t.Fatalf("attached under a 15-minute policy: %+v", got)
	}
}

// TestToReconcileListsWaitingAndReconciledEnvironments: guise sessions
// reconciles the environments with a session awaiting its dashboard start
// and those reconciled before, and leaves the others alone.
func TestToReconcileListsWaitingAndReconciledEnvironments(t *testing.T) {
	svc, _, now, _ := awaitSetup(t)
	ctx := context.Background()
	list := func() string {
		t.Helper()
		envs, err := svc.ToReconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(envs, " ")
	}
	if err := svc.Store.CreateEnvironment(ctx, guise.Environment{Name: "stage", Provider: "demo", BaseURL: "http://127.0.0.1:1", CreatedAt: *now},
		guise.AuditRecord{At: *now, Kind: guise.AuditEnvAdded}); err != nil {
		t.Fatal(err)
	}
	if got := list(); got != "" {
		t.Fatalf("before anything: %q", got)
	}
	if _, err := svc.Reconcile(ctx, "stage"); err != nil {
		t.Fatal(err)
	}
	if got := list(); got != "stage" {
		t.Fatalf("after stage was reconciled: %q", got)
	}
	if _, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices", Ticket: "T-1"}); err != nil {
		t.Fatal(err)
	}
	if got := list(); got != "prod stage" {
		t.Fatalf("with a start awaited in prod: %q", got)
	}
}
