package demo

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/guise/guisetest"
)

func newTestClient(t *testing.T, base, key string) *Client {
	t.Helper()
	c, err := NewClient(base, key)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// wantCode checks a domain error's code and that it leaks no secret.
func wantCode(t *testing.T, err error, code string, secrets ...string) *guise.Error {
	t.Helper()
	var ge *guise.Error
	if !errors.As(err, &ge) || ge.Code != code {
		t.Fatalf("error = %#v, want code %s", err, code)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(ge.Message, s) {
			t.Fatalf("error message %q leaks a secret", ge.Message)
		}
	}
	return ge
}

func TestClientListsEveryUserAndOrg(t *testing.T) {
	s := startServer(t, Config{Users: 250})
	c := newTestClient(t, s.URL(), s.APIKey())
	ctx := context.Background()

	users, sizes := guisetest.ListAll(t, c, time.Time{})
	if pages := len(sizes); len(users) != 250 || pages != 3 {
		t.Fatalf("%d users in %d pages, want 250 in 3", len(users), pages)
	}
	raw := allUsers(t, s, "")
	for i, u := range users {
		r := raw[i]
		if u.ID != r.ID || u.Email != r.Email || u.Name != r.FirstName+" "+r.LastName || u.Role != r.Role ||
			u.Status != r.Status || u.Metadata["plan"] != r.Metadata["plan"] || !u.UpdatedAt.Equal(r.UpdatedAt) ||
			len(u.Orgs) != len(r.Organizations) || u.Orgs[0].ID != r.Organizations[0].ID || u.Orgs[0].Role == "" {
			t.Fatalf("user %d = %+v, server has %+v", i, u, r)
		}
	}

	// Incremental: only what changed after the high-water mark.
	high := users[len(users)-1].UpdatedAt
	call(t, s, "PATCH", "/admin/v1/users/user_000010", map[string]string{"role": roleAdmin}, nil)
	page, err := c.ListUsers(ctx, "", high)
	if err != nil || len(page.Users) != 1 || page.Users[0].ID != "user_000010" || page.Users[0].Role != roleAdmin || page.Next != "" {
		t.Fatalf("since high-water = %+v, %v", page, err)
	}

	orgs, next, err := c.ListOrgs(ctx, "")
	if err != nil || len(orgs) != DefaultOrgs || next != "" || orgs[0].ID != "org_0001" || orgs[0].Name == "" {
		t.Fatalf("ListOrgs = %d orgs, next %q, %v", len(orgs), next, err)
	}

	got, err := c.GetUser(ctx, users[3].ID)
	if err != nil || got.ID != users[3].ID || len(got.Orgs) == 0 {
		t.Fatalf("GetUser = %+v, %v", got, err)
	}
	_, err = c.GetUser(ctx, "user_999999")
	wantCode(t, err, guise.ENOTFOUND)
}

func TestClientStartsAndStops(t *testing.T) {
	s := startServer(t, Config{Users: 100})
	c := newTestClient(t, s.URL(), s.APIKey())
	ctx := context.Background()
	users := allUsers(t, s, "")
	single := findUser(t, users, "single-org member", isSingleOrgMember)
	req := guise.StartRequest{UserID: single.ID, OrgID: single.Organizations[0].ID, Agent: guise.Agent{Email: "agent@support.test"},
		Reason: "Checking the billing page", Ticket: "SUP-9", Duration: 15 * time.Minute}

	before := time.Now()
	st, err := c.StartImpersonation(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.Ref, "imp_") || !strings.HasPrefix(st.URL, s.URL()+"/app/signin?ticket=") ||
		st.ExpiresAt.Before(before.Add(15*time.Minute).Add(-time.Second)) || st.ExpiresAt.After(time.Now().Add(15*time.Minute)) {
		t.Fatalf("started = %+v", st)
	}
	var im apiImpersonation
	call(t, s, "GET", "/admin/v1/impersonations/"+st.Ref, nil, &im)
	if im.Actor != (apiActor{Email: "agent@support.test", Reason: "Checking the billing page", Ticket: "SUP-9"}) || im.OrgID != req.OrgID {
		t.Fatalf("server recorded %+v", im)
	}
	if _, err := c.StopImpersonation(ctx, st.Ref); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := c.StopImpersonation(ctx, st.Ref); err != nil {
		t.Fatalf("stopping twice: %v", err)
	}
	call(t, s, "GET", "/admin/v1/impersonations/"+st.Ref, nil, &im)
	if im.Status != "revoked" {
		t.Fatalf("status after stop = %q", im.Status)
	}
	_, err = c.StopImpersonation(ctx, "imp_unknown")
	wantCode(t, err, guise.ENOTFOUND)

	susp := findUser(t, users, "suspended user", func(u apiUser) bool { return u.Status == statusSuspend })
	req.UserID, req.OrgID = susp.ID, ""
	_, err = c.StartImpersonation(ctx, req)
	if ge := wantCode(t, err, guise.EREFUSED); ge.Rule != guise.RuleSuspended {
		t.Fatalf("rule = %q, want %q", ge.Rule, guise.RuleSuspended)
	}
	other := findUser(t, users, "user of another org", func(u apiUser) bool { return !hasOrg(single, u.Organizations[0].ID) })
	req.UserID, req.OrgID = single.ID, other.Organizations[0].ID
	_, err = c.StartImpersonation(ctx, req)
	if ge := wantCode(t, err, guise.EREFUSED); ge.Rule != guise.RuleOrgMember {
		t.Fatalf("rule = %q, want %q", ge.Rule, guise.RuleOrgMember)
	}
	req.OrgID, req.Duration = "", 10*time.Second
	_, err = c.StartImpersonation(ctx, req)
	wantCode(t, err, guise.EINVALID)
}

func TestClientCheckAndAuth(t *testing.T) {
	s := startServer(t, Config{Users: 10})
	ctx := context.Background()
	for _, r := range newTestClient(t, s.URL(), s.APIKey()).Check(ctx) {
		if !r.OK || r.Detail == "" {
			t.Fatalf("check %+v failed with the right key", r)
		}
	}
	if err := newTestClient(t, s.URL(), s.APIKey()).Health(ctx); err != nil {
		t.Fatalf("Health: %v", err)
	}

	const wrong = "demo_sk_wrong_key_value"
	bad := newTestClient(t, s.URL(), wrong)
	_, err := bad.ListUsers(ctx, "", time.Time{})
	ge := wantCode(t, err, guise.EUNAUTHORIZED, wrong, s.APIKey())
	if ge.Message != "The demo server rejected the API key." {
		t.Fatalf("message = %q", ge.Message)
	}
	results := bad.Check(ctx)
	if len(results) != 2 || results[0].OK || results[1].OK || results[0].Name != "API key accepted" ||
		!strings.Contains(results[0].Detail, "rejected the API key") {
		t.Fatalf("check with a wrong key = %+v", results)
	}
}

func TestClientRateLimited(t *testing.T) {
	clk := newClock()
	s := startServer(t, Config{Users: 10, RateLimit: 1, Now: clk.Now})
	c := newTestClient(t, s.URL(), s.APIKey())
	if _, err := c.GetUser(context.Background(), "user_000001"); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetUser(context.Background(), "user_000001")
	ge := wantCode(t, err, guise.ERATELIMIT, s.APIKey())
	if guise.RetryAfter(err) != time.Second || !strings.Contains(ge.Message, "1s") {
		t.Fatalf("retry after %s, message %q", guise.RetryAfter(err), ge.Message)
	}

	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer fake.Close()
	_, err = newTestClient(t, fake.URL, "k").ListUsers(context.Background(), "", time.Time{})
	if ge := wantCode(t, err, guise.ERATELIMIT); guise.RetryAfter(err) != 7*time.Second || !strings.Contains(ge.Message, "7s") {
		t.Fatalf("retry after %s, message %q", guise.RetryAfter(err), ge.Message)
	}
	if guise.RetryAfter(errors.New("other")) != 0 || guise.RetryAfter(nil) != 0 {
		t.Fatal("RetryAfter of an unrelated error is not 0")
	}
}

func TestClientUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	c := newTestClient(t, base, "demo_sk_secret")
	_, err = c.ListUsers(context.Background(), "", time.Time{})
	ge := wantCode(t, err, guise.EUNAVAILABLE, "demo_sk_secret")
	if !strings.HasPrefix(ge.Message, "Cannot reach the demo server at "+base) {
		t.Fatalf("message = %q", ge.Message)
	}
	wantCode(t, c.Health(context.Background()), guise.EUNAVAILABLE)
	for _, r := range c.Check(context.Background()) {
		if r.OK {
			t.Fatalf("check %+v passed against nothing", r)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.GetUser(ctx, "user_000001")
	wantCode(t, err, guise.ECANCELED)
}

func TestClientMapsBadAnswers(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		code   string
	}{
		{"malformed JSON", 200, `{"data":[{"id":`, guise.EPROVIDER},
		{"wrong types", 200, `{"data":"users"}`, guise.EPROVIDER},
		{"server error", 500, `oops`, guise.EUNAVAILABLE},
		{"bad gateway", 502, ``, guise.EUNAVAILABLE},
		{"forbidden", 403, `{"code":"forbidden","message":"no"}`, guise.EUNAUTHORIZED},
		{"bad request", 400, `{"code":"invalid","message":"limit must be a whole number from 1 to 100."}`, guise.EINVALID},
		{"teapot", 418, ``, guise.EPROVIDER},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer fake.Close()
			_, err := newTestClient(t, fake.URL, "demo_sk_secret").ListUsers(context.Background(), "", time.Time{})
			wantCode(t, err, tc.code, "demo_sk_secret")
		})
	}
	notDemo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"ok":true,"name":"something-else"}`))
	}))
	defer notDemo.Close()
	wantCode(t, newTestClient(t, notDemo.URL, "k").Health(context.Background()), guise.EPROVIDER)
	nothing := httptest.NewServer(http.NotFoundHandler())
	defer nothing.Close()
	wantCode(t, newTestClient(t, nothing.URL, "k").Health(context.Background()), guise.EPROVIDER)
}

func TestClientTimesOut(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer slow.Close()
	defer close(release)
	c, err := NewClient(slow.URL, "k", WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUser(context.Background(), "user_000001")
	wantCode(t, err, guise.EUNAVAILABLE)
}

func TestNewClientValidates(t *testing.T) {
	for _, base := range []string{"", "127.0.0.1:8787", "ftp://x", "http://"} {
		if _, err := NewClient(base, "k"); guise.ErrorCode(err) != guise.EINVALID {
			t.Errorf("NewClient(%q) = %v, want EINVALID", base, err)
		}
	}
	if _, err := NewClient("http://127.0.0.1:1", " "); guise.ErrorCode(err) != guise.EINVALID {
		t.Errorf("empty key accepted: %v", err)
	}
}
