package guise_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/sqlite"
)

// fakeProvider is an in-memory provider; the HTTP adapters have their own
// tests against faithful fakes of the vendors' APIs.
type fakeProvider struct {
	users    map[string]guise.User
	startErr error
	stopErr  error
	stopped  []string
	gets     int // GetUser calls
}

func (f *fakeProvider) Check(context.Context) []guise.CheckResult { return nil }
func (f *fakeProvider) ListOrgs(context.Context, string) ([]guise.Org, string, error) {
	return nil, "", nil
}
func (f *fakeProvider) ListUsers(context.Context, string, time.Time) (guise.UserPage, error) {
	return guise.UserPage{}, nil
}
func (f *fakeProvider) GetUser(_ context.Context, id string) (guise.User, error) {
	f.gets++
	u, ok := f.users[id]
	if !ok {
		return u, guise.Errorf(guise.ENOTFOUND, "no user %s", id)
	}
	return u, nil
}
func (f *fakeProvider) StartImpersonation(_ context.Context, r guise.StartRequest) (guise.Started, error) {
	if f.startErr != nil {
		return guise.Started{}, f.startErr
	}
	return guise.Started{Ref: "imp_" + r.UserID, URL: "http://idp.test/signin?ticket=secret"}, nil
}
func (f *fakeProvider) StopImpersonation(_ context.Context, ref string) (guise.Stopped, error) {
	if f.stopErr != nil {
		return guise.Stopped{}, f.stopErr
	}
	f.stopped = append(f.stopped, ref)
	return guise.Stopped{Detail: "revoked " + ref}, nil
}

type secrets struct{}

func (secrets) Get(string) (string, error) { return "k", nil }
func (secrets) Set(string, string) error   { return nil }
func (secrets) Delete(string) error        { return nil }
func (secrets) Where() string              { return "test" }

func setup(t *testing.T) (*guise.Service, *fakeProvider, *time.Time, *[]string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "guise.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	prov := &fakeProvider{users: map[string]guise.User{
		"u1": {ID: "u1", Email: "ann@acme.test", Name: "Ann", Role: "member", Status: "active", Orgs: []guise.Org{{ID: "o1", Name: "Acme"}}},
	}}
	var opened []string
	svc := &guise.Service{Store: db, Secrets: secrets{}, Now: func() time.Time { return now },
		Providers: func(guise.Environment, string) (guise.Provider, error) { return prov, nil },
		Open:      func(_ context.Context, url string) error { opened = append(opened, url); return nil }}
	if err := db.CreateEnvironment(ctx, guise.Environment{Name: "prod", Provider: "demo", BaseURL: "http://127.0.0.1:1", CreatedAt: now}, guise.AuditRecord{At: now, Kind: guise.AuditEnvAdded}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSetting(ctx, guise.SettingAgent, guise.Agent{Email: "agent@support.test"}, guise.AuditRecord{}); err != nil {
		t.Fatal(err)
	}
	return svc, prov, &now, &opened
}

func TestExpiryIsRecordedAtTheTrueExpiryTime(t *testing.T) {
	svc, _, now, opened := setup(t)
	ctx := context.Background()
	s, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices", Duration: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(*opened) != 1 {
		t.Fatalf("browser opened %d times", len(*opened))
	}
	// A second session for the same user is refused while the first runs.
	if _, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"}); guise.AsError(err).Rule != guise.RuleConcurrent {
		t.Fatalf("concurrent: %v", err)
	}
	*now = now.Add(3 * time.Hour) // as if Guise had been closed meanwhile
	ended, err := svc.ExpireDue(ctx)
	if err != nil || len(ended) != 1 {
		t.Fatalf("expire: %v %v", ended, err)
	}
	got, _ := svc.Store.Session(ctx, s.ID)
	if got.EndReason != guise.EndExpired || !got.EndedAt.Equal(s.ExpiresAt) {
		t.Fatalf("expired at %v (%s), want %v", got.EndedAt, got.EndReason, s.ExpiresAt)
	}
	if r, err := svc.Stop(ctx, s.ID); err != nil || !r.Already {
		t.Fatalf("stopping an expired session: %+v %v", r, err)
	}
}

func TestProviderFailuresLeaveNoPhantomSession(t *testing.T) {
	svc, prov, _, opened := setup(t)
	ctx := context.Background()
	prov.startErr = guise.Errorf(guise.EUNAVAILABLE, "Cannot reach the provider.")
	_, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if guise.ErrorCode(err) != guise.EUNAVAILABLE {
		t.Fatalf("start failure: %v", err)
	}
	list, _ := svc.Store.Sessions(ctx, guise.SessionFilter{})
	if len(list) != 1 || list[0].EndReason != guise.EndFailed || list[0].EndedAt == nil {
		t.Fatalf("a failed start must be recorded as failed: %+v", list)
	}
	if len(*opened) != 0 {
		t.Fatal("a browser was opened for a failed start")
	}

	// The browser cannot open: the provider session is revoked and recorded failed.
	prov.startErr = nil
	svc.Open = func(context.Context, string) error { return errors.New("no launcher") }
	if _, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"}); guise.ErrorCode(err) != guise.EUNAVAILABLE {
		t.Fatalf("open failure: %v", err)
	}
	if len(prov.stopped) != 1 {
		t.Fatalf("the unseen session was not revoked: %v", prov.stopped)
	}

	// A stop the provider refuses keeps the session running and says so.
	svc.Open = func(context.Context, string) error { return nil }
	s, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if err != nil {
		t.Fatal(err)
	}
	prov.stopErr = guise.Errorf(guise.EUNAVAILABLE, "Cannot reach the provider.")
	if _, err := svc.Stop(ctx, s.ID); guise.ErrorCode(err) != guise.EPENDING {
		t.Fatalf("stop while the provider is unreachable: %v, want %s", err, guise.EPENDING)
	}
	got, _ := svc.Store.Session(ctx, s.ID)
	if got.EndedAt != nil || got.RevokePendingSince == nil {
		t.Fatalf("the session must keep running with its stop pending: %+v", got)
	}
	if done, err := svc.RetryRevokes(ctx); err != nil || len(done) != 0 {
		t.Fatalf("a retry while still unreachable: %+v %v", done, err)
	}
	prov.stopErr = nil
	done, err := svc.RetryRevokes(ctx)
	if err != nil || len(done) != 1 || done[0].Session.EndReason != guise.EndStopped || !strings.Contains(done[0].Detail, "confirmed on retry") {
		t.Fatalf("a retry once the provider is back: %+v %v", done, err)
	}
	if pending, _ := svc.Store.PendingRevokes(ctx); len(pending) != 0 {
		t.Fatalf("still pending after the confirmed stop: %+v", pending)
	}
	st, err := guise.VerifyChain(ctx, svc.Store)
	if err != nil || !st.Intact {
		t.Fatalf("chain: %+v %v", st, err)
	}
}

func TestVanishedUserIsRefusedAndAudited(t *testing.T) {
	svc, prov, _, _ := setup(t)
	ctx := context.Background()
	delete(prov.users, "u1")
	_, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if e := guise.AsError(err); e.Code != guise.EREFUSED || e.Rule != guise.RuleUnknownUser {
		t.Fatalf("vanished user: %+v", e)
	}
	recs, _ := svc.Store.AuditRecords(ctx, 0, 100)
	last := recs[len(recs)-1]
	if last.Kind != guise.AuditRefused || last.Rule != guise.RuleUnknownUser {
		t.Fatalf("refusal not audited: %+v", last)
	}
}

func TestQuotasCapSessionsAndFailuresDoNotCount(t *testing.T) {
	svc, prov, now, _ := setup(t)
	ctx := context.Background()
	prov.users["u2"] = guise.User{ID: "u2", Email: "bo@acme.test", Status: "active"}
	prov.users["u3"] = guise.User{ID: "u3", Email: "cy@acme.test", Status: "active"}
	pol := guise.DefaultPolicy()
	pol.AgentDailyLimit = 2
	if err := svc.Store.PutSetting(ctx, guise.SettingPolicy+"/prod", pol, guise.AuditRecord{}); err != nil {
		t.Fatal(err)
	}
	req := func(user string) guise.Request {
		return guise.Request{Env: "prod", User: user, Reason: "checking the invoices"}
	}
	// A failed start is not a session the agent had: it does not count.
	prov.startErr = guise.Errorf(guise.EUNAVAILABLE, "down")
	if _, err := svc.Impersonate(ctx, req("u1")); guise.ErrorCode(err) != guise.EUNAVAILABLE {
		t.Fatal(err)
	}
	prov.startErr = nil
	for _, u := range []string{"u1", "u2"} {
		if _, err := svc.Impersonate(ctx, req(u)); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
	}
	_, err := svc.Impersonate(ctx, req("u3"))
	if e := guise.AsError(err); e.Code != guise.EREFUSED || e.Rule != guise.RuleAgentDaily {
		t.Fatalf("third session of the day: %+v", e)
	}
	recs, _ := svc.Store.AuditRecords(ctx, 0, 100)
	if last := recs[len(recs)-1]; last.Kind != guise.AuditRefused || last.Rule != guise.RuleAgentDaily || last.UserID != "u3" {
		t.Fatalf("refusal not audited: %+v", last)
	}
	// The next day the agent may start again, until the month's cap.
	*now = now.Add(24 * time.Hour)
	pol.EnvMonthlyLimit = 3
	if err := svc.Store.PutSetting(ctx, guise.SettingPolicy+"/prod", pol, guise.AuditRecord{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Impersonate(ctx, req("u3")); err != nil {
		t.Fatalf("a new day: %v", err)
	}
	if _, err := svc.StopAll(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Impersonate(ctx, req("u1"))
	if e := guise.AsError(err); e.Rule != guise.RuleEnvMonthly {
		t.Fatalf("fourth session of the month: %+v", e)
	}
}

func TestAStopNeverConfirmedEndsAtExpiryAndSaysSo(t *testing.T) {
	svc, prov, now, _ := setup(t)
	ctx := context.Background()
	s, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices", Duration: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	prov.stopErr = guise.Errorf(guise.EUNAVAILABLE, "Cannot reach the provider.")
	if _, err := svc.Stop(ctx, s.ID); guise.ErrorCode(err) != guise.EPENDING {
		t.Fatal(err)
	}
	*now = now.Add(11 * time.Minute)
	if _, err := svc.RetryRevokes(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ExpireDue(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.Store.Session(ctx, s.ID)
	if got.EndReason != guise.EndExpired || !got.EndedAt.Equal(s.ExpiresAt) || !strings.Contains(got.Note, "before the provider confirmed the stop") {
		t.Fatalf("never-confirmed stop at expiry: %+v", got)
	}
	recs, _ := svc.Store.AuditRecords(ctx, 0, 100)
	kinds := ""
	for _, r := range recs {
		kinds += r.Kind + " "
	}
	if !strings.Contains(kinds, guise.AuditRevokePending+" "+guise.AuditExpired) {
		t.Fatalf("audit: %s", kinds)
	}
}

func TestAProviderRefusalIsAuditedAsARefusal(t *testing.T) {
	svc, prov, _, opened := setup(t)
	ctx := context.Background()
	prov.startErr = guise.Refusal(guise.RuleProviderUnsupported, "The tenant does not allow impersonation.")
	_, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if e := guise.AsError(err); e.Code != guise.EREFUSED || e.Rule != guise.RuleProviderUnsupported {
		t.Fatalf("provider refusal: %+v", e)
	}
	recs, _ := svc.Store.AuditRecords(ctx, 0, 100)
	last := recs[len(recs)-1]
	if last.Kind != guise.AuditRefused || last.Rule != guise.RuleProviderUnsupported || last.SessionID == "" || !strings.Contains(last.Detail, "does not allow") {
		t.Fatalf("refusal not audited as one: %+v", last)
	}
	got, _ := svc.Store.Session(ctx, last.SessionID)
	if got.EndReason != guise.EndFailed || got.EndedAt == nil || len(*opened) != 0 {
		t.Fatalf("the reserved session must end without opening anything: %+v, opened %v", got, *opened)
	}
	// Another error from the provider is still a failure.
	prov.startErr = guise.Errorf(guise.EUNAVAILABLE, "down")
	if _, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"}); guise.ErrorCode(err) != guise.EUNAVAILABLE {
		t.Fatal(err)
	}
	recs, _ = svc.Store.AuditRecords(ctx, 0, 100)
	if last := recs[len(recs)-1]; last.Kind != guise.AuditFailed {
		t.Fatalf("a provider failure: %+v", last)
	}
}

func TestABarredUserInTheCacheIsRefusedWithoutAskingTheProvider(t *testing.T) {
	svc, prov, now, _ := setup(t)
	ctx := context.Background()
	cached := []guise.User{
		{ID: "u8", Email: "sus@acme.test", Status: guise.StatusSuspended, Role: "member", UpdatedAt: *now},
		{ID: "u9", Email: "boss@acme.test", Status: guise.StatusActive, Role: "admin", UpdatedAt: *now},
	}
	if err := svc.Store.SaveUsers(ctx, "prod", cached, guise.SyncState{Env: "prod"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ user, rule string }{{"sus@acme.test", guise.RuleSuspended}, {"u9", guise.RuleProtected}} {
		_, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: c.user, Reason: "checking the invoices"})
		if e := guise.AsError(err); e.Rule != c.rule {
			t.Fatalf("%s: %+v, want refused by %s", c.user, e, c.rule)
		}
	}
	if prov.gets != 0 {
		t.Fatalf("the provider was asked %d times about users the cache already bars", prov.gets)
	}
}

func TestStopAllLeavesAColleaguesDashboardSession(t *testing.T) {
	svc, _, now, _ := setup(t)
	ctx := context.Background()
	as := svc.Store.(guise.AwaitStore)
	for _, agent := range []string{"colleague@support.test", "agent@support.test"} {
		o := guise.Session{ID: guise.NewID("ses"), Env: "prod", Provider: "demo", UserID: "u1", UserEmail: "ann@acme.test", AgentEmail: agent,
			Reason: "dashboard", StartedAt: *now, ExpiresAt: now.Add(time.Hour), ProviderRef: "ws_" + agent, Outside: true}
		if _, err := as.ImportSession(ctx, o, guise.SessionAudit(guise.AuditImported, o, *now, "imported")); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := svc.Running(ctx)
	if err != nil || len(mine) != 1 || mine[0].AgentEmail != "agent@support.test" {
		t.Fatalf("running for this agent: %+v %v", mine, err)
	}
	stopped, err := svc.StopAll(ctx)
	if err != nil || len(stopped) != 1 || stopped[0].Session.AgentEmail != "agent@support.test" {
		t.Fatalf("stop all: %+v %v", stopped, err)
	}
	left, _ := svc.Store.Sessions(ctx, guise.SessionFilter{ActiveOnly: true})
	if len(left) != 1 || left[0].AgentEmail != "colleague@support.test" {
		t.Fatalf("the colleague's session must keep running: %+v", left)
	}
}
