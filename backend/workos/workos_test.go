package workos_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/guise/guisetest"
	"github.com/guiseapp/guise/backend/workos"
	"github.com/guiseapp/guise/backend/workos/workosfake"
)

const key = "sk_test_workos_unit"

var base = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// newProvider returns an adapter of the fake whose waits are recorded, not slept.
func newProvider(t *testing.T, f *workosfake.Server, settings map[string]string) (*workos.Provider, *[]time.Duration) {
	// The clock stands a few hours after the fake's data, within WorkOS's
	// 30 days of events.
	t.Helper()
	if settings == nil {
		settings = map[string]string{workos.SettingEnvironmentID: "environment_01TEST"}
	}
	var waits []time.Duration
	p, err := workos.New(guise.Environment{Name: "acme", Provider: guise.ProviderWorkOS, BaseURL: f.URL(), Settings: settings}, key,
		workos.WithSleep(func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }),
		workos.WithClock(func() time.Time { return base.Add(5 * time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	return p, &waits
}

func TestNewValidatesSettingsAndKey(t *testing.T) {
	env := func(s map[string]string) guise.Environment {
		return guise.Environment{Name: "acme", Provider: guise.ProviderWorkOS, Settings: s}
	}
	ok := map[string]string{workos.SettingEnvironmentID: "environment_01X"}
	for _, c := range []struct {
		settings map[string]string
		secret   string
		field    string
	}{
		{ok, "", "secret"},
		{ok, "client_01ABC", "secret"},
		{ok, "pk_abc", "secret"},
		{map[string]string{}, key, workos.SettingEnvironmentID},
		{map[string]string{workos.SettingEnvironmentID: "https://dashboard.workos.com/environment_01X/users"}, key, workos.SettingEnvironmentID},
		{map[string]string{workos.SettingEnvironmentID: "environment_01X", workos.SettingEventWait: "soon"}, key, workos.SettingEventWait},
		{map[string]string{workos.SettingEnvironmentID: "environment_01X", workos.SettingEventWait: "2h"}, key, workos.SettingEventWait},
	} {
		_, err := workos.New(env(c.settings), c.secret)
		e := guise.AsError(err)
		if e == nil || e.Code != guise.EINVALID || e.Field != c.field || e.Message == "" {
			t.Errorf("%v %q: got %+v, want an error about %s", c.settings, c.secret, e, c.field)
		}
	}
	p, err := workos.New(env(ok), key)
	if err != nil || p.Client().BaseURL() != workos.DefaultBaseURL {
		t.Fatalf("default base URL: %v %v", err, p)
	}
	if got := p.DashboardLink("user_01E4ZCR3C56J083X43JQXF3JK5"); got != "https://dashboard.workos.com/environment_01X/users/user_01E4ZCR3C56J083X43JQXF3JK5/details?dialog=impersonate" {
		t.Fatalf("deep link %s", got)
	}
}

func TestSyncPagesUsersWithMemberships(t *testing.T) {
	f := workosfake.New(key)
	defer f.Close()
	jane := f.AddUser("Jane@Customer.test", "Jane", "Doe", base, workosfake.OrgRef{ID: "org_acme", Name: "Acme Corp"}, workosfake.OrgRef{ID: "org_globex", Name: "Globex", Role: "admin"})
	f.Seed(230, base)
	p, _ := newProvider(t, f, nil)
	ctx := context.Background()
	all, sizes := guisetest.ListAll(t, p, time.Time{})
	if pages := len(sizes); pages != 3 || len(all) != 231 {
		t.Fatalf("%d users in %d pages, want 231 in 3", len(all), pages)
	}
	first := all[0]
	if first.ID != jane || first.Email != "jane@customer.test" || first.Name != "Jane Doe" || len(first.Orgs) != 2 ||
		first.Orgs[0].Name != "Acme Corp" || first.Orgs[1].Role != "admin" || !first.UpdatedAt.Equal(base) {
		t.Fatalf("jane: %+v", first)
	}
	if n := f.Calls("GET /user_management/organization_memberships"); n != 231 {
		t.Fatalf("%d membership calls, want one per user", n)
	}
	u, err := p.GetUser(ctx, jane)
	if err != nil || u.Email != "jane@customer.test" || len(u.Orgs) != 2 {
		t.Fatalf("get user: %+v %v", u, err)
	}
	_, err = p.GetUser(ctx, "user_gone")
	if guise.ErrorCode(err) != guise.ENOTFOUND || !strings.Contains(guise.ErrorMessage(err), "has no user user_gone") {
		t.Fatalf("404: %v", err)
	}
}

func TestRetriesHonourRetryAfterAndBackOff(t *testing.T) {
	f := workosfake.New(key)
	defer f.Close()
	f.AddUser("a@b.test", "A", "B", base)
	p, waits := newProvider(t, f, nil)
	ctx := context.Background()

	f.Throttle(2, 5)
	if _, err := p.Client().ListUsers(ctx, workos.ListUsersParams{}); err != nil {
		t.Fatal(err)
	}
	if len(*waits) != 2 || (*waits)[0] != 5*time.Second || (*waits)[1] != 5*time.Second {
		t.Fatalf("429 waits %v, want two of 5s", *waits)
	}

	*waits = nil
	f.Fail(3)
	if _, err := p.Client().ListUsers(ctx, workos.ListUsersParams{}); err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}; len(*waits) != 3 || (*waits)[0] != want[0] || (*waits)[2] != want[2] {
		t.Fatalf("5xx backoff %v, want %v", *waits, want)
	}

	// Bounded: after 3 retries the 429 is reported, with the wait, in plain words.
	f.Throttle(10, 7)
	_, err := p.Client().ListUsers(ctx, workos.ListUsersParams{})
	if guise.ErrorCode(err) != guise.ERATELIMIT || guise.RetryAfter(err) != 7*time.Second ||
		!strings.Contains(guise.ErrorMessage(err), "1,000 per 10 seconds") {
		t.Fatalf("429 after retries: %v", err)
	}
	f.Throttle(0, 1)

	// A Retry-After longer than accepted is reported at once.
	*waits = nil
	f.Throttle(1, 120)
	_, err = p.Client().ListUsers(ctx, workos.ListUsersParams{})
	if guise.ErrorCode(err) != guise.ERATELIMIT || len(*waits) != 0 {
		t.Fatalf("long Retry-After: %v after %v", err, *waits)
	}
	f.Fail(10)
	_, err = p.Client().ListUsers(ctx, workos.ListUsersParams{})
	if guise.ErrorCode(err) != guise.EUNAVAILABLE || !strings.Contains(guise.ErrorMessage(err), "after 3 retries") {
		t.Fatalf("503 after retries: %v", err)
	}
}

func TestErrorsInPlainWords(t *testing.T) {
	f := workosfake.New(key)
	defer f.Close()
	ctx := context.Background()
	wrong, err := workos.New(guise.Environment{Name: "acme", BaseURL: f.URL(), Settings: map[string]string{workos.SettingEnvironmentID: "environment_1"}}, "sk_test_wrong")
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.ListUsers(ctx, "", time.Time{})
	if guise.ErrorCode(err) != guise.EUNAUTHORIZED || !strings.Contains(guise.ErrorMessage(err), "rejected the API key of acme") || strings.Contains(guise.ErrorMessage(err), "sk_test_wrong") {
		t.Fatalf("401: %v", err)
	}
	var ae *workos.APIError
	if !errors.As(err, &ae) || ae.Code != "unauthorized" || !strings.HasPrefix(ae.RequestID, "req_") {
		t.Fatalf("401 cause: %#v", ae)
	}
	p, _ := newProvider(t, f, nil)
	f.DenyEvents(true)
	_, err = p.Reconcile(ctx, time.Time{}, nil)
	if guise.ErrorCode(err) != guise.EUNAUTHORIZED || !strings.Contains(guise.ErrorMessage(err), "lacks the Events permission") {
		t.Fatalf("403 events: %v", err)
	}
	res := p.Check(ctx)
	if len(res) != 2 || !res[0].OK || res[1].OK || !strings.Contains(res[1].Detail, "Events permission") {
		t.Fatalf("check without events: %+v", res)
	}
	// Nothing answering at the base URL.
	bad, _ := workos.New(guise.Environment{Name: "acme", BaseURL: "http://127.0.0.1:1", Settings: map[string]string{workos.SettingEnvironmentID: "environment_1"}}, key)
	_, err = bad.ListUsers(ctx, "", time.Time{})
	if guise.ErrorCode(err) != guise.EUNAVAILABLE || !strings.Contains(guise.ErrorMessage(err), "Cannot reach WorkOS") {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestEventsFilterBothEncodingsAndCursors(t *testing.T) {
	f := workosfake.New(key)
	defer f.Close()
	u := f.AddUser("jane@customer.test", "Jane", "Doe", base)
	for i := range 150 {
		f.SignIn(u, base.Add(time.Duration(i)*time.Second))
	}
	reason := "Ticket #4711"
	ref := f.Impersonate(u, "agent@ourcompany.com", &reason, "org_acme", base.Add(time.Hour))

	get := func(raw string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, f.URL()+"/events?"+raw, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		out["status"] = resp.StatusCode
		return out
	}
	repeated := get("events=session.created&events=session.revoked&limit=100&order=asc")
	bracket := get(url.Values{"events[]": {"session.created", "session.revoked"}, "limit": {"100"}, "order": {"asc"}}.Encode())
	if repeated["status"] != 200 || bracket["status"] != 200 || len(repeated["data"].([]any)) != 100 || len(bracket["data"].([]any)) != 100 {
		t.Fatalf("events filter: %v / %v", repeated["status"], bracket["status"])
	}
	if none := get("limit=10"); none["status"] != 422 || none["code"] != "invalid_request_parameters" {
		t.Fatalf("no filter: %v", none)
	}

	// The client walks the pages (151 events) and finds the impersonation.
	p, _ := newProvider(t, f, nil)
	rec, err := p.Reconcile(context.Background(), base.Add(-time.Minute), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Outside) != 1 || rec.Outside[0].ProviderRef != ref || rec.Outside[0].Reason != reason || rec.Outside[0].AgentEmail != "agent@ourcompany.com" ||
		!rec.Outside[0].ExpiresAt.Equal(base.Add(2*time.Hour)) || !rec.Until.Equal(base.Add(time.Hour)) {
		t.Fatalf("reconcile: %+v", rec)
	}
	qs := f.EventQueries()
	last := qs[len(qs)-1]
	if len(qs) < 4 || last.Get("after") == "" || len(last["events"]) != 1 || last.Get("range_start") != "2026-01-15T11:59:00Z" {
		t.Fatalf("event queries: %d, last %v", len(qs), last)
	}
}

func TestStartAwaitsAndReconcileAttaches(t *testing.T) {
	f := workosfake.New(key)
	defer f.Close()
	jane := f.AddUser("jane@customer.test", "Jane", "Doe", base, workosfake.OrgRef{ID: "org_acme", Name: "Acme Corp"}, workosfake.OrgRef{ID: "org_globex", Name: "Globex"})
	p, _ := newProvider(t, f, map[string]string{workos.SettingEnvironmentID: "environment_01TEST", workos.SettingEventWait: "3m"})
	ctx := context.Background()
	st, err := p.StartImpersonation(ctx, guise.StartRequest{UserID: jane, OrgID: "org_globex", Agent: guise.Agent{Email: "Agent@OurCompany.com"}, Reason: "Invoices missing", Duration: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if st.Ref != "" || st.Await == nil || st.Await.Within != 3*time.Minute || !strings.Contains(st.URL, "/environment_01TEST/users/"+jane+"/details?dialog=impersonate") ||
		!strings.Contains(st.Await.Instructions, "Globex (org_globex)") || !strings.Contains(st.Await.Instructions, `"Invoices missing"`) {
		t.Fatalf("start: %+v %+v", st, st.Await)
	}
	asked := base.Add(10 * time.Minute)
	pending := []guise.Session{{ID: "ses_1", UserID: jane, OrgID: "org_globex", AgentEmail: "agent@ourcompany.com", Reason: "Invoices missing", StartedAt: asked}}
	reason := "Invoices missing"
	early := f.Impersonate(jane, "agent@ourcompany.com", &reason, "org_globex", asked.Add(-time.Hour)) // before Guise asked
	other := f.Impersonate(jane, "someone@else.test", nil, "org_acme", asked.Add(time.Minute))         // another agent
	ours := f.Impersonate(jane, "AGENT@ourcompany.com", &reason, "org_acme", asked.Add(2*time.Minute))
	rec, err := p.Reconcile(ctx, asked.Add(-2*time.Hour), pending)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Attached) != 1 || rec.Attached[0].Ref != ours || rec.Attached[0].SessionID != "ses_1" ||
		!rec.Attached[0].ExpiresAt.Equal(asked.Add(62*time.Minute)) || !strings.Contains(rec.Attached[0].Detail, "not the org_globex chosen in Guise") {
		t.Fatalf("attached: %+v", rec.Attached)
	}
	if len(rec.Outside) != 2 || rec.Outside[0].ProviderRef != early || rec.Outside[1].ProviderRef != other || rec.Outside[1].Reason != "" {
		t.Fatalf("outside: %+v", rec.Outside)
	}

	stopped, err := p.StopImpersonation(ctx, ours)
	if err != nil || !strings.Contains(stopped.Detail, "revoked WorkOS session "+ours) || f.SessionStatus(ours) != "revoked" {
		t.Fatalf("stop: %+v %v (%s)", stopped, err, f.SessionStatus(ours))
	}
	if r := f.Revoked(); len(r) != 1 || r[0] != ours {
		t.Fatalf("revoked %v", r)
	}
	again, err := p.StopImpersonation(ctx, "session_unknown")
	if err != nil || !strings.Contains(again.Detail, "had already ended") {
		t.Fatalf("stop unknown: %+v %v", again, err)
	}

	res := p.Check(ctx)
	if len(res) != 4 || !res[2].OK || !strings.Contains(res[2].Detail, "seen in the last 30 days") {
		t.Fatalf("check: %+v", res)
	}
}
