package auth0_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/auth0"
	"github.com/guiseapp/guise/backend/auth0/auth0fake"
	"github.com/guiseapp/guise/backend/guise"
)

// uid is the fake's id of its n-th user.
func uid(n int) string { return fmt.Sprintf("auth0|%024x", n) }

func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

// syncAll drives ListUsers as the syncer does, from cursor until the end
// or stopAfter non-empty pages; it returns the users by id and the cursor.
func syncAll(t *testing.T, p *auth0.Provider, cursor string, since time.Time, stopAfter int) (map[string]guise.User, string, int) {
	t.Helper()
	got := map[string]guise.User{}
	pages := 0
	for calls := 0; ; calls++ {
		if calls > 10_000 {
			t.Fatal("ListUsers never finished")
		}
		page, err := p.ListUsers(context.Background(), cursor, since)
		if err != nil {
			t.Fatalf("cursor %q: %v", cursor, err)
		}
		for _, u := range page.Users {
			got[u.ID] = u
		}
		if len(page.Users) > 0 {
			pages++
		}
		cursor = page.Next
		if cursor == "" || (stopAfter > 0 && pages == stopAfter) {
			return got, cursor, pages
		}
	}
}

func TestSmallTenantSyncsThroughTheUsersList(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	fake.AddUsers(250, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	p, _ := newProvider(t, fake, "m2m-secret", nil)
	got, _, pages := syncAll(t, p, "", time.Time{}, 0)
	if len(got) != 250 || pages != 3 {
		t.Fatalf("synced %d users in %d pages, want 250 in 3", len(got), pages)
	}
	if fake.Calls("POST /api/v2/jobs/users-exports") != 0 {
		t.Fatal("a small tenant must not use the export job")
	}
	u := got[uid(35)] // the 35th: two orgs (35 % 7) and one (35 % 5) → two
	if len(u.Orgs) != 2 || u.Orgs[0].Name != "Acme Corp" || u.Email != "user00035@example.com" || u.Name != "User 00035" {
		t.Fatalf("user 35: %+v", u)
	}
	if got[uid(50)].Status != guise.StatusSuspended || got[uid(49)].Status != guise.StatusActive {
		t.Fatal("blocked users must be suspended, others active")
	}
	if got[uid(3)].Role != "admin" {
		t.Fatalf("app_metadata.role: %+v", got[uid(3)])
	}
}

func TestBigTenantSyncsThroughTheExportJobAndResumes(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	fake.AddUsers(2500, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	p, sl := newProvider(t, fake, "m2m-secret", nil)
	// Interrupt after 7 pages, as a closed window would, and resume with a
	// new provider (a new process) from the saved cursor.
	first, cursor, _ := syncAll(t, p, "", time.Time{}, 7)
	if len(first) != 700 || !strings.HasPrefix(cursor, "export:job_") || !strings.HasSuffix(cursor, ":700") {
		t.Fatalf("first part: %d users, cursor %q", len(first), cursor)
	}
	if len(sl.all()) == 0 {
		t.Fatal("the job was never waited on while processing")
	}
	p2, _ := newProvider(t, fake, "m2m-secret", nil)
	rest, _, _ := syncAll(t, p2, cursor, time.Time{}, 0)
	for id := range first {
		if _, dup := rest[id]; dup {
			t.Fatalf("%s synced twice across the resume", id)
		}
		rest[id] = first[id]
	}
	if len(rest) != 2500 {
		t.Fatalf("synced %d users, want 2500", len(rest))
	}
	if fake.Calls("POST /api/v2/jobs/users-exports") != 1 || fake.Calls("GET /exports/{file}") != 2 {
		t.Fatalf("export jobs %d, downloads %d; want 1 and 2", fake.Calls("POST /api/v2/jobs/users-exports"), fake.Calls("GET /exports/{file}"))
	}
	if rest[uid(2500)].Status != guise.StatusSuspended {
		t.Fatalf("the export must carry blocked: %+v", rest[uid(2500)])
	}
	if len(rest[uid(70)].Orgs) != 2 {
		t.Fatalf("organizations per exported user: %+v", rest[uid(70)])
	}
}

func TestIncrementalSyncPagesPastTheCapByRestartingTheWindow(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	users := fake.AddUsers(1500, base)
	since := base.Add(time.Hour * 24)
	for i, u := range users[:1200] {
		fake.Touch(u.UserID, since.Add(time.Duration(i+1)*time.Second))
	}
	p, _ := newProvider(t, fake, "m2m-secret", nil)
	got, _, _ := syncAll(t, p, "", since, 0)
	if len(got) != 1200 {
		t.Fatalf("incremental sync saw %d users, want the 1200 changed", len(got))
	}
	if fake.Calls("POST /api/v2/jobs/users-exports") != 0 {
		t.Fatal("an incremental sync must not export")
	}
	none, _, _ := syncAll(t, p, "", since.Add(2*time.Hour), 0)
	if len(none) != 0 {
		t.Fatalf("nothing changed since, got %d", len(none))
	}
}

func TestImpersonationThroughTheLegacyAPIAndAStopThatRevokesOnlyItsSession(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	users := fake.AddUsers(10, time.Now().Add(-time.Hour))
	target, agent := users[4], users[0]
	own := fake.AddSession(target.UserID, "APP", time.Now().Add(-time.Hour))          // the customer's own, earlier
	other := fake.AddSession(target.UserID, "OTHER_APP", time.Now().Add(time.Second)) // another application
	p, _ := newProvider(t, fake, "m2m-secret", nil)
	ctx := context.Background()
	st, err := p.StartImpersonation(ctx, guise.StartRequest{UserID: target.UserID, Agent: guise.Agent{Email: agent.Email}, Duration: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.URL, fake.URL+"/users/") || !strings.Contains(st.URL, "abc=") || st.Ref == "" || strings.Contains(st.Ref, "abc=") {
		t.Fatalf("started: %+v", st)
	}
	body := fake.LastImpBody
	params, _ := body["additionalParameters"].(map[string]any)
	if body["protocol"] != "oauth2" || body["impersonator_id"] != agent.UserID || body["client_id"] != "APP" ||
		params["response_type"] != "code" || params["scope"] != "openid" || params["state"] == "" {
		t.Fatalf("impersonate body: %v", body)
	}
	// The browser opens the one-time link: Auth0 creates the session.
	resp, err := http.Get(st.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// Later, the customer signs in to the same application themselves.
	later := fake.AddSession(target.UserID, "APP", time.Now().Add(10*time.Minute))
	live := fake.LiveSessions(target.UserID)
	if len(live) != 4 {
		t.Fatalf("sessions after sign-in: %+v", live)
	}
	stopped, err := p.StopImpersonation(ctx, st.Ref)
	if err != nil {
		t.Fatal(err)
	}
	live = fake.LiveSessions(target.UserID)
	kept := map[string]bool{}
	for _, l := range live {
		kept[l.ID] = true
	}
	if len(live) != 3 || !kept[own] || !kept[other] || !kept[later] {
		t.Fatalf("the stop must revoke only the impersonation's session, not the customer's own before or after: %+v", live)
	}
	if !strings.Contains(stopped.Detail, "revoked Auth0 session sess_") || !strings.Contains(stopped.Detail, "3 other session(s) were left alone") {
		t.Fatalf("detail: %q", stopped.Detail)
	}
	// A second stop finds nothing new to revoke and says so.
	again, err := p.StopImpersonation(ctx, st.Ref)
	if err != nil || !strings.Contains(again.Detail, "nothing was revoked") {
		t.Fatalf("second stop: %q %v", again.Detail, err)
	}
}

func TestTheGlobalClientIsUsedForImpersonationWhenSet(t *testing.T) {
	tn := tenant()
	tn.GlobalClientID, tn.GlobalClientSecret = "GLOBAL", "global-secret"
	fake := auth0fake.New(tn)
	defer fake.Close()
	users := fake.AddUsers(3, time.Now().Add(-time.Hour))
	ctx := context.Background()
	req := guise.StartRequest{UserID: users[1].UserID, Agent: guise.Agent{Email: "nobody@support.test"}, Duration: time.Minute}

	p, _ := newProvider(t, fake, "m2m-secret", map[string]string{"global_client_id": "GLOBAL", "impersonator_id": users[0].UserID})
	if _, err := p.StartImpersonation(ctx, req); guise.AsError(err).Field != "global_client_id" {
		t.Fatalf("no global secret: %v", err)
	}
	p, _ = newProvider(t, fake, "m2m-secret", map[string]string{"global_client_id": "GLOBAL", "impersonator_id": users[0].UserID}, auth0.WithGlobalSecret("global-secret"))
	if _, err := p.StartImpersonation(ctx, req); err != nil {
		t.Fatalf("with the global client: %v", err)
	}
	// The fake accepts only global tokens there: the management token is refused.
	p, _ = newProvider(t, fake, "m2m-secret", map[string]string{"impersonator_id": users[0].UserID})
	if _, err := p.StartImpersonation(ctx, req); guise.ErrorCode(err) != guise.EREFUSED {
		t.Fatalf("management token where a global one is needed: %v", err)
	}
	// Without impersonator_id and no tenant user with the agent's email, the message says what to set.
	p, _ = newProvider(t, fake, "m2m-secret", nil, auth0.WithGlobalSecret("global-secret"))
	if e := guise.AsError(func() error { _, err := p.StartImpersonation(ctx, req); return err }()); e.Field != "impersonator_id" {
		t.Fatalf("no impersonator: %+v", e)
	}
}

func TestATenantWithoutLegacyImpersonationRefusesAndStopsLocally(t *testing.T) {
	tn := tenant()
	tn.LegacyImpersonation, tn.SessionsAPI = false, false
	fake := auth0fake.New(tn)
	defer fake.Close()
	users := fake.AddUsers(3, time.Now().Add(-time.Hour))
	ctx := context.Background()
	p, _ := newProvider(t, fake, "m2m-secret", map[string]string{"impersonator_id": users[0].UserID})
	_, err := p.StartImpersonation(ctx, guise.StartRequest{UserID: users[1].UserID, Duration: time.Minute})
	e := guise.AsError(err)
	if e.Code != guise.EREFUSED || e.Rule != guise.RuleProviderUnsupported || !strings.Contains(e.Message, "deprecated") || !strings.Contains(e.Message, "Session Delegation") {
		t.Fatalf("refusal: %+v", e)
	}
	// Without read:tenant_settings the flag is unknown: the endpoint's 403 says the same.
	tn.Scopes = []string{"read:users", "read:organizations"}
	fake2 := auth0fake.New(tn)
	defer fake2.Close()
	users2 := fake2.AddUsers(3, time.Now().Add(-time.Hour))
	p2, _ := newProvider(t, fake2, "m2m-secret", map[string]string{"impersonator_id": users2[0].UserID})
	_, err = p2.StartImpersonation(ctx, guise.StartRequest{UserID: users2[1].UserID, Duration: time.Minute})
	if e := guise.AsError(err); e.Code != guise.EREFUSED || !strings.Contains(e.Message, "HTTP 403") {
		t.Fatalf("refusal from the endpoint: %+v", e)
	}

	expires := time.Date(2026, 3, 1, 15, 4, 0, 0, time.Local)
	ref := fmt.Sprintf("legacy:%d:%d:%s", expires.Add(-30*time.Minute).UnixMilli(), expires.UnixMilli(), users[1].UserID)
	st, err := p.StopImpersonation(ctx, ref)
	if err != nil || !strings.Contains(st.Detail, "no server-side stop on this plan") || !strings.Contains(st.Detail, "15:04") {
		t.Fatalf("local stop: %q %v", st.Detail, err)
	}
}

func TestAStopTheProviderCannotAnswerIsAnErrorToRetry(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	users := fake.AddUsers(2, time.Now().Add(-time.Hour))
	p, _ := newProvider(t, fake, "m2m-secret", nil)
	ref := fmt.Sprintf("legacy:%d:%d:%s", time.Now().UnixMilli(), time.Now().Add(time.Hour).UnixMilli(), users[0].UserID)
	fake.Throttle(100)
	if _, err := p.StopImpersonation(context.Background(), ref); guise.ErrorCode(err) != guise.ERATELIMIT {
		t.Fatalf("rate-limited stop: %v", err)
	}
}

func TestCheckReportsWhatTheTenantOffers(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	fake.AddUsers(1200, time.Now().Add(-time.Hour))
	p, _ := newProvider(t, fake, "m2m-secret", nil)
	res := p.Check(context.Background())
	text := fmt.Sprint(res)
	for _, want := range []string{"Management API token", "read:users", "1200 users", "users-export job", "available on this tenant", "revokes only the session"} {
		if !strings.Contains(text, want) {
			t.Errorf("check lacks %q: %s", want, text)
		}
	}
	for _, r := range res {
		if !r.OK {
			t.Errorf("%s failed: %s", r.Name, r.Detail)
		}
	}

	tn := tenant()
	tn.LegacyImpersonation, tn.SessionsAPI = false, false
	fake2 := auth0fake.New(tn)
	defer fake2.Close()
	fake2.AddUsers(5, time.Now().Add(-time.Hour))
	p2, _ := newProvider(t, fake2, "m2m-secret", nil)
	text = fmt.Sprint(p2.Check(context.Background()))
	for _, want := range []string{"not available: Auth0 deprecated", "not available on this plan"} {
		if !strings.Contains(text, want) {
			t.Errorf("check lacks %q: %s", want, text)
		}
	}
}

func TestActivityFollowsTheLogCheckpoint(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	for i := range 250 {
		user := "auth0|other"
		if i%10 == 0 {
			user = "auth0|target"
		}
		fake.AddLog(auth0fake.Log{Type: "s", UserID: user, ClientID: "APP", ClientName: "Acme App", Date: time.Now().Add(time.Duration(i) * time.Second)})
	}
	p, _ := newProvider(t, fake, "m2m-secret", nil)
	ctx := context.Background()
	got, cp, err := p.Activity(ctx, "", []string{"auth0|target"}, 2)
	if err != nil || len(got) != 20 || cp == "" {
		t.Fatalf("first 200 logs: %d events, checkpoint %q, %v", len(got), cp, err)
	}
	more, cp2, err := p.Activity(ctx, cp, []string{"auth0|target"}, 5)
	if err != nil || len(more) != 5 || cp2 <= cp || more[0].Client != "Acme App" {
		t.Fatalf("the rest: %d events, checkpoint %q, %v", len(more), cp2, err)
	}
	none, cp3, err := p.Activity(ctx, cp2, []string{"auth0|target"}, 5)
	if err != nil || len(none) != 0 || cp3 != cp2 {
		t.Fatalf("caught up: %d, %q, %v", len(none), cp3, err)
	}
}
