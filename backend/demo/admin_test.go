package demo

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestPaginationWalksEveryUserOnceInOrder(t *testing.T) {
	const n = 1234
	s := startServer(t, Config{Users: n})
	users := allUsers(t, s, "")
	if len(users) != n {
		t.Fatalf("walked %d users, want %d", len(users), n)
	}
	seen := map[string]bool{}
	for i, u := range users {
		if seen[u.ID] {
			t.Fatalf("user %s twice", u.ID)
		}
		seen[u.ID] = true
		if i > 0 {
			p := users[i-1]
			if u.UpdatedAt.Before(p.UpdatedAt) || (u.UpdatedAt.Equal(p.UpdatedAt) && u.ID <= p.ID) {
				t.Fatalf("users out of (updated_at, id) order at %d: %s then %s", i, p.ID, u.ID)
			}
		}
		if len(u.Organizations) == 0 || u.Organizations[0].Name == "" || u.Organizations[0].Role == "" {
			t.Fatalf("user %s has no inline organizations: %+v", u.ID, u.Organizations)
		}
	}
	if users[0].ID != "user_000001" || users[n-1].ID != "user_001234" {
		t.Fatalf("first/last = %s/%s", users[0].ID, users[n-1].ID)
	}
}

func TestListRejectsBadParameters(t *testing.T) {
	s := startServer(t, Config{Users: 120})
	var orgs apiPage[apiOrg]
	call(t, s, "GET", "/admin/v1/organizations?limit=1", nil, &orgs)
	if orgs.NextCursor == nil {
		t.Fatal("orgs page of 1 has no next cursor")
	}
	for _, path := range []string{
		"/admin/v1/users?limit=101",
		"/admin/v1/users?limit=0",
		"/admin/v1/users?limit=ten",
		"/admin/v1/users?cursor=%21%21not-base64",
		"/admin/v1/users?cursor=" + encodeCursor("u", "notanumber", "user_000001"),
		"/admin/v1/users?cursor=" + url.QueryEscape(*orgs.NextCursor), // an orgs cursor
		"/admin/v1/users?updated_after=yesterday",
		"/admin/v1/organizations?limit=500",
		"/admin/v1/organizations?cursor=zzz",
		"/admin/v1/events?cursor=zzz",
	} {
		wantError(t, s, "GET", path, nil, http.StatusBadRequest, codeInvalid)
	}
	var page apiPage[apiUser]
	call(t, s, "GET", "/admin/v1/users?limit=100", nil, &page)
	if len(page.Data) != 100 || page.NextCursor == nil {
		t.Fatalf("limit=100 gave %d users, next %v", len(page.Data), page.NextCursor)
	}
	call(t, s, "GET", "/admin/v1/users", nil, &page)
	if len(page.Data) != defaultLimit {
		t.Fatalf("default page has %d users, want %d", len(page.Data), defaultLimit)
	}
}

func TestUpdatedAfterReturnsOnlyChangedUsers(t *testing.T) {
	s := startServer(t, Config{Users: 150})
	users := allUsers(t, s, "")
	high := users[len(users)-1].UpdatedAt
	since := "&updated_after=" + url.QueryEscape(high.Format(time.RFC3339Nano))
	if got := allUsers(t, s, since); len(got) != 0 {
		t.Fatalf("nothing changed, yet %d users after the high-water mark", len(got))
	}

	target := users[6]
	var patched apiUser
	resp := call(t, s, "PATCH", "/admin/v1/users/"+target.ID, map[string]string{"status": statusSuspend, "first_name": "Renamed"}, &patched)
	if resp.StatusCode != 200 || patched.Status != statusSuspend || patched.FirstName != "Renamed" || !patched.UpdatedAt.After(high) {
		t.Fatalf("PATCH = %d %+v", resp.StatusCode, patched)
	}
	got := allUsers(t, s, since)
	if len(got) != 1 || got[0].ID != target.ID || got[0].Status != statusSuspend {
		t.Fatalf("after the PATCH, updated_after gave %+v, want only %s", got, target.ID)
	}
	// A cursor older than updated_after must not bring back older users.
	var first apiPage[apiUser]
	call(t, s, "GET", "/admin/v1/users?limit=1", nil, &first)
	var mixed apiPage[apiUser]
	call(t, s, "GET", "/admin/v1/users?limit=100&cursor="+*first.NextCursor+since, nil, &mixed)
	if len(mixed.Data) != 1 || mixed.Data[0].ID != target.ID {
		t.Fatalf("cursor+updated_after gave %d users", len(mixed.Data))
	}

	wantError(t, s, "PATCH", "/admin/v1/users/"+target.ID, map[string]string{"role": "owner"}, 400, codeInvalid)
	wantError(t, s, "PATCH", "/admin/v1/users/"+target.ID, map[string]string{"colour": "red"}, 400, codeInvalid)
	wantError(t, s, "PATCH", "/admin/v1/users/"+target.ID, map[string]string{}, 400, codeInvalid)
	wantError(t, s, "PATCH", "/admin/v1/users/"+target.ID, map[string]string{"email": users[0].Email}, 409, codeConflict)
	wantError(t, s, "PATCH", "/admin/v1/users/user_999999", map[string]string{"role": "admin"}, 404, codeNotFound)
}

func TestDeleteUser(t *testing.T) {
	s := startServer(t, Config{Users: 60})
	if resp := call(t, s, "DELETE", "/admin/v1/users/user_000003", nil, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE = %d", resp.StatusCode)
	}
	wantError(t, s, "GET", "/admin/v1/users/user_000003", nil, 404, codeNotFound)
	wantError(t, s, "DELETE", "/admin/v1/users/user_000003", nil, 404, codeNotFound)
	wantError(t, s, "GET", "/admin/v1/users/user_000003/memberships", nil, 404, codeNotFound)
	if got := allUsers(t, s, ""); len(got) != 59 {
		t.Fatalf("%d users after a delete, want 59", len(got))
	}
	var events apiPage[apiEvent]
	call(t, s, "GET", "/admin/v1/events", nil, &events)
	if len(events.Data) != 1 || events.Data[0].Type != "user.deleted" || string(events.Data[0].Data) != `{"user_id":"user_000003"}` {
		t.Fatalf("events = %+v", events.Data)
	}
}

func TestUserAndMemberships(t *testing.T) {
	s := startServer(t, Config{Users: 50})
	users := allUsers(t, s, "")
	multi := findUser(t, users, "multi-org member", isMultiOrgMember)
	var u apiUser
	call(t, s, "GET", "/admin/v1/users/"+multi.ID, nil, &u)
	if u.ID != multi.ID || len(u.Organizations) != len(multi.Organizations) || u.Metadata["plan"] == "" {
		t.Fatalf("GET user = %+v", u)
	}
	var ms apiList[apiMembership]
	call(t, s, "GET", "/admin/v1/users/"+multi.ID+"/memberships", nil, &ms)
	if len(ms.Data) != len(u.Organizations) {
		t.Fatalf("memberships = %+v, organizations = %+v", ms.Data, u.Organizations)
	}
	for i, m := range ms.Data {
		if o := u.Organizations[i]; m.OrganizationID != o.ID || m.OrganizationName != o.Name || m.Role != o.Role {
			t.Fatalf("membership %+v != organization %+v", m, o)
		}
	}
	wantError(t, s, "GET", "/admin/v1/users/nobody", nil, 404, codeNotFound)
	wantError(t, s, "GET", "/admin/v1/no-such-endpoint", nil, 404, codeNotFound)
}

func TestOrganizationsPaginate(t *testing.T) {
	s := startServer(t, Config{Users: 10, Orgs: 45})
	var ids []string
	for _, o := range walk[apiOrg](t, s, "/admin/v1/organizations?limit=20") {
		if o.Name == "" || o.Domain == "" || o.CreatedAt.IsZero() {
			t.Fatalf("org %+v is incomplete", o)
		}
		ids = append(ids, o.ID)
	}
	if len(ids) != 45 || ids[0] != "org_0001" || ids[44] != "org_0045" || !slices.IsSorted(ids) {
		t.Fatalf("orgs = %v", ids)
	}
}

func TestAdminAuth(t *testing.T) {
	s := startServer(t, Config{Users: 10})
	for _, key := range []string{"", "demo_sk_wrong"} {
		var e apiErrorBody
		resp := callKey(t, s, key, "GET", "/admin/v1/users", nil, &e)
		if resp.StatusCode != 401 || e.Code != codeUnauthorized || e.Message == "" {
			t.Fatalf("key %q: %d %+v", key, resp.StatusCode, e)
		}
	}
	var h map[string]any
	if resp := callKey(t, s, "", "GET", "/healthz", nil, &h); resp.StatusCode != 200 || h["ok"] != true || h["name"] != "guise-demo" {
		t.Fatalf("healthz = %d %v", resp.StatusCode, h)
	}
}

func TestRateLimit(t *testing.T) {
	clk := newClock()
	s := startServer(t, Config{Users: 10, RateLimit: 2, Now: clk.Now})
	for i := range 2 {
		resp := call(t, s, "GET", "/admin/v1/users?limit=1", nil, nil)
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != strconv.Itoa(1-i) ||
			h.Get("X-RateLimit-Reset") != strconv.FormatInt(clk.Now().Unix()+1, 10) {
			t.Fatalf("request %d: %d %v", i, resp.StatusCode, h)
		}
	}
	var e apiErrorBody
	resp := call(t, s, "GET", "/admin/v1/users?limit=1", nil, &e)
	if resp.StatusCode != 429 || e.Code != codeRateLimited || resp.Header.Get("Retry-After") != "1" || resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("third request: %d %+v %v", resp.StatusCode, e, resp.Header)
	}
	clk.Advance(time.Second)
	if resp := call(t, s, "GET", "/admin/v1/users?limit=1", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("next window: %d", resp.StatusCode)
	}
}

func TestImpersonationValidation(t *testing.T) {
	s := startServer(t, Config{Users: 100})
	users := allUsers(t, s, "")
	suspended := findUser(t, users, "suspended user", func(u apiUser) bool { return u.Status == statusSuspend })
	single := findUser(t, users, "single-org member", isSingleOrgMember)
	other := findUser(t, users, "user of another org", func(u apiUser) bool { return !hasOrg(single, u.Organizations[0].ID) })

	post := func(req apiImpersonationRequest, status int, code string) {
		t.Helper()
		wantError(t, s, "POST", "/admin/v1/impersonations", req, status, code)
	}
	post(startReq(suspended, ""), 422, codeSuspended)
	post(startReq(single, other.Organizations[0].ID), 422, codeOrgNotMember)
	post(startReq(apiUser{ID: "user_999999"}, ""), 404, codeNotFound)
	for _, mutate := range []func(*apiImpersonationRequest){
		func(r *apiImpersonationRequest) { r.Actor.Reason = "  " },
		func(r *apiImpersonationRequest) { r.Actor.Email = "" },
		func(r *apiImpersonationRequest) { r.UserID = "" },
		func(r *apiImpersonationRequest) { r.DurationSeconds = 59 },
		func(r *apiImpersonationRequest) { r.DurationSeconds = 86401 },
	} {
		req := startReq(single, "")
		mutate(&req)
		post(req, 400, codeInvalid)
	}
	var ok apiStarted
	if resp := call(t, s, "POST", "/admin/v1/impersonations", startReq(single, single.Organizations[0].ID), &ok); resp.StatusCode != 201 {
		t.Fatalf("valid start = %d", resp.StatusCode)
	}
	wantError(t, s, "GET", "/admin/v1/impersonations/imp_nope", nil, 404, codeNotFound)
	wantError(t, s, "POST", "/admin/v1/impersonations/imp_nope/revoke", nil, 404, codeNotFound)
	wantError(t, s, "GET", "/admin/v1/users/user_999999/impersonations", nil, 404, codeNotFound)
}

func TestEventsRecordTheLifecycle(t *testing.T) {
	s := startServer(t, Config{Users: 60})
	users := allUsers(t, s, "")
	u := findUser(t, users, "single-org member", isSingleOrgMember)
	var st apiStarted
	call(t, s, "POST", "/admin/v1/impersonations", startReq(u, ""), &st)
	if code, _ := newBrowser(t).get(st.URL); code != http.StatusSeeOther {
		t.Fatalf("sign-in = %d", code)
	}
	call(t, s, "POST", "/admin/v1/impersonations/"+st.ID+"/revoke", nil, nil)
	call(t, s, "PATCH", "/admin/v1/users/"+u.ID, map[string]string{"last_name": "Changed"}, nil)
	call(t, s, "DELETE", "/admin/v1/users/"+u.ID, nil, nil)

	var types []string
	for _, e := range walk[apiEvent](t, s, "/admin/v1/events?limit=2") {
		types = append(types, e.Type)
	}
	want := []string{"impersonation.created", "impersonation.ticket_redeemed", "impersonation.revoked", "user.updated", "user.deleted"}
	if !slices.Equal(types, want) {
		t.Fatalf("events = %v, want %v", types, want)
	}
	// The deleted user's impersonations stay readable.
	var hist apiList[apiImpersonation]
	if resp := call(t, s, "GET", "/admin/v1/users/"+u.ID+"/impersonations", nil, &hist); resp.StatusCode != 200 || len(hist.Data) != 1 {
		t.Fatalf("history of a deleted user = %d %+v", resp.StatusCode, hist)
	}
}
