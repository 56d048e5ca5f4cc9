package asgardeofake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v3"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// restError is the REST APIs' error body.
func restError(w http.ResponseWriter, status int, code, msg, desc string) {
	writeJSON(w, status, map[string]string{"code": code, "message": msg, "description": desc, "traceId": uuid()})
}

// scimError is SCIM's error body; status is a string.
func scimError(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"schemas": "urn:ietf:params:scim:api:messages:2.0:Error", "detail": detail, "status": strconv.Itoa(status)})
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// clientAuth checks HTTP Basic (or client_secret_post) credentials.
func (s *Server) clientAuth(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == s.t.ClientID && secret == s.t.ClientSecret && id != ""
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request", "The request body could not be read.")
		return
	}
	if !s.clientAuth(r) {
		oauthError(w, 401, "invalid_client", "Client Authentication failed.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := r.PostForm
	switch f.Get("grant_type") {
	case "client_credentials":
		var granted []string
		for _, sc := range strings.Fields(f.Get("scope")) {
			if slices.Contains(s.t.Scopes, sc) {
				granted = append(granted, sc)
			}
		}
		tok := uuid()
		s.cc[tok] = granted
		writeJSON(w, 200, map[string]any{"access_token": tok, "scope": strings.Join(granted, " "), "token_type": "Bearer", "expires_in": 3600})
	case "urn:ietf:params:oauth:grant-type:token-exchange":
		s.exchange(w, f)
	case "organization_switch":
		s.orgSwitch(w, f)
	default:
		oauthError(w, 400, "unsupported_grant_type", "Unsupported grant_type value")
	}
}

func (s *Server) exchange(w http.ResponseWriter, f url.Values) {
	if s.t.NoTokenExchange {
		oauthError(w, 400, "unauthorized_client", "The authenticated client is not authorized to use this authorization grant type.")
		return
	}
	if f.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:jwt" || f.Get("actor_token_type") != "urn:ietf:params:oauth:token-type:id_token" ||
		f.Get("requested_token_type") != "urn:ietf:params:oauth:token-type:access_token" {
		oauthError(w, 400, "invalid_request", "Unsupported token type.")
		return
	}
	g, ok := s.subjects[f.Get("subject_token")]
	actor, aok := s.idTokens[f.Get("actor_token")]
	switch {
	case !ok || g.used:
		oauthError(w, 400, "invalid_grant", "Invalid subject token.")
		return
	case !aok || actor != g.mayAct:
		oauthError(w, 400, "invalid_grant", "The actor is not permitted to act on behalf of the subject.")
		return
	}
	g.used = true
	act := actor
	if s.t.WrongActor {
		act = "00000000-0000-4000-8000-00000000dead"
	}
	scope := "internal_login internal_user_mgt_list internal_user_mgt_view"
	tok := s.sign(map[string]any{"sub": g.sub, "act": map[string]string{"sub": act}, "aut": "APPLICATION_USER", "client_id": s.t.ClientID,
		"aud": s.t.ClientID, "azp": s.t.ClientID, "org_name": s.t.Org, "org_id": "10084a8d-113f-4211-a0d5-efe36b082211", "scope": scope}, "at+jwt")
	s.issued = append(s.issued, &Issued{Token: tok, Sub: g.sub, Act: act})
	s.addSession(g.sub, "Guise", time.Now()) // the impersonated session (assumed; see the package doc)
	writeJSON(w, 200, map[string]any{"access_token": tok, "issued_token_type": "urn:ietf:params:oauth:token-type:access_token", "scope": scope, "token_type": "Bearer", "expires_in": 3600})
}

func (s *Server) orgSwitch(w http.ResponseWriter, f url.Values) {
	var from *Issued
	for _, x := range s.issued {
		if x.Token == f.Get("token") && !x.Revoked && x.OrgID == "" {
			from = x
		}
	}
	if from == nil {
		oauthError(w, 400, "invalid_grant", "Invalid token.")
		return
	}
	org := f.Get("switching_organization")
	u := s.user(from.Sub)
	if u == nil || !slices.ContainsFunc(u.Orgs, func(o Org) bool { return o.ID == org }) {
		oauthError(w, 400, "invalid_grant", "The user is not a member of organization "+org+".")
		return
	}
	tok := s.sign(map[string]any{"sub": from.Sub, "act": map[string]string{"sub": from.Act}, "aut": "APPLICATION_USER", "client_id": s.t.ClientID,
		"aud": s.t.ClientID, "org_id": org, "user_org": "10084a8d-113f-4211-a0d5-efe36b082211", "scope": f.Get("scope")}, "at+jwt")
	s.issued = append(s.issued, &Issued{Token: tok, Sub: from.Sub, Act: from.Act, OrgID: org})
	writeJSON(w, 200, map[string]any{"access_token": tok, "scope": f.Get("scope"), "token_type": "Bearer", "expires_in": 3600})
}

// authorize plays Asgardeo's sign-in with the impersonator already signed in.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("client_id") != s.t.ClientID || err != nil || redirect.Hostname() != "127.0.0.1" || redirect.Path != "/callback" {
		w.WriteHeader(400) // Asgardeo shows an error page; it never redirects to an unregistered URI
		fmt.Fprint(w, "<html><body>Invalid client or redirect URI</body></html>")
		return
	}
	back := func(v url.Values) {
		v.Set("state", q.Get("state"))
		redirect.RawQuery = v.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	}
	scopes := strings.FieldsFunc(q.Get("scope"), func(r rune) bool { return r == ' ' || r == ',' })
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case q.Get("response_type") != "id_token subject_token" && q.Get("response_type") != "subject_token":
		back(url.Values{"error": {"unsupported_response_type"}, "error_description": {"Unsupported response type."}})
	case q.Get("nonce") == "" && strings.Contains(q.Get("response_type"), "id_token"):
		back(url.Values{"error": {"invalid_request"}, "error_description": {"nonce is required for the id_token response type."}})
	case s.t.NoImpersonationAPI || !slices.Contains(scopes, "internal_user_impersonate"):
		back(url.Values{"error": {"invalid_scope"}, "error_description": {"The application is not authorized for the scope internal_user_impersonate."}})
	case !slices.Contains(s.t.Impersonators, s.t.AgentID):
		back(url.Values{"error": {"access_denied"}, "error_description": {"Impersonation request denied: the user does not have the impersonator role."}})
	case s.user(q.Get("requested_subject")) == nil:
		back(url.Values{"error": {"invalid_request"}, "error_description": {"Invalid requested_subject."}})
	default:
		sub := q.Get("requested_subject")
		idt := s.sign(map[string]any{"sub": s.t.AgentID, "aud": s.t.ClientID, "azp": s.t.ClientID, "nonce": q.Get("nonce"), "amr": []string{"BasicAuthenticator"}}, "jwt")
		st := s.sign(map[string]any{"sub": sub, "aud": s.t.ClientID, "azp": s.t.ClientID, "client_id": s.t.ClientID,
			"may_act": map[string]string{"sub": s.t.AgentID}, "scope": "internal_login internal_user_mgt_list internal_user_mgt_view"}, "jwt")
		s.idTokens[idt] = s.t.AgentID
		s.subjects[st] = &subjectGrant{sub: sub, mayAct: s.t.AgentID}
		s.addSession(s.t.AgentID, "Guise", time.Now()) // the agent's own sign-in
		back(url.Values{"id_token": {idt}, "subject_token": {st}, "session_state": {hexID(16)}})
	}
}

func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &s.key.PublicKey, KeyID: s.kid, Algorithm: "RS256", Use: "sig"}}})
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !s.clientAuth(r) {
		oauthError(w, 401, "invalid_client", "Client Authentication failed.")
		return
	}
	tok := r.PostForm.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cc, tok)
	for _, x := range s.issued {
		if x.Token == tok {
			x.Revoked = true
		}
	}
	w.WriteHeader(200) // RFC 7009: 200, also for unknown tokens
}

// bearer checks the management token and its scopes; false means answered.
func (s *Server) bearer(w http.ResponseWriter, r *http.Request, scim bool, need ...string) bool {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	scopes, ok := s.cc[tok]
	s.mu.Unlock()
	switch {
	case !ok && scim:
		scimError(w, 401, "Authorization failure. Authorization information was invalid or missing from your request.")
	case !ok:
		restError(w, 401, "AUT-10001", "Unauthorized", "Authorization information was invalid or missing from your request.")
	case !hasAll(scopes, need...) && scim:
		scimError(w, 403, "Operation is not permitted. You do not have permissions to make this request.")
	case !hasAll(scopes, need...):
		restError(w, 403, "AUT-10002", "Operation is not permitted.", "You do not have permissions to make this request.")
	default:
		return true
	}
	return false
}

func (s *Server) scimUser(u *User, i int) map[string]any {
	var emails []any
	if u.Email != "" {
		if i%2 == 0 { // both shapes the docs show
			emails = []any{u.Email}
		} else {
			emails = []any{map[string]any{"value": u.Email, "primary": true}}
		}
	}
	return map[string]any{
		"id": u.ID, "userName": "DEFAULT/" + u.UserName, "name": map[string]string{"givenName": u.GivenName, "familyName": u.FamilyName},
		"emails": emails, "schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"meta": map[string]string{"created": u.Created.UTC().Format(time.RFC3339), "lastModified": u.Modified.UTC().Format(time.RFC3339),
			"location": s.Base() + "/scim2/Users/" + u.ID, "resourceType": "User"},
		"urn:scim:wso2:schema": map[string]any{"accountLocked": strconv.FormatBool(u.Locked)},
	}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	if !s.bearer(w, r, true, "internal_user_mgt_list") {
		return
	}
	q := r.URL.Query()
	start, count := 1, 100
	if v := q.Get("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			scimError(w, 400, "startIndex must be a number.")
			return
		}
		start = max(n, 1)
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			scimError(w, 400, "count must be a non-negative number.")
			return
		}
		count = min(n, 100) // organizations created after 2024-11-19
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res := []any{}
	for i := start - 1; i < len(s.users) && len(res) < count; i++ {
		res = append(res, s.scimUser(s.users[i], i))
	}
	w.Header().Set("Content-Type", "application/scim+json")
	_ = json.NewEncoder(w).Encode(map[string]any{"totalResults": len(s.users), "startIndex": start, "itemsPerPage": len(res),
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, "Resources": res})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	if !s.bearer(w, r, true, "internal_user_mgt_view") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, u := range s.users {
		if u.ID == r.PathValue("id") {
			w.Header().Set("Content-Type", "application/scim+json")
			_ = json.NewEncoder(w).Encode(s.scimUser(u, i))
			return
		}
	}
	scimError(w, 404, "No user with the id : "+r.PathValue("id")+" in the user store.")
}

func (s *Server) sharedOrgs(w http.ResponseWriter, r *http.Request) {
	if !s.bearer(w, r, false, "internal_user_shared_access_view") {
		return
	}
	limit := 15
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 {
		limit = min(n, 100)
	}
	from := 0
	if a := r.URL.Query().Get("after"); a != "" {
		b, err := base64.RawURLEncoding.DecodeString(a)
		if n, err2 := strconv.Atoi(string(b)); err != nil || err2 != nil || n < 0 {
			restError(w, 400, "ORG-60002", "Invalid cursor.", "The after cursor is not valid.")
			return
		} else {
			from = n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.user(r.PathValue("id"))
	if u == nil {
		restError(w, 404, "ORG-60010", "User not found.", "No user with id "+r.PathValue("id")+".")
		return
	}
	out := []map[string]string{}
	for i := from; i < len(u.Orgs) && len(out) < limit; i++ {
		o := u.Orgs[i]
		out = append(out, map[string]string{"orgId": o.ID, "orgName": o.Name, "sharedUserId": uuid(), "sharedType": "INVITED",
			"rolesRef": "/api/server/v1/users/" + u.ID + "/shared-roles?orgId=" + o.ID})
	}
	links := []map[string]string{}
	if next := from + len(out); next < len(u.Orgs) {
		after := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(next)))
		links = append(links, map[string]string{"href": fmt.Sprintf("/t/%s/api/server/v1/users/%s/shared-organizations?limit=%d&after=%s", s.t.Org, u.ID, limit, after), "rel": "next"})
	}
	writeJSON(w, 200, map[string]any{"links": links, "sharedOrganizations": out})
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	if !s.bearer(w, r, false, "internal_session_view") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	out := []map[string]any{}
	for _, x := range s.sessions {
		if x.UserID == id && !x.Ended {
			ms := strconv.FormatInt(x.LoginTime.UnixMilli(), 10)
			out = append(out, map[string]any{"id": x.ID, "applications": []map[string]string{{"id": uuid(), "subject": id, "appName": x.App, "appId": "4"}},
				"userAgent": "Mozilla/5.0", "ip": "198.51.100.7", "loginTime": ms, "lastAccessTime": ms})
		}
	}
	writeJSON(w, 200, map[string]any{"userId": id, "sessions": out})
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	if !s.bearer(w, r, false, "internal_session_delete") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.sessions {
		if x.ID == r.PathValue("sid") && x.UserID == r.PathValue("id") && !x.Ended {
			x.Ended = true
			w.WriteHeader(204)
			return
		}
	}
	restError(w, 404, "USS-10001", "Session not found.", "No session "+r.PathValue("sid")+" for the user.")
}

// page stands for My Account and the business application.
func (s *Server) page(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprint(w, "<html><body>Signed in</body></html>")
}

// Browse plays the browser's part of a sign-in: it GETs the authorize URL
// and follows its redirect to the loopback callback. It returns the
// callback's status, or an error when the authorize endpoint did not redirect.
func Browse(authURL string) (int, error) {
	loc, err := Authorize(authURL)
	if err != nil {
		return 0, err
	}
	resp, err := http.Get(loc)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Authorize GETs the authorize URL and returns where it redirects, without going there.
func Authorize(authURL string) (string, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	resp, err := c.Get(authURL)
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("authorize answered HTTP %d", resp.StatusCode)
	}
	return resp.Header.Get("Location"), nil
}
