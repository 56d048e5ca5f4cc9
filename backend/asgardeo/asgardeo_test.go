package asgardeo_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/asgardeo"
	"github.com/guiseapp/guise/backend/asgardeo/asgardeofake"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/guise/guisetest"
)

const (
	secret  = "client-secret-unit"
	agentID = "2d931c9d-876e-46c0-9aba-f34501879dfc"
)

func tenant() asgardeofake.Tenant {
	return asgardeofake.Tenant{Org: "acme", ClientID: "jVcW4oLn1Jjb2T94H4gtPV9z5Y0a", ClientSecret: secret, Scopes: asgardeofake.AllScopes, AgentID: agentID}
}

func newFake(t *testing.T, tn asgardeofake.Tenant) *asgardeofake.Server {
	t.Helper()
	f := asgardeofake.New(tn)
	t.Cleanup(f.Close)
	return f
}

func env(f *asgardeofake.Server, extra ...string) guise.Environment {
	s := map[string]string{asgardeo.SettingOrg: "acme", asgardeo.SettingClientID: "jVcW4oLn1Jjb2T94H4gtPV9z5Y0a", asgardeo.SettingRateLimit: "0"}
	for i := 0; i+1 < len(extra); i += 2 {
		s[extra[i]] = extra[i+1]
	}
	return guise.Environment{Name: "acme", Provider: guise.ProviderAsgardeo, BaseURL: f.Base(), Settings: s}
}

func noSleep(context.Context, time.Duration) error { return nil }

// vault is a keychain in a map; down makes it refuse like a missing keychain.
type vault struct {
	mu   sync.Mutex
	m    map[string]string
	down bool
}

func (v *vault) Get(k string) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.m[k]
	if !ok {
		return "", guise.Errorf(guise.ENOSECRET, "none")
	}
	return s, nil
}

func (v *vault) Set(k, s string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.down {
		return guise.Errorf(guise.ESECRETSTORE, "no keychain")
	}
	v.m[k] = s
	return nil
}

func (v *vault) Delete(k string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.m, k)
	return nil
}

// browser follows every opened URL the way a signed-in browser would.
type browser struct {
	mu     sync.Mutex
	opened []string
	act    func(t *testing.T, u string) // what the "browser" does; nil: nothing
	t      *testing.T
}

func (b *browser) open(_ context.Context, u string) error {
	b.mu.Lock()
	b.opened = append(b.opened, u)
	b.mu.Unlock()
	if b.act != nil {
		go b.act(b.t, u)
	}
	return nil
}

func follow(t *testing.T, u string) {
	if status, err := asgardeofake.Browse(u); err != nil || status != 200 {
		t.Errorf("the browser's part: status %d, %v", status, err)
	}
}

func provider(t *testing.T, f *asgardeofake.Server, v asgardeo.Vault, m *asgardeo.Memory, b *browser, extra ...string) *asgardeo.Provider {
	t.Helper()
	opts := []asgardeo.Option{asgardeo.WithSleep(noSleep), asgardeo.WithVault(v), asgardeo.WithMemory(m)}
	if b != nil {
		b.t = t
		opts = append(opts, asgardeo.WithOpener(b.open))
	}
	p, err := asgardeo.New(env(f, extra...), secret, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSyncPagesUsersWithOrganizations(t *testing.T) {
	f := newFake(t, tenant())
	at := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	users := f.AddUsers(250, at)
	p := provider(t, f, &vault{m: map[string]string{}}, asgardeo.NewMemory(), nil)
	ctx := context.Background()
	if n, err := p.CountUsers(ctx); err != nil || n != 250 {
		t.Fatalf("count: %d %v", n, err)
	}
	all, sizes := guisetest.ListAll(t, p, time.Time{})
	if pages := len(sizes); pages != 3 || len(all) != 250 {
		t.Fatalf("%d pages, %d users", pages, len(all))
	}
	if f.Calls("GET /t/{org}/scim2/Users") != 4 { // the count and three pages
		t.Fatalf("SCIM calls: %d", f.Calls("GET /t/{org}/scim2/Users"))
	}
	u0, u1, u13 := all[0], all[1], all[13]
	if u0.Email != users[0].Email || u1.Email != users[1].Email || u0.Name != "User 0000" || !u0.UpdatedAt.Equal(at) {
		t.Fatalf("mapping (string and object emails): %+v %+v", u0, u1)
	}
	if len(all[0].Orgs) != 3 || all[0].Orgs[0].Name != "Acme EU" || len(all[1].Orgs) != 0 || len(all[7].Orgs) != 2 {
		t.Fatalf("organizations: %+v %+v %+v", all[0].Orgs, all[1].Orgs, all[7].Orgs)
	}
	if u13.Status != guise.StatusSuspended || u0.Status != guise.StatusActive {
		t.Fatalf("a locked account is suspended: %+v", u13)
	}
	// An incremental pass reads every page but returns only what changed.
	f.Touch(users[120].ID, at.Add(time.Hour))
	changed, _ := guisetest.ListAll(t, p, at)
	if len(changed) != 1 || changed[0].ID != users[120].ID {
		t.Fatalf("incremental: %+v", changed)
	}
	got, err := p.GetUser(ctx, users[35].ID)
	if err != nil || got.Email != users[35].Email || len(got.Orgs) != 3 {
		t.Fatalf("get user: %+v %v", got, err)
	}
	if _, err := p.GetUser(ctx, "008bba85-451d-414b-87de-c03b5a1f4217"); guise.ErrorCode(err) != guise.ENOTFOUND || !strings.Contains(err.Error(), "No user with the id") {
		t.Fatalf("missing user: %v", err)
	}
}

func TestRateLimitAndCredentialErrors(t *testing.T) {
	f := newFake(t, tenant())
	f.AddUsers(3, time.Now())
	p := provider(t, f, &vault{m: map[string]string{}}, asgardeo.NewMemory(), nil)
	ctx := context.Background()
	f.Throttle(2) // waited out
	if page, err := p.ListUsers(ctx, "", time.Time{}); err != nil || len(page.Users) != 3 {
		t.Fatalf("after two 429s: %v", err)
	}
	f.Throttle(100)
	_, err := p.ListUsers(ctx, "", time.Time{})
	if guise.ErrorCode(err) != guise.ERATELIMIT || guise.RetryAfter(err) <= 0 {
		t.Fatalf("rate limited for good: %v", err)
	}
	f.Throttle(0)
	if per, burst := p.RateLimit(); per != 0 || burst != 0 {
		t.Fatalf("requests_per_minute=0 means unpaced: %v %d", per, burst)
	}
	if per, _ := provider(t, f, nil, nil, nil, asgardeo.SettingRateLimit, "").RateLimit(); per != 200.0/60 {
		t.Fatalf("Asgardeo's published limit: %v", per)
	}

	bad, err := asgardeo.New(env(f), "wrong-secret", asgardeo.WithSleep(noSleep))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.ListUsers(ctx, "", time.Time{}); guise.ErrorCode(err) != guise.EUNAUTHORIZED || !strings.Contains(err.Error(), "rejected the client id and secret") {
		t.Fatalf("wrong secret: %v", err)
	}
	res := bad.Check(ctx)
	if len(res) != 1 || res[0].OK {
		t.Fatalf("check with a wrong secret: %+v", res)
	}

	tn := tenant()
	tn.Scopes = []string{"internal_user_mgt_list", "internal_user_mgt_view"}
	small := newFake(t, tn)
	small.AddUsers(1, time.Now())
	ps := provider(t, small, nil, nil, &browser{})
	res = ps.Check(ctx)
	text := checkText(res)
	for _, want := range []string{"ok Token", "missing: internal_user_shared_access_view", "ok Users: 1 users", "Organizations: not available", "Sessions API: not available", "Asgardeo may email the user"} {
		if !strings.Contains(text, want) {
			t.Errorf("check lacks %q:\n%s", want, text)
		}
	}
	if page, err := ps.ListUsers(ctx, "", time.Time{}); err != nil || len(page.Users) != 1 || len(page.Users[0].Orgs) != 0 {
		t.Fatalf("without the organizations scope users sync without organizations: %+v %v", page, err)
	}
}

func checkText(res []guise.CheckResult) string {
	var b strings.Builder
	for _, r := range res {
		mark := "ok"
		if !r.OK {
			mark = "FAIL"
		}
		b.WriteString(mark + " " + r.Name + ": " + r.Detail + "\n")
	}
	return b.String()
}

func TestSettingsAreChecked(t *testing.T) {
	for _, c := range []struct {
		set   map[string]string
		field string
	}{
		{map[string]string{"client_id": "c"}, "org"},
		{map[string]string{"org": "a/b", "client_id": "c"}, "org"},
		{map[string]string{"org": "acme"}, "client_id"},
		{map[string]string{"org": "acme", "client_id": "c", "app_url": "not a url"}, "app_url"},
		{map[string]string{"org": "acme", "client_id": "c", "signin_timeout": "forever"}, "signin_timeout"},
		{map[string]string{"org": "acme", "client_id": "c", "requests_per_minute": "-1"}, "requests_per_minute"},
	} {
		_, err := asgardeo.New(guise.Environment{Name: "x", Settings: c.set}, "s")
		if e := guise.AsError(err); e.Code != guise.EINVALID || e.Field != c.field {
			t.Errorf("%v: %+v", c.set, e)
		}
	}
	p, err := asgardeo.New(guise.Environment{Name: "x", Settings: map[string]string{"org": "acme", "client_id": "c"}}, "s")
	if err != nil {
		t.Fatal(err)
	}
	_ = p
	if asgardeo.DefaultBaseURL("acme") != "https://api.asgardeo.io/t/acme" {
		t.Fatal(asgardeo.DefaultBaseURL("acme"))
	}
}

func start(p *asgardeo.Provider, user, org string) (guise.Started, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return p.StartImpersonation(ctx, guise.StartRequest{SessionID: guise.NewID("ses"), UserID: user, OrgID: org, Agent: guise.Agent{Email: "agent@support.test"}, Reason: "r", Duration: 30 * time.Minute})
}

// The whole flow with a keychain: sign-in, exchange, organization switch,
// verification; then a stop from another Provider (another process) finds
// the tokens in the keychain, revokes both and ends only the session the
// impersonation created.
func TestImpersonateWithKeychainAndStopElsewhere(t *testing.T) {
	f := newFake(t, tenant())
	users := f.AddUsers(10, time.Now().Add(-time.Hour))
	target := users[0] // three organizations
	own := f.AddSession(target.ID, "Acme App", time.Now().Add(-time.Hour))
	kc := &vault{m: map[string]string{}}
	b := &browser{act: follow}
	p := provider(t, f, kc, asgardeo.NewMemory(), b, asgardeo.SettingAppURL, f.URL+"/app")
	s, err := start(p, target.ID, "2fb64b16-94ee-4727-a542-5db7af91ef06")
	if err != nil {
		t.Fatal(err)
	}
	if s.URL != f.URL+"/app" || !strings.HasPrefix(s.Ref, "k:ses_") || s.ExpiresAt.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("started: %+v", s)
	}
	au, _ := url.Parse(b.opened[0])
	q := au.Query()
	if au.Path != "/t/acme/oauth2/authorize" || q.Get("response_type") != "id_token subject_token" || q.Get("requested_subject") != target.ID ||
		!strings.Contains(q.Get("scope"), "internal_user_impersonate") || q.Get("nonce") == "" || q.Get("state") == "" || !strings.HasPrefix(q.Get("redirect_uri"), "http://127.0.0.1:") {
		t.Fatalf("authorize request: %s", b.opened[0])
	}
	imp := f.Impersonated()
	if len(imp) != 2 || imp[0].Act != agentID || imp[1].OrgID != "2fb64b16-94ee-4727-a542-5db7af91ef06" {
		t.Fatalf("issued: %+v", imp)
	}
	if len(kc.m) != 1 {
		t.Fatalf("the tokens are kept in the keychain: %d entries", len(kc.m))
	}
	for _, v := range kc.m {
		if !strings.Contains(v, imp[0].Token) || !strings.Contains(v, imp[1].Token) {
			t.Fatal("the keychain holds other tokens than the ones issued")
		}
	}

	// The customer signs in themselves later during the impersonation: not ours.
	later := f.AddSession(target.ID, "Acme App", time.Now().Add(10*time.Minute))
	other := provider(t, f, kc, asgardeo.NewMemory(), nil) // another process
	st, err := other.StopImpersonation(context.Background(), s.Ref)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(st.Detail)
	for _, x := range f.Impersonated() {
		if !x.Revoked {
			t.Fatalf("not revoked: %+v", x)
		}
	}
	if len(kc.m) != 0 {
		t.Fatal("the revoked tokens stay in the keychain")
	}
	if live := f.LiveSessions(target.ID); len(live) != 2 || live[0].ID != own || live[1].ID != later {
		t.Fatalf("only the impersonation's session ends, not the customer's before or after: %+v", live)
	}
	if !strings.Contains(st.Detail, "Revoked the organization token; revoked the impersonated access token; ended 1 Asgardeo session(s)") {
		t.Fatalf("detail: %s", st.Detail)
	}
	// Stopping again finds nothing left.
	if st, err := other.StopImpersonation(context.Background(), s.Ref); err != nil || !strings.Contains(st.Detail, "No impersonated tokens were left") {
		t.Fatalf("second stop: %+v %v", st, err)
	}
}

// Without a keychain the tokens stay in the starting process's memory: that
// process revokes them; another ends the sessions and says the token lapses.
func TestImpersonateWithoutKeychain(t *testing.T) {
	f := newFake(t, tenant())
	users := f.AddUsers(3, time.Now().Add(-time.Hour))
	kc := &vault{m: map[string]string{}, down: true}
	mem := asgardeo.NewMemory()
	p := provider(t, f, kc, mem, &browser{act: follow})
	s1, err := start(p, users[1].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s1.Ref, "m:") || !strings.HasSuffix(s1.URL, "/t/acme/myaccount") {
		t.Fatalf("started: %+v", s1)
	}
	elsewhere := provider(t, f, kc, asgardeo.NewMemory(), nil)
	st, err := elsewhere.StopImpersonation(context.Background(), s1.Ref)
	if err != nil || !strings.Contains(st.Detail, "lapses at its expiry") || !strings.Contains(st.Detail, "ended 1 Asgardeo session(s)") {
		t.Fatalf("stop elsewhere: %+v %v", st, err)
	}
	if f.Impersonated()[0].Revoked {
		t.Fatal("another process cannot have revoked a token it never held")
	}
	same := provider(t, f, kc, mem, nil) // the starting process, a new Provider
	if st, err := same.StopImpersonation(context.Background(), s1.Ref); err != nil || !strings.Contains(st.Detail, "Revoked the impersonated access token") {
		t.Fatalf("stop in the starting process: %+v %v", st, err)
	}
	if !f.Impersonated()[0].Revoked {
		t.Fatal("not revoked")
	}
}

func TestWrongActorIsRefusedAndRevoked(t *testing.T) {
	tn := tenant()
	tn.WrongActor = true
	f := newFake(t, tn)
	users := f.AddUsers(2, time.Now())
	kc := &vault{m: map[string]string{}}
	p := provider(t, f, kc, asgardeo.NewMemory(), &browser{act: follow})
	_, err := start(p, users[1].ID, "")
	if guise.ErrorCode(err) != guise.EPROVIDER || !strings.Contains(err.Error(), "with actor") || !strings.Contains(err.Error(), "revoked it") {
		t.Fatalf("wrong act.sub: %v", err)
	}
	if imp := f.Impersonated(); len(imp) != 1 || !imp[0].Revoked || len(kc.m) != 0 {
		t.Fatalf("the token must be revoked and not kept: %+v", imp)
	}
}

func TestSignInFailures(t *testing.T) {
	f := newFake(t, tenant())
	users := f.AddUsers(2, time.Now())
	target := users[1].ID
	kc := &vault{m: map[string]string{}}

	t.Run("state mismatch", func(t *testing.T) {
		// The answer comes back with another state: refused, and the listener is spent.
		p := provider(t, f, kc, asgardeo.NewMemory(), &browser{act: func(t *testing.T, u string) {
			loc, err := asgardeofake.Authorize(u)
			if err != nil {
				t.Error(err)
				return
			}
			lu, _ := url.Parse(loc)
			q := lu.Query()
			q.Set("state", "forged")
			lu.RawQuery = q.Encode()
			if _, err := getStatus(lu.String()); err != nil {
				t.Error(err)
			}
		}})
		_, err := start(p, target, "")
		if guise.ErrorCode(err) != guise.EUNAUTHORIZED || !strings.Contains(err.Error(), "state mismatch") {
			t.Fatalf("state mismatch: %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		p := provider(t, f, kc, asgardeo.NewMemory(), &browser{}, asgardeo.SettingSignInTimeout, "1s")
		_, err := start(p, target, "")
		if guise.ErrorCode(err) != guise.EUNAVAILABLE || !strings.Contains(err.Error(), "did not come back within 1s") {
			t.Fatalf("timeout: %v", err)
		}
	})
	t.Run("forged subject token", func(t *testing.T) {
		p := provider(t, f, kc, asgardeo.NewMemory(), &browser{act: func(t *testing.T, u string) {
			loc, _ := asgardeofake.Authorize(u)
			lu, _ := url.Parse(loc)
			q := lu.Query()
			q.Set("subject_token", asgardeofake.SignWith(map[string]any{"sub": target, "iss": f.Issuer(), "may_act": map[string]string{"sub": agentID}, "exp": time.Now().Add(time.Hour).Unix()}))
			lu.RawQuery = q.Encode()
			_, _ = getStatus(lu.String())
		}})
		_, err := start(p, target, "")
		if guise.ErrorCode(err) != guise.EPROVIDER || !strings.Contains(err.Error(), "cannot trust") {
			t.Fatalf("forged: %v", err)
		}
	})
	for _, c := range []struct {
		name string
		set  func(*asgardeofake.Tenant)
		want string
	}{
		{"no impersonator role", func(t *asgardeofake.Tenant) { t.Impersonators = []string{"someone-else"} }, "lacks the impersonator role"},
		{"no impersonation API", func(t *asgardeofake.Tenant) { t.NoImpersonationAPI = true }, "not authorized for the User Impersonation API"},
		{"no token exchange grant", func(t *asgardeofake.Tenant) { t.NoTokenExchange = true }, "may not use the token-exchange grant"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tn := tenant()
			c.set(&tn)
			f := newFake(t, tn)
			users := f.AddUsers(2, time.Now())
			p := provider(t, f, kc, asgardeo.NewMemory(), &browser{act: follow})
			_, err := start(p, users[1].ID, "")
			if guise.ErrorCode(err) != guise.EUNAUTHORIZED || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v", err)
			}
		})
	}
	t.Run("organization the user is not in", func(t *testing.T) {
		p := provider(t, f, kc, asgardeo.NewMemory(), &browser{act: follow})
		_, err := start(p, target, "00000000-0000-4000-8000-000000000000")
		if guise.ErrorCode(err) != guise.EUNAUTHORIZED || !strings.Contains(err.Error(), "invited member") {
			t.Fatalf("%v", err)
		}
		for _, x := range f.Impersonated() {
			if !x.Revoked && x.Sub == target {
				t.Fatalf("a failed start leaves a live token: %+v", x)
			}
		}
	})
}

func getStatus(u string) (int, error) {
	resp, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
