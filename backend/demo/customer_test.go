package demo

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// signedIn starts an impersonation of u and signs a fresh browser in with it.
func signedIn(t *testing.T, s *Server, req apiImpersonationRequest) (*browser, apiStarted) {
	t.Helper()
	var st apiStarted
	if resp := call(t, s, "POST", "/admin/v1/impersonations", req, &st); resp.StatusCode != http.StatusCreated {
		t.Fatalf("start = %d", resp.StatusCode)
	}
	if !strings.HasPrefix(st.URL, s.URL()+"/app/signin?ticket=") || !strings.HasPrefix(st.ID, "imp_") {
		t.Fatalf("started = %+v", st)
	}
	b := newBrowser(t)
	if code, body := b.get(st.URL); code != http.StatusSeeOther {
		t.Fatalf("sign-in = %d %s", code, body)
	}
	return b, st
}

func (b *browser) me(s *Server) (int, map[string]any) {
	b.t.Helper()
	code, body := b.get(s.URL() + "/api/me")
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		b.t.Fatalf("/api/me = %d %q", code, body)
	}
	return code, m
}

func TestSignInShowsStaffBarAndClaims(t *testing.T) {
	clk := newClock()
	s := startServer(t, Config{Users: 100, Now: clk.Now})
	u := findUser(t, allUsers(t, s, ""), "multi-org member", isMultiOrgMember)
	org := u.Organizations[1]
	b, st := signedIn(t, s, startReq(u, org.ID))

	var im apiImpersonation
	call(t, s, "GET", "/admin/v1/impersonations/"+st.ID, nil, &im)
	if im.Status != "active" || im.UserID != u.ID || im.OrgID != org.ID || im.Actor.Email != "agent@support.test" ||
		im.RevokedAt != nil || !im.ExpiresAt.Equal(clk.Now().Add(30*time.Minute)) {
		t.Fatalf("impersonation = %+v", im)
	}

	clk.Advance(90 * time.Second)
	code, page := b.get(s.URL() + "/app/")
	if code != 200 {
		t.Fatalf("/app/ = %d %s", code, page)
	}
	want := "Impersonated by agent@support.test · Customer cannot see invoices · SUP-1234 · " + org.Name + " · 28:30 left"
	if got := staffBar(t, page); got != want {
		t.Fatalf("staff bar = %q, want %q", got, want)
	}
	name := u.FirstName + " " + u.LastName
	if !strings.Contains(tagRE.ReplaceAllString(page, ""), "Signed in as "+name+" "+u.Email) {
		t.Fatalf("page does not say who is signed in:\n%s", page)
	}

	code, claims := b.me(s)
	act, _ := claims["act"].(map[string]any)
	if code != 200 || claims["sub"] != u.ID || claims["email"] != u.Email || claims["name"] != name ||
		claims["org_id"] != org.ID || claims["org_name"] != org.Name || claims["sid"] != st.ID ||
		claims["reason"] != "Customer cannot see invoices" || claims["ticket"] != "SUP-1234" ||
		claims["exp"] != float64(im.ExpiresAt.Unix()) || claims["iat"] != float64(clk.Now().Add(-90*time.Second).Unix()) ||
		act["sub"] != "agent:agent@support.test" || act["email"] != "agent@support.test" {
		t.Fatalf("/api/me = %d %v", code, claims)
	}
}

func TestStaffBarOmitsEmptyTicketAndOrgAndEscapes(t *testing.T) {
	clk := newClock()
	s := startServer(t, Config{Users: 100, Now: clk.Now})
	u := findUser(t, allUsers(t, s, ""), "single-org member", isSingleOrgMember)
	req := startReq(u, "")
	req.Actor.Ticket, req.Actor.Reason, req.DurationSeconds = "", "<b>bold</b> & co", 60
	b, _ := signedIn(t, s, req)
	_, page := b.get(s.URL() + "/app/")
	if strings.Contains(page, "<b>bold</b>") {
		t.Fatal("the reason reached the page unescaped")
	}
	bar := staffBar(t, page)
	if want := "Impersonated by agent@support.test · <b>bold</b> & co · 01:00 left"; bar != want {
		t.Fatalf("staff bar = %q, want %q", bar, want)
	}
}

func TestTicketIsSingleUse(t *testing.T) {
	s := startServer(t, Config{Users: 60})
	u := findUser(t, allUsers(t, s, ""), "single-org member", isSingleOrgMember)
	_, st := signedIn(t, s, startReq(u, ""))
	code, page := newBrowser(t).get(st.URL)
	if code != http.StatusBadRequest || !strings.Contains(page, "invalid or has expired") {
		t.Fatalf("second redeem = %d %s", code, page)
	}
	for _, bad := range []string{"/app/signin", "/app/signin?ticket=nope"} {
		if code, _ := newBrowser(t).get(s.URL() + bad); code != http.StatusBadRequest {
			t.Fatalf("%s = %d", bad, code)
		}
	}
}

func TestTicketExpiresAfterTwoMinutes(t *testing.T) {
	clk := newClock()
	s := startServer(t, Config{Users: 60, Now: clk.Now})
	u := findUser(t, allUsers(t, s, ""), "single-org member", isSingleOrgMember)
	var late, inTime apiStarted
	call(t, s, "POST", "/admin/v1/impersonations", startReq(u, ""), &late)
	clk.Advance(time.Second)
	call(t, s, "POST", "/admin/v1/impersonations", startReq(u, ""), &inTime)
	clk.Advance(2*time.Minute - time.Second) // late's ticket is exactly 2 minutes old
	code, page := newBrowser(t).get(late.URL)
	if code != http.StatusBadRequest || !strings.Contains(page, "invalid or has expired") {
		t.Fatalf("redeem after 2 minutes = %d %s", code, page)
	}
	if code, _ := newBrowser(t).get(inTime.URL); code != http.StatusSeeOther {
		t.Fatalf("redeem at 1m59s = %d", code)
	}
}

func TestRevokeEndsTheSession(t *testing.T) {
	s := startServer(t, Config{Users: 60})
	u := findUser(t, allUsers(t, s, ""), "single-org member", isSingleOrgMember)
	b, st := signedIn(t, s, startReq(u, ""))
	if code, _ := b.me(s); code != 200 {
		t.Fatalf("/api/me before revoke = %d", code)
	}

	var im apiImpersonation
	if resp := call(t, s, "POST", "/admin/v1/impersonations/"+st.ID+"/revoke", nil, &im); resp.StatusCode != 200 || im.Status != "revoked" || im.RevokedAt == nil {
		t.Fatalf("revoke = %d %+v", resp.StatusCode, im)
	}
	var again apiImpersonation
	if resp := call(t, s, "POST", "/admin/v1/impersonations/"+st.ID+"/revoke", nil, &again); resp.StatusCode != 200 || again.Status != "revoked" || !again.RevokedAt.Equal(*im.RevokedAt) {
		t.Fatalf("second revoke = %d %+v", resp.StatusCode, again)
	}

	code, body := b.me(s)
	if code != 401 || body["code"] != codeSessionEnded || body["message"] != "This impersonation has ended." {
		t.Fatalf("/api/me after revoke = %d %v", code, body)
	}
	// The 401 cleared the cookie, so ask again with a browser that kept it.
	b2, st2 := signedIn(t, s, startReq(u, ""))
	call(t, s, "POST", "/admin/v1/impersonations/"+st2.ID+"/revoke", nil, nil)
	if code, page := b2.get(s.URL() + "/app/"); code != 401 || !strings.Contains(page, "This impersonation has ended") {
		t.Fatalf("/app/ after revoke = %d %s", code, page)
	}
	if code, page := b2.get(s.URL() + "/app/"); code != 401 || !strings.Contains(page, "Not signed in") {
		t.Fatalf("/app/ once the cookie is cleared = %d %s", code, page)
	}

	var hist apiList[apiImpersonation]
	call(t, s, "GET", "/admin/v1/users/"+u.ID+"/impersonations", nil, &hist)
	if len(hist.Data) != 2 || hist.Data[0].ID != st2.ID || hist.Data[1].ID != st.ID {
		t.Fatalf("history = %+v, want newest first", hist.Data)
	}
}

func TestSessionExpires(t *testing.T) {
	clk := newClock()
	s := startServer(t, Config{Users: 60, Now: clk.Now})
	u := findUser(t, allUsers(t, s, ""), "single-org member", isSingleOrgMember)
	req := startReq(u, "")
	req.DurationSeconds = 60
	b, st := signedIn(t, s, req)
	clk.Advance(59 * time.Second)
	if code, _ := b.me(s); code != 200 {
		t.Fatalf("/api/me at 59 s = %d", code)
	}
	clk.Advance(time.Second)
	if code, body := b.me(s); code != 401 || body["code"] != codeSessionEnded {
		t.Fatalf("/api/me at expiry = %d %v", code, body)
	}
	var im apiImpersonation
	call(t, s, "GET", "/admin/v1/impersonations/"+st.ID, nil, &im)
	if im.Status != "expired" {
		t.Fatalf("status = %q, want expired", im.Status)
	}
	// Revoking an expired impersonation is a no-op that succeeds.
	if resp := call(t, s, "POST", "/admin/v1/impersonations/"+st.ID+"/revoke", nil, &im); resp.StatusCode != 200 || im.Status != "expired" || im.RevokedAt != nil {
		t.Fatalf("revoke after expiry = %d %+v", resp.StatusCode, im)
	}
}

func TestSignInToAnEndedImpersonation(t *testing.T) {
	s := startServer(t, Config{Users: 60})
	u := findUser(t, allUsers(t, s, ""), "single-org member", isSingleOrgMember)
	var st apiStarted
	call(t, s, "POST", "/admin/v1/impersonations", startReq(u, ""), &st)
	call(t, s, "POST", "/admin/v1/impersonations/"+st.ID+"/revoke", nil, nil)
	if code, page := newBrowser(t).get(st.URL); code != 401 || !strings.Contains(page, "This impersonation has ended") {
		t.Fatalf("sign-in after revoke = %d %s", code, page)
	}
}

func TestSuspendingTheUserEndsTheirSessions(t *testing.T) {
	s := startServer(t, Config{Users: 60})
	u := findUser(t, allUsers(t, s, ""), "single-org member", isSingleOrgMember)
	b, st := signedIn(t, s, startReq(u, ""))
	call(t, s, "PATCH", "/admin/v1/users/"+u.ID, map[string]string{"status": statusSuspend}, nil)
	if code, body := b.me(s); code != 401 || body["code"] != codeSessionEnded {
		t.Fatalf("/api/me after suspension = %d %v", code, body)
	}
	var im apiImpersonation
	call(t, s, "GET", "/admin/v1/impersonations/"+st.ID, nil, &im)
	if im.Status != "revoked" {
		t.Fatalf("status = %q, want revoked", im.Status)
	}
}

func TestNotSignedIn(t *testing.T) {
	s := startServer(t, Config{Users: 10})
	b := newBrowser(t)
	if code, page := b.get(s.URL() + "/app/"); code != 401 || !strings.Contains(page, "Not signed in") {
		t.Fatalf("/app/ = %d %s", code, page)
	}
	if code, body := b.me(s); code != 401 || body["code"] != codeUnauthorized {
		t.Fatalf("/api/me = %d %v", code, body)
	}
	// A forged cookie is no session.
	forged, _ := signJWT(sessionClaims{Sub: "user_000001", EXP: time.Now().Add(time.Hour).Unix()}, []byte("not the secret"))
	req, _ := http.NewRequest("GET", s.URL()+"/api/me", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: forged})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("forged cookie = %d", resp.StatusCode)
	}
}
