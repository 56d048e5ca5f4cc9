package auth0fake

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var body map[string]string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if json.NewDecoder(r.Body).Decode(&body) != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Invalid JSON"})
			return
		}
	} else {
		_ = r.ParseForm()
		body = map[string]string{}
		for k := range r.PostForm {
			body[k] = r.PostForm.Get(k)
		}
	}
	if body["grant_type"] != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "Unsupported grant type"})
		return
	}
	id, secret := body["client_id"], body["client_secret"]
	switch {
	case s.t.GlobalClientID != "" && id == s.t.GlobalClientID && secret == s.t.GlobalClientSecret:
		tok := "glb_" + randHex(16)
		s.tokens[tok], s.global[tok] = nil, true
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": 86400, "token_type": "Bearer"})
	case id != s.t.ClientID || secret != s.t.ClientSecret:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "access_denied", "error_description": "Unauthorized"})
	case body["audience"] != "https://"+s.t.Domain+"/api/v2/":
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "access_denied", "error_description": fmt.Sprintf("Service not found: %s", body["audience"])})
	default:
		tok := "eyJ" + randHex(24)
		s.tokens[tok] = s.t.Scopes
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "scope": strings.Join(s.t.Scopes, " "), "expires_in": 86400, "token_type": "Bearer"})
	}
}

// reRange is the v3 range query on updated_at Guise sends; reEmail the exact email match.
var (
	reRange = regexp.MustCompile(`^updated_at:([\[{])(\S+) TO \*\]$`)
	reEmail = regexp.MustCompile(`^email:"([^"]+)"$`)
)

func (s *Server) listUsers(w http.ResponseWriter, q url.Values) {
	page, perPage := 0, 50
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if v := q.Get("per_page"); v != "" {
		perPage, _ = strconv.Atoi(v)
	}
	if perPage < 1 || perPage > 100 || page < 0 {
		apiError(w, http.StatusBadRequest, "Query validation error: 'per_page' must be between 1 and 100.", "invalid_query_string")
		return
	}
	if (page+1)*perPage > 1000 {
		apiError(w, http.StatusBadRequest, "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation", "invalid_paging")
		return
	}
	match := func(*User) bool { return true }
	if qs := q.Get("q"); qs != "" {
		if m := reRange.FindStringSubmatch(qs); m != nil {
			from, err := time.Parse(time.RFC3339Nano, m[2])
			if err != nil {
				apiError(w, http.StatusBadRequest, "Query validation error: invalid date "+m[2], "invalid_query_string")
				return
			}
			inclusive := m[1] == "["
			match = func(u *User) bool { return u.UpdatedAt.After(from) || (inclusive && u.UpdatedAt.Equal(from)) }
		} else if m := reEmail.FindStringSubmatch(qs); m != nil {
			match = func(u *User) bool { return strings.EqualFold(u.Email, m[1]) }
		} else {
			apiError(w, http.StatusBadRequest, "The fake understands only updated_at ranges and email matches: "+qs, "invalid_query_string")
			return
		}
	}
	var all []*User
	for _, u := range s.users {
		if match(u) {
			all = append(all, u)
		}
	}
	switch q.Get("sort") {
	case "updated_at:1":
		slices.SortStableFunc(all, func(a, b *User) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	case "", "created_at:1":
	default:
		apiError(w, http.StatusBadRequest, "The fake cannot sort by "+q.Get("sort"), "invalid_query_string")
		return
	}
	lo, hi := min(page*perPage, len(all)), min((page+1)*perPage, len(all))
	users := all[lo:hi]
	if users == nil {
		users = []*User{}
	}
	if q.Get("include_totals") == "true" {
		writeJSON(w, http.StatusOK, map[string]any{"start": lo, "limit": perPage, "length": len(users), "total": len(all), "users": users})
		return
	}
	writeJSON(w, http.StatusOK, users)
}

func (s *Server) userOrgs(w http.ResponseWriter, q url.Values, id string) {
	u := s.user(id)
	if u == nil {
		apiError(w, http.StatusNotFound, "The user does not exist.", "inexistent_user")
		return
	}
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if perPage <= 0 {
		perPage = 50
	}
	lo, hi := min(page*perPage, len(u.Orgs)), min((page+1)*perPage, len(u.Orgs))
	orgs := append([]Org{}, u.Orgs[lo:hi]...)
	for i := range orgs {
		orgs[i].Metadata = map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"start": lo, "limit": perPage, "total": len(u.Orgs), "organizations": orgs})
}

func (s *Server) userSessions(w http.ResponseWriter, q url.Values, id string) {
	if s.user(id) == nil {
		apiError(w, http.StatusNotFound, "The user does not exist.", "inexistent_user")
		return
	}
	take, _ := strconv.Atoi(q.Get("take"))
	if take <= 0 {
		take = 50
	}
	var mine []*Session
	for _, ss := range s.sessions {
		if ss.UserID == id && !ss.Revoked {
			mine = append(mine, ss)
		}
	}
	start := 0
	if from := q.Get("from"); from != "" {
		start = slices.IndexFunc(mine, func(ss *Session) bool { return ss.ID == from })
		if start < 0 {
			start = len(mine)
		}
	}
	end := min(start+take, len(mine))
	var next *string
	if end < len(mine) {
		next = &mine[end].ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": append([]*Session{}, mine[start:end]...), "next": next})
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, id string) {
	for _, ss := range s.sessions {
		if ss.ID == id && !ss.Revoked {
			ss.Revoked = true
			if r.Method == http.MethodDelete {
				w.WriteHeader(http.StatusNoContent)
			} else {
				w.WriteHeader(http.StatusAccepted)
			}
			return
		}
	}
	apiError(w, http.StatusNotFound, "Session not found", "session_not_found")
}

func (s *Server) createExport(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Format string  `json:"format"`
		Fields []field `json:"fields"`
	}
	if json.NewDecoder(r.Body).Decode(&body) != nil || body.Format != "json" {
		apiError(w, http.StatusBadRequest, "Payload validation error: the fake exports format json only", "invalid_body")
		return
	}
	j := &job{ID: "job_" + randHex(8), Type: "users_export", Status: "pending", Format: body.Format, Fields: body.Fields}
	for _, f := range body.Fields {
		j.names = append(j.names, f.Name)
	}
	s.jobs[j.ID] = j
	writeJSON(w, http.StatusCreated, map[string]any{"id": j.ID, "type": j.Type, "status": j.Status, "format": j.Format,
		"fields": j.Fields, "created_at": time.Now().UTC()})
}

func (s *Server) getJob(w http.ResponseWriter, id string) {
	j := s.jobs[id]
	if j == nil {
		apiError(w, http.StatusNotFound, "The job does not exist.", "inexistent_job")
		return
	}
	j.polls++
	out := map[string]any{"id": j.ID, "type": j.Type, "format": j.Format, "fields": j.Fields, "created_at": time.Now().UTC()}
	switch {
	case j.polls == 1:
		j.Status = "processing"
		out["percentage_done"], out["time_left_seconds"] = 50, 2
	default:
		j.Status = "completed"
		out["percentage_done"], out["time_left_seconds"] = 100, 0
		out["location"] = s.URL + "/exports/" + j.ID + ".json.gz"
	}
	out["status"] = j.Status
	writeJSON(w, http.StatusOK, out)
}

// download streams the gzip'd newline-delimited JSON of the requested fields.
func (s *Server) download(w http.ResponseWriter, id string) {
	j := s.jobs[id]
	if j == nil || j.Status != "completed" {
		http.Error(w, "AccessDenied", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	gz := gzip.NewWriter(w)
	enc := json.NewEncoder(gz)
	for _, u := range s.users {
		b, _ := json.Marshal(u)
		var all, out map[string]any
		_ = json.Unmarshal(b, &all)
		out = map[string]any{}
		for _, f := range j.names {
			if v, ok := all[f]; ok {
				out[f] = v
			}
		}
		_ = enc.Encode(out)
	}
	_ = gz.Close()
}

func (s *Server) impersonate(w http.ResponseWriter, r *http.Request, target string) {
	if !s.t.LegacyImpersonation {
		apiError(w, http.StatusForbidden, "Impersonation is not enabled for this tenant.", "operation_not_supported")
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	_, known := s.tokens[tok]
	if !known || (s.t.GlobalClientID != "" && !s.global[tok]) {
		apiError(w, http.StatusUnauthorized, "Invalid token", "invalid_token")
		return
	}
	var body map[string]any
	if json.NewDecoder(r.Body).Decode(&body) != nil {
		apiError(w, http.StatusBadRequest, "Invalid request body", "invalid_body")
		return
	}
	s.LastImpBody = body
	params, _ := body["additionalParameters"].(map[string]any)
	imp, _ := body["impersonator_id"].(string)
	switch {
	case body["protocol"] != "oauth2":
		apiError(w, http.StatusBadRequest, "protocol is required", "invalid_body")
	case s.user(imp) == nil:
		apiError(w, http.StatusBadRequest, "impersonator_id is not a user of this tenant", "invalid_body")
	case body["client_id"] != s.t.TargetClientID:
		apiError(w, http.StatusBadRequest, "client_id is not an application of this tenant", "invalid_body")
	case params == nil || params["response_type"] == nil:
		apiError(w, http.StatusBadRequest, "additionalParameters.response_type is required", "invalid_body")
	case s.user(target) == nil:
		apiError(w, http.StatusNotFound, "The user does not exist.", "inexistent_user")
	default:
		code := randHex(12)
		s.tickets[code] = target + " " + imp
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s/users/%s/impersonate?&abc=%s", s.URL, url.PathEscape(imp), code)
	}
}

// redeem is the browser opening the one-time link: it signs the target
// user in to the target application (a new session) and logs it.
func (s *Server) redeem(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("abc")
	t, ok := s.tickets[code]
	if !ok {
		http.Error(w, "This impersonation link is invalid or was already used.", http.StatusBadRequest)
		return
	}
	delete(s.tickets, code)
	target, imp, _ := strings.Cut(t, " ")
	u := s.user(target)
	id := s.addSession(target, s.t.TargetClientID, time.Now().UTC())
	s.addLog(Log{Type: "s", Description: "Successful login (impersonated)", ClientID: s.t.TargetClientID, ClientName: "Target App",
		IP: "127.0.0.1", UserID: target, UserName: u.Email, Details: map[string]any{"impersonator": imp, "session_id": id}})
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Signed in to %s as %s.\n", s.t.TargetClientID, u.Email)
}

func (s *Server) listLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	take, _ := strconv.Atoi(q.Get("take"))
	if take <= 0 || take > 100 {
		take = 50
	}
	from := q.Get("from")
	var out []Log
	for _, l := range s.logs {
		if l.LogID > from && len(out) < take {
			out = append(out, l)
		}
	}
	next := from
	if len(out) > 0 {
		next = out[len(out)-1].LogID
	}
	w.Header().Set("Link", fmt.Sprintf("<%s/api/v2/logs?from=%s&take=%d>; rel=\"next\"", s.URL, next, take))
	if out == nil {
		out = []Log{}
	}
	writeJSON(w, http.StatusOK, out)
}
