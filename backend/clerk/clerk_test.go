package clerk

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdk "github.com/clerk/clerk-sdk-go/v2"

	"github.com/guiseapp/guise/backend/clerk/clerkfake"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/guise/guisetest"
)

const (
	testKey   = "sk_test_fake_instance_one"
	agentID   = "user_agent_support"
	agentMail = "agent@support.test"
)

var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a fake instance with the support account and a few customers.
func fixture(t *testing.T) *clerkfake.Server {
	t.Helper()
	f := clerkfake.NewServer(testKey)
	t.Cleanup(f.Close)
	f.AddOrg(clerkfake.Org{ID: "org_acme", Name: "Acme"})
	f.AddOrg(clerkfake.Org{ID: "org_globex", Name: "Globex"})
	f.AddUser(clerkfake.User{ID: agentID, Email: agentMail, FirstName: "Support", CreatedAt: base})
	f.AddUser(clerkfake.User{ID: "user_jane", Email: "jane@example.com", FirstName: "Jane", LastName: "Doe", CreatedAt: base.Add(time.Second),
		PublicMetadata: map[string]any{"role": "member", "guise_protected": false, "nested": map[string]any{"x": 1}},
		Memberships:    []clerkfake.Membership{{OrgID: "org_acme", Role: "org:admin"}, {OrgID: "org_globex", Role: "org:member"}}})
	f.AddUser(clerkfake.User{ID: "user_banned", Email: "banned@example.com", Banned: true, CreatedAt: base.Add(2 * time.Second)})
	f.AddUser(clerkfake.User{ID: "user_locked", Email: "locked@example.com", Locked: true, CreatedAt: base.Add(3 * time.Second)})
	return f
}

// slept records the waits instead of sleeping.
type slept struct{ waits []time.Duration }

func (s *slept) sleep(_ context.Context, d time.Duration) error {
	s.waits = append(s.waits, d)
	return nil
}

func newProvider(t *testing.T, f *clerkfake.Server, key string, opts ...Option) *Provider {
	t.Helper()
	p, err := New(guise.Environment{Name: "acme", Provider: guise.ProviderClerk, BaseURL: f.URL(), Settings: map[string]string{SettingActorUserID: agentID}}, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func code(err error) string { return guise.ErrorCode(err) }

func TestNewValidatesSettings(t *testing.T) {
	env := func(base string, s map[string]string) guise.Environment {
		return guise.Environment{Name: "x", Provider: guise.ProviderClerk, BaseURL: base, Settings: s}
	}
	ok := map[string]string{SettingActorUserID: agentID}
	cases := []struct {
		name, key, field string
		env              guise.Environment
	}{
		{"no key", "", "secret", env("", ok)},
		{"publishable key", "pk_test_abc", "secret", env("", ok)},
		{"not a key", "hunter2", "secret", env("", ok)},
		{"no actor", testKey, SettingActorUserID, env("", nil)},
		{"actor not a user id", testKey, SettingActorUserID, env("", map[string]string{SettingActorUserID: "agent@x"})},
		{"bad URL", testKey, "base_url", env("ftp://x", ok)},
	}
	for _, c := range cases {
		_, err := New(c.env, c.key)
		var e *guise.Error
		if !errors.As(err, &e) || e.Code != guise.EINVALID || e.Field != c.field {
			t.Errorf("%s: %v, want EINVALID on %s", c.name, err, c.field)
		}
	}
	p, err := New(env("", ok), "sk_live_x")
	if err != nil || p.base != "https://api.clerk.com/v1" || p.dev {
		t.Fatalf("defaults: %+v %v", p, err)
	}
}

func TestSyncPagesOf500WithMembershipsAndStatuses(t *testing.T) {
	f := fixture(t)
	f.Seed(1100, base.Add(time.Hour))
	p := newProvider(t, f, testKey)
	ctx := context.Background()
	total, err := p.CountUsers(ctx)
	if err != nil || total != 1104 {
		t.Fatalf("count: %d %v", total, err)
	}
	all, sizes := guisetest.ListAll(t, p, time.Time{})
	if len(all) != 1104 || len(sizes) != 3 || sizes[0] != 500 || sizes[1] != 500 {
		t.Fatalf("got %d users in pages %v", len(all), sizes)
	}
	byID := map[string]guise.User{}
	for _, u := range all {
		byID[u.ID] = u
	}
	if len(byID) != 1104 {
		t.Fatalf("%d distinct users; pages overlapped or skipped", len(byID))
	}
	jane := byID["user_jane"]
	if jane.Email != "jane@example.com" || jane.Name != "Jane Doe" || jane.Status != guise.StatusActive || jane.Role != "member" ||
		len(jane.Orgs) != 2 || jane.Orgs[0] != (guise.Org{ID: "org_acme", Name: "Acme", Role: "admin"}) || jane.Orgs[1].Name != "Globex" ||
		jane.Metadata["guise_protected"] != "false" || !jane.UpdatedAt.Equal(base.Add(time.Second)) {
		t.Fatalf("jane: %+v", jane)
	}
	if byID["user_banned"].Status != guise.StatusSuspended || byID["user_locked"].Status != guise.StatusSuspended {
		t.Fatalf("banned/locked not suspended: %+v %+v", byID["user_banned"], byID["user_locked"])
	}
	for _, r := range f.Requests() {
		if r.Path == "/v1/users" && (!strings.Contains(r.Query, "limit=500") || !strings.Contains(r.Query, "order_by=%2Bcreated_at")) {
			t.Fatalf("users listed with %s", r.Query)
		}
	}

	// Incremental: by update time, stopping at the first unchanged user.
	later := base.Add(48 * time.Hour)
	f.Touch("user_seed_0007", later)
	f.Touch("user_jane", later.Add(time.Second))
	before := len(f.Requests())
	page, err := p.ListUsers(ctx, "", base.Add(24*time.Hour))
	if err != nil || len(page.Users) != 2 || page.Next != "" || page.Users[0].ID != "user_jane" {
		t.Fatalf("incremental: %+v %v", page, err)
	}
	lists := 0
	for _, r := range f.Requests()[before:] {
		if r.Path == "/v1/users" {
			lists++
			if !strings.Contains(r.Query, "order_by=-updated_at") {
				t.Fatalf("incremental order: %s", r.Query)
			}
		}
	}
	if lists != 1 {
		t.Fatalf("incremental listed %d pages, want 1", lists)
	}
	if _, err := p.ListUsers(ctx, "page-2", time.Time{}); code(err) != guise.EINVALID {
		t.Fatalf("foreign cursor: %v", err)
	}
	orgs, next, err := p.ListOrgs(ctx, "")
	if err != nil || next != "" || len(orgs) != 5 {
		t.Fatalf("orgs: %v %q %v", orgs, next, err)
	}
}

func TestTwoInstancesAtOnceNeverUseTheGlobalKey(t *testing.T) {
	sdk.SetKey("sk_test_global_must_not_be_used")
	t.Cleanup(func() { sdk.SetKey("") })
	one, two := fixture(t), clerkfake.NewServer("sk_live_other_instance")
	t.Cleanup(two.Close)
	two.AddUser(clerkfake.User{ID: agentID, Email: agentMail})
	p1, p2 := newProvider(t, one, testKey), newProvider(t, two, "sk_live_other_instance")
	ctx := context.Background()
	n1, err1 := p1.CountUsers(ctx)
	n2, err2 := p2.CountUsers(ctx)
	if err1 != nil || err2 != nil || n1 != 4 || n2 != 1 {
		t.Fatalf("counts %d %v / %d %v", n1, err1, n2, err2)
	}
	for _, f := range []*clerkfake.Server{one, two} {
		for _, r := range f.Requests() {
			if !r.KeyOK {
				t.Fatalf("%s %s sent the wrong key", r.Method, r.Path)
			}
		}
	}
	if !p1.dev || p2.dev {
		t.Fatal("instance kinds from the key prefixes")
	}
}

func start(t *testing.T, p *Provider, userID string) guise.Started {
	t.Helper()
	st, err := p.StartImpersonation(context.Background(), guise.StartRequest{UserID: userID, Agent: guise.Agent{Email: agentMail, Name: "Sam"},
		Reason: "Invoices missing", Ticket: "SUP-1", Duration: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStartCarriesTheAgentInTheActor(t *testing.T) {
	f := fixture(t)
	now := base
	p := newProvider(t, f, testKey, WithClock(func() time.Time { return now }))
	st := start(t, p, "user_jane")
	tok, ok := f.Token(st.Ref)
	if !ok || tok.Status != clerkfake.TokenPending || tok.UserID != "user_jane" || !strings.HasPrefix(st.URL, "http://127.0.0.1") {
		t.Fatalf("token %+v for %+v", tok, st)
	}
	if tok.Actor["sub"] != agentID || tok.Actor["email"] != agentMail || tok.Actor["reason"] != "Invoices missing" || tok.Actor["ticket"] != "SUP-1" || tok.Actor["name"] != "Sam" {
		t.Fatalf("actor: %+v", tok.Actor)
	}
	if tok.ExpiresIn != 300 || tok.SessionMax != 1800 || !st.ExpiresAt.Equal(base.Add(30*time.Minute)) {
		t.Fatalf("lifetimes: link %d s, session %d s, expires %v", tok.ExpiresIn, tok.SessionMax, st.ExpiresAt)
	}
}

func TestStopBeforeUseRevokesTheToken(t *testing.T) {
	f := fixture(t)
	p := newProvider(t, f, testKey)
	st := start(t, p, "user_jane")
	stopped, err := p.StopSession(context.Background(), guise.Session{ProviderRef: st.Ref, UserID: "user_jane", AgentEmail: agentMail})
	if err != nil || !strings.Contains(stopped.Detail, "before it was used") {
		t.Fatalf("stop: %+v %v", stopped, err)
	}
	if tok, _ := f.Token(st.Ref); tok.Status != clerkfake.TokenRevoked {
		t.Fatalf("token %s", tok.Status)
	}
}

func TestStopAfterUseRevokesOnlyThisAgentsSession(t *testing.T) {
	f := fixture(t)
	p := newProvider(t, f, testKey)
	st := start(t, p, "user_jane")
	own := f.AddSession("user_jane", nil)
	ours, err := f.Accept(st.Ref)
	if err != nil {
		t.Fatal(err)
	}
	f.AddUser(clerkfake.User{ID: "user_other_agent", Email: "other@support.test"})
	otherAgent := f.AddSession("user_jane", map[string]any{"sub": "user_other_agent", "email": "other@support.test"})
	sameAccountOtherPerson := f.AddSession("user_jane", map[string]any{"sub": agentID, "email": "colleague@support.test"})
	stranger := f.AddSession("user_banned", map[string]any{"sub": agentID, "email": agentMail})

	if _, err := p.StopImpersonation(context.Background(), st.Ref); code(err) != guise.EPROVIDER {
		t.Fatalf("a used token stopped by ref alone: %v", err)
	}
	stopped, err := p.StopSession(context.Background(), guise.Session{ProviderRef: st.Ref, UserID: "user_jane", AgentEmail: agentMail})
	if err != nil || !strings.Contains(stopped.Detail, ours) || !strings.Contains(stopped.Detail, "had been used") {
		t.Fatalf("stop after use: %+v %v", stopped, err)
	}
	want := map[string]string{ours: "revoked", own: "active", otherAgent: "active", sameAccountOtherPerson: "active", stranger: "active"}
	for id, status := range want {
		if got := f.SessionStatus(id); got != status {
			t.Errorf("session %s is %s, want %s", id, got, status)
		}
	}
	stopped, err = p.StopSession(context.Background(), guise.Session{ProviderRef: st.Ref, UserID: "user_jane", AgentEmail: agentMail})
	if err != nil || !strings.Contains(stopped.Detail, "already ended") {
		t.Fatalf("second stop: %+v %v", stopped, err)
	}
}

func TestErrorsInPlainWords(t *testing.T) {
	ctx := context.Background()
	f := fixture(t)

	_, err := newProvider(t, f, "sk_test_wrong").CountUsers(ctx)
	if code(err) != guise.EUNAUTHORIZED || !strings.Contains(guise.ErrorMessage(err), "rejected the secret key of acme") {
		t.Errorf("401: %v", err)
	}
	p := newProvider(t, f, testKey)
	f.SetQuota(0)
	_, err = p.StartImpersonation(ctx, guise.StartRequest{UserID: "user_jane", Agent: guise.Agent{Email: agentMail}, Duration: time.Minute})
	if code(err) != guise.EQUOTA || !strings.Contains(guise.ErrorMessage(err), "free plan allows 5 a month") {
		t.Errorf("402: %v", err)
	}
	f.SetQuota(-1)
	_, err = p.StartImpersonation(ctx, guise.StartRequest{UserID: "user_gone", Agent: guise.Agent{Email: agentMail}, Duration: time.Minute})
	var e *guise.Error
	if !errors.As(err, &e) || e.Code != guise.EINVALID || e.Field != "user_id" || !strings.Contains(e.Message, "user_id") {
		t.Errorf("422: %v", err)
	}
	if _, err := p.GetUser(ctx, "user_gone"); code(err) != guise.ENOTFOUND {
		t.Errorf("404: %v", err)
	}
	f.Forbid("/v1/sessions")
	if _, err := p.agentSessions(ctx, "user_jane", agentMail); code(err) != guise.EUNAUTHORIZED || !strings.Contains(guise.ErrorMessage(err), "permission is missing") {
		t.Errorf("403: %v", err)
	}

	// 429: waits Retry-After, retries, gives up after three.
	var s slept
	p = newProvider(t, f, testKey, WithSleep(s.sleep))
	f.RateLimit(2, 2)
	if n, err := p.CountUsers(ctx); err != nil || n != 4 || len(s.waits) != 2 || s.waits[0] != 2*time.Second {
		t.Errorf("429 then ok: %d %v, waited %v", n, err, s.waits)
	}
	s.waits = nil
	f.RateLimit(10, 1)
	_, err = p.CountUsers(ctx)
	if code(err) != guise.ERATELIMIT || len(s.waits) != 3 || guise.RetryAfter(err) != time.Second {
		t.Errorf("429 for good: %v, waited %v", err, s.waits)
	}
	s.waits = nil
	f.RateLimit(1, 3600)
	if _, err := p.CountUsers(ctx); code(err) != guise.ERATELIMIT || len(s.waits) != 0 || !strings.Contains(guise.ErrorMessage(err), "1h") {
		t.Errorf("429 with an hour's wait: %v, waited %v", err, s.waits)
	}
}

func TestTransportFailures(t *testing.T) {
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>bad gateway</html>"))
	}))
	defer html.Close()
	env := guise.Environment{Name: "acme", BaseURL: html.URL + "/v1", Settings: map[string]string{SettingActorUserID: agentID}}
	p, _ := New(env, testKey)
	if _, err := p.CountUsers(context.Background()); code(err) != guise.EUNAVAILABLE || !strings.Contains(guise.ErrorMessage(err), "HTTP 502") {
		t.Errorf("502 page: %v", err)
	}
	html.Close()
	if _, err := p.CountUsers(context.Background()); code(err) != guise.EUNAVAILABLE || !strings.Contains(guise.ErrorMessage(err), "Cannot reach Clerk") ||
		strings.Contains(guise.ErrorMessage(err), testKey) {
		t.Errorf("unreachable: %v", err)
	}
}

func TestCheck(t *testing.T) {
	f := fixture(t)
	res := newProvider(t, f, testKey).Check(context.Background())
	if len(res) != 3 || !res[0].OK || !strings.Contains(res[0].Detail, "4 users") || !strings.Contains(res[0].Detail, "development") || !res[1].OK || !res[2].OK {
		t.Fatalf("check: %+v", res)
	}
	p, _ := New(guise.Environment{Name: "acme", BaseURL: f.URL(), Settings: map[string]string{SettingActorUserID: "user_elsewhere"}}, testKey)
	if res := p.Check(context.Background()); res[1].OK || !strings.Contains(res[1].Detail, "No user user_elsewhere") {
		t.Fatalf("wrong actor: %+v", res)
	}
	if res := newProvider(t, f, "sk_test_wrong").Check(context.Background()); len(res) != 1 || res[0].OK || !strings.Contains(res[0].Detail, "rejected the secret key") {
		t.Fatalf("wrong key: %+v", res)
	}
}
