package auth0_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/auth0"
	"github.com/guiseapp/guise/backend/auth0/auth0fake"
	"github.com/guiseapp/guise/backend/guise"
)

const domain = "acme.us.auth0.com"

func tenant() auth0fake.Tenant {
	return auth0fake.Tenant{Domain: domain, ClientID: "m2m", ClientSecret: "m2m-secret", Scopes: auth0fake.AllScopes,
		TargetClientID: "APP", LegacyImpersonation: true, SessionsAPI: true}
}

// sleeps records waits instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration{}, s.d...)
}

func newProvider(t *testing.T, fake *auth0fake.Server, secret string, settings map[string]string, opts ...auth0.Option) (*auth0.Provider, *sleeps) {
	t.Helper()
	s := map[string]string{"domain": domain, "client_id": "m2m", "target_client_id": "APP"}
	for k, v := range settings {
		s[k] = v
	}
	sl := &sleeps{}
	p, err := auth0.New(guise.Environment{Name: "acme", Provider: guise.ProviderAuth0, BaseURL: fake.URL, Settings: s}, secret,
		append([]auth0.Option{auth0.WithSleep(sl.sleep)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p, sl
}

func TestTheTokenIsRequestedOnceAndCached(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	fake.AddUsers(3, time.Now().Add(-time.Hour))
	p, _ := newProvider(t, fake, "m2m-secret", nil)
	for range 3 {
		if _, err := p.GetUser(context.Background(), uid(1)); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.Calls("POST /oauth/token"); n != 1 {
		t.Fatalf("token requested %d times, want 1", n)
	}
}

func TestErrorsSayWhatHappened(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	fake.AddUsers(2, time.Now().Add(-time.Hour))
	ctx := context.Background()

	bad, _ := newProvider(t, fake, "wrong", nil)
	_, err := bad.GetUser(ctx, uid(1))
	if e := guise.AsError(err); e.Code != guise.EUNAUTHORIZED || !strings.Contains(e.Message, "rejected the client credentials") {
		t.Fatalf("bad credentials: %+v", e)
	}

	wrongDomain, _ := newProvider(t, fake, "m2m-secret", map[string]string{"domain": "other.eu.auth0.com"})
	_, err = wrongDomain.GetUser(ctx, "x")
	if e := guise.AsError(err); e.Code != guise.EUNAUTHORIZED || !strings.Contains(e.Message, "other.eu.auth0.com") {
		t.Fatalf("wrong domain: %+v", e)
	}

	tn := tenant()
	tn.Scopes = []string{"read:organizations"}
	noScope := auth0fake.New(tn)
	defer noScope.Close()
	p, _ := newProvider(t, noScope, "m2m-secret", nil)
	_, err = p.ListUsers(ctx, "", time.Time{})
	if e := guise.AsError(err); e.Code != guise.EUNAUTHORIZED || !strings.Contains(e.Message, "missing the scope read:users") {
		t.Fatalf("missing scope: %+v", e)
	}

	addr := fake.URL
	fake2 := auth0fake.New(tenant())
	fake2.Close() // nothing listens there now
	gone, _ := newProvider(t, fake2, "m2m-secret", nil)
	_, err = gone.GetUser(ctx, "x")
	if e := guise.AsError(err); e.Code != guise.EUNAVAILABLE || !strings.Contains(e.Message, "Check the domain") {
		t.Fatalf("unreachable: %+v (fake at %s)", e, addr)
	}

	p, _ = newProvider(t, fake, "m2m-secret", nil)
	_, err = p.GetUser(ctx, "auth0|nobody")
	if guise.ErrorCode(err) != guise.ENOTFOUND {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestRateLimitsAreWaitedOutThenReported(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	fake.AddUsers(2, time.Now().Add(-time.Hour))
	ctx := context.Background()
	p, sl := newProvider(t, fake, "m2m-secret", nil)
	fake.Throttle(2)
	if _, err := p.GetUser(ctx, uid(1)); err != nil {
		t.Fatalf("after two 429s: %v", err)
	}
	if got := sl.all(); len(got) != 2 || got[0] != time.Second {
		t.Fatalf("waits %v, want two of Retry-After 1s", got)
	}
	fake.Throttle(10)
	_, err := p.GetUser(ctx, uid(1))
	if guise.ErrorCode(err) != guise.ERATELIMIT || guise.RetryAfter(err) != time.Second {
		t.Fatalf("persistent 429: %v", err)
	}
	if !strings.Contains(guise.ErrorMessage(err), "rate-limiting") {
		t.Fatalf("message: %s", guise.ErrorMessage(err))
	}
}

func TestRateLimitResetHeaderIsHonouredWithoutRetryAfter(t *testing.T) {
	calls := 0
	now := time.Unix(1_800_000_000, 0)
	srv := http.NewServeMux()
	srv.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"access_token":"t","scope":"read:users","expires_in":86400}`))
	})
	srv.HandleFunc("GET /api/v2/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("X-RateLimit-Reset", "1800000007")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached"}`))
			return
		}
		w.Write([]byte(`{"user_id":"auth0|1","email":"a@b.test","updated_at":"2026-01-15T12:00:00.000Z"}`))
	})
	ts := newServer(t, srv)
	sl := &sleeps{}
	p, err := auth0.New(guise.Environment{Name: "acme", BaseURL: ts, Settings: map[string]string{"domain": domain, "client_id": "m2m", "target_client_id": "APP"}}, "s",
		auth0.WithSleep(sl.sleep), auth0.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetUser(context.Background(), "auth0|1"); err != nil {
		t.Fatal(err)
	}
	if got := sl.all(); len(got) != 1 || got[0] != 7*time.Second {
		t.Fatalf("waits %v, want 7s from x-ratelimit-reset", got)
	}
}

func TestSettingsAreValidatedByName(t *testing.T) {
	cases := []struct {
		settings map[string]string
		field    string
	}{
		{map[string]string{"client_id": "a", "target_client_id": "b"}, "domain"},
		{map[string]string{"domain": "https://acme.us.auth0.com/x", "client_id": "a", "target_client_id": "b"}, "domain"},
		{map[string]string{"domain": "acme.us.auth0.com", "target_client_id": "b"}, "client_id"},
		{map[string]string{"domain": "acme.us.auth0.com", "client_id": "a"}, "target_client_id"},
	}
	for _, c := range cases {
		if e := guise.AsError(auth0.ValidateSettings(c.settings)); e.Code != guise.EINVALID || e.Field != c.field {
			t.Errorf("%v: %+v, want field %s", c.settings, e, c.field)
		}
	}
	if err := auth0.ValidateSettings(map[string]string{"domain": "https://acme.us.auth0.com/", "client_id": "a", "target_client_id": "b"}); err != nil {
		t.Fatal(err)
	}
	if got := auth0.DefaultBaseURL("https://acme.us.auth0.com/"); got != "https://acme.us.auth0.com" {
		t.Fatal(got)
	}
}
