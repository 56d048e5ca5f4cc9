// Package clerkfake is an in-process fake of the parts of Clerk's Backend API
// that Guise uses, with Clerk's real shapes (providers.md §3.10): users as a
// bare array plus /users/count, offset pagination up to 500, memberships with
// organization and public_user_data, actor tokens pending → accepted or
// revoked, sessions carrying the actor, and Clerk's error envelope
// {errors:[{code,message,long_message,meta}], clerk_trace_id}. Tests drive it
// (accept a token, add sessions, inject 402/403/429) and inspect what Guise did.
// It imports only the standard library.
package clerkfake

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Token statuses, as Clerk names them.
const (
	TokenPending  = "pending"
	TokenAccepted = "accepted"
	TokenRevoked  = "revoked"
)

// User is a Clerk user as the fake stores it.
type User struct {
	ID             string
	Email          string
	FirstName      string
	LastName       string
	Banned, Locked bool
	PublicMetadata map[string]any
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Memberships    []Membership
}

// Membership puts a user in an organization with a role like "org:admin".
type Membership struct {
	OrgID string
	Role  string
}

// Org is a Clerk organization.
type Org struct {
	ID   string
	Name string
}

// Token is an actor token the fake issued.
type Token struct {
	ID, UserID, Status string
	Actor              map[string]any
	ExpiresIn          int64 // expires_in_seconds as asked
	SessionMax         int64 // session_max_duration_in_seconds as asked
}

// Session is a Clerk session; Actor is nil for the user's own sessions.
type Session struct {
	ID, UserID, Status string
	Actor              map[string]any
}

// Request is one call the fake received (never the key itself).
type Request struct {
	Method, Path string
	Query        string
	KeyOK        bool
}

// Server is the fake. Its zero value is not usable; call NewServer.
type Server struct {
	srv   *httptest.Server
	key   string
	trace atomic.Int64

	mu        sync.Mutex
	users     []*User
	orgs      []Org
	tokens    map[string]*Token
	sessions  []*Session
	seq       int
	quota     int // actor tokens allowed before 402; <0: unlimited
	limited   int // next requests answered 429
	retryWait int // their Retry-After, in seconds
	forbidden []string
	requests  []Request
}

// NewServer starts a fake Clerk instance accepting the secret key key. Its
// Backend API root (what the SDK and `--base-url` take) is URL().
func NewServer(key string) *Server {
	s := &Server{key: key, tokens: map[string]*Token{}, quota: -1}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the Backend API root, like http://127.0.0.1:PORT/v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// AddOrg adds an organization.
func (s *Server) AddOrg(o Org) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orgs = append(s.orgs, o)
}

// AddUser adds a user; zero times become now.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	s.users = append(s.users, &u)
}

// Seed adds n users (user_seed_0001…) spread over three organizations, one
// second apart, starting at base; every 10th is banned.
func (s *Server) Seed(n int, base time.Time) {
	for i := range 3 {
		s.AddOrg(Org{ID: fmt.Sprintf("org_seed_%d", i), Name: fmt.Sprintf("Org %d", i)})
	}
	for i := 1; i <= n; i++ {
		t := base.Add(time.Duration(i) * time.Second)
		s.AddUser(User{ID: fmt.Sprintf("user_seed_%04d", i), Email: fmt.Sprintf("user%04d@seed.test", i), FirstName: "Seed",
			LastName: strconv.Itoa(i), Banned: i%10 == 0, CreatedAt: t, UpdatedAt: t,
			Memberships: []Membership{{OrgID: fmt.Sprintf("org_seed_%d", i%3), Role: "org:member"}}})
	}
}

// Touch marks a user updated at t.
func (s *Server) Touch(id string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(id); u != nil {
		u.UpdatedAt = t
	}
}

// SetQuota lets n more actor tokens be created, then answers 402.
func (s *Server) SetQuota(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = n
}

// RateLimit answers the next n requests with 429 and Retry-After: wait seconds.
func (s *Server) RateLimit(n, wait int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited, s.retryWait = n, wait
}

// Forbid answers 403 to every path starting with prefix (like "/v1/sessions").
func (s *Server) Forbid(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden = append(s.forbidden, prefix)
}

// Accept uses the token as a browser would: the token becomes accepted and
// the user gets an active session whose actor is the token's actor.
func (s *Server) Accept(tokenID string) (sessionID string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tokenID]
	if !ok || t.Status != TokenPending {
		return "", fmt.Errorf("clerkfake: token %s is not pending", tokenID)
	}
	t.Status = TokenAccepted
	return s.addSession(t.UserID, t.Actor), nil
}

// AddSession gives a user an active session; actor nil is the user's own.
func (s *Server) AddSession(userID string, actor map[string]any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addSession(userID, actor)
}

func (s *Server) addSession(userID string, actor map[string]any) string {
	s.seq++
	id := fmt.Sprintf("sess_fake%04d", s.seq)
	s.sessions = append(s.sessions, &Session{ID: id, UserID: userID, Status: "active", Actor: actor})
	return id
}

// Token returns a copy of an actor token.
func (s *Server) Token(id string) (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return Token{}, false
	}
	return *t, true
}

// Tokens lists the actor tokens issued, oldest first.
func (s *Server) Tokens() []Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Token
	for _, t := range s.tokens {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Token) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// SessionStatus returns a session's status ("" when unknown).
func (s *Server) SessionStatus(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.sessions {
		if x.ID == id {
			return x.Status
		}
	}
	return ""
}

// Requests lists the calls received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) user(id string) *User {
	for _, u := range s.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

func (s *Server) org(id string) Org {
	for _, o := range s.orgs {
		if o.ID == id {
			return o
		}
	}
	return Org{ID: id, Name: id}
}

// clerkError is one entry of Clerk's error envelope.
type clerkError struct {
	Message     string         `json:"message"`
	LongMessage string         `json:"long_message"`
	Code        string         `json:"code"`
	Meta        map[string]any `json:"meta"`
}

func (s *Server) fail(w http.ResponseWriter, status int, code, msg, long string, meta map[string]any) {
	if meta == nil {
		meta = map[string]any{}
	}
	s.write(w, status, map[string]any{"errors": []clerkError{{Message: msg, LongMessage: long, Code: code, Meta: meta}},
		"meta": map[string]any{}, "clerk_trace_id": w.Header().Get("Clerk-Trace-Id")})
}

func (s *Server) write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Clerk-Trace-Id", fmt.Sprintf("trace_%d", s.trace.Add(1)))
	s.mu.Lock()
	defer s.mu.Unlock()
	keyOK := r.Header.Get("Authorization") == "Bearer "+s.key
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, KeyOK: keyOK})
	if s.limited > 0 {
		s.limited--
		w.Header().Set("Retry-After", strconv.Itoa(s.retryWait))
		s.fail(w, http.StatusTooManyRequests, "too_many_requests", "Too many requests", "Too many requests, retry later.", nil)
		return
	}
	if !keyOK {
		s.fail(w, http.StatusUnauthorized, "clerk_key_invalid", "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.", "", nil)
		return
	}
	for _, p := range s.forbidden {
		if strings.HasPrefix(r.URL.Path, p) {
			s.fail(w, http.StatusForbidden, "authorization_invalid", "Unauthorized request", "You are not authorized to perform this request", nil)
			return
		}
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if !ok {
		s.fail(w, http.StatusNotFound, "resource_not_found", "not found", "Resource not found", nil)
		return
	}
	parts := strings.Split(path, "/")
	switch {
	case r.Method == http.MethodGet && path == "users":
		s.listUsers(w, r)
	case r.Method == http.MethodGet && path == "users/count":
		s.write(w, 200, map[string]any{"object": "total_count", "total_count": len(s.filter(r.URL.Query().Get("query")))})
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "users":
		if u := s.user(parts[1]); u != nil {
			s.write(w, 200, s.userJSON(u))
		} else {
			s.fail(w, 404, "resource_not_found", "not found", "Resource not found", nil)
		}
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "users" && parts[2] == "organization_memberships":
		s.memberships(w, r, parts[1])
	case r.Method == http.MethodGet && path == "organizations":
		s.listOrgs(w, r)
	case r.Method == http.MethodPost && path == "actor_tokens":
		s.createToken(w, r)
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "actor_tokens" && parts[2] == "revoke":
		s.revokeToken(w, parts[1])
	case r.Method == http.MethodGet && path == "sessions":
		s.listSessions(w, r)
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "sessions" && parts[2] == "revoke":
		s.revokeSession(w, parts[1])
	default:
		s.fail(w, 404, "resource_not_found", "not found", "Resource not found", nil)
	}
}

// page reads limit (1–max, default 10) and offset; false after a 422.
func (s *Server) page(w http.ResponseWriter, r *http.Request, max int) (limit, offset int, ok bool) {
	q := r.URL.Query()
	limit, offset = 10, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			s.fail(w, 422, "form_param_value_invalid", "is invalid", fmt.Sprintf("limit must be between 1 and %d", max), map[string]any{"param_name": "limit"})
			return 0, 0, false
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fail(w, 422, "form_param_value_invalid", "is invalid", "offset must be 0 or more", map[string]any{"param_name": "offset"})
			return 0, 0, false
		}
		offset = n
	}
	return limit, offset, true
}

func window[T any](all []T, limit, offset int) []T {
	if offset >= len(all) {
		return []T{}
	}
	return all[offset:min(offset+limit, len(all))]
}

func (s *Server) filter(query string) []*User {
	query = strings.ToLower(query)
	var out []*User
	for _, u := range s.users {
		hay := strings.ToLower(u.ID + " " + u.Email + " " + u.FirstName + " " + u.LastName)
		if query == "" || strings.Contains(hay, query) {
			out = append(out, u)
		}
	}
	return out
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	limit, offset, ok := s.page(w, r, 500)
	if !ok {
		return
	}
	users := s.filter(r.URL.Query().Get("query"))
	order := r.URL.Query().Get("order_by")
	if order == "" {
		order = "-created_at"
	}
	desc := strings.HasPrefix(order, "-")
	var key func(u *User) int64
	switch strings.TrimLeft(order, "+-") {
	case "created_at":
		key = func(u *User) int64 { return u.CreatedAt.UnixMilli() }
	case "updated_at":
		key = func(u *User) int64 { return u.UpdatedAt.UnixMilli() }
	default:
		s.fail(w, 422, "form_param_value_invalid", "is invalid", "order_by is not supported by this fake", map[string]any{"param_name": "order_by"})
		return
	}
	slices.SortStableFunc(users, func(a, b *User) int {
		c := cmp.Compare(key(a), key(b))
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if desc {
			return -c
		}
		return c
	})
	out := []map[string]any{}
	for _, u := range window(users, limit, offset) {
		out = append(out, s.userJSON(u))
	}
	s.write(w, 200, out) // a bare array, as Clerk sends it
}

func (s *Server) userJSON(u *User) map[string]any {
	meta := u.PublicMetadata
	if meta == nil {
		meta = map[string]any{}
	}
	emailID := "idn_" + strings.TrimPrefix(u.ID, "user_")
	return map[string]any{
		"object": "user", "id": u.ID, "username": nil, "first_name": u.FirstName, "last_name": u.LastName,
		"image_url": "https://img.clerk.com/x", "has_image": false, "primary_email_address_id": emailID,
		"email_addresses": []map[string]any{{"object": "email_address", "id": emailID, "email_address": u.Email,
			"verification": map[string]any{"status": "verified", "strategy": "email_code"}, "linked_to": []any{}}},
		"phone_numbers": []any{}, "external_id": nil, "public_metadata": meta, "private_metadata": map[string]any{},
		"unsafe_metadata": map[string]any{}, "last_sign_in_at": u.UpdatedAt.UnixMilli(), "last_active_at": u.UpdatedAt.UnixMilli(),
		"banned": u.Banned, "locked": u.Locked, "created_at": u.CreatedAt.UnixMilli(), "updated_at": u.UpdatedAt.UnixMilli(),
	}
}

func (s *Server) orgJSON(o Org) map[string]any {
	return map[string]any{"object": "organization", "id": o.ID, "name": o.Name, "slug": strings.ToLower(strings.ReplaceAll(o.Name, " ", "-")),
		"image_url": nil, "has_image": false, "max_allowed_memberships": 5, "admin_delete_enabled": true,
		"public_metadata": map[string]any{}, "private_metadata": map[string]any{}, "created_by": "", "created_at": 1716883200000, "updated_at": 1716883200000}
}

func (s *Server) memberships(w http.ResponseWriter, r *http.Request, userID string) {
	limit, offset, ok := s.page(w, r, 500)
	if !ok {
		return
	}
	u := s.user(userID)
	if u == nil {
		s.fail(w, 404, "resource_not_found", "not found", "Resource not found", nil)
		return
	}
	data := []map[string]any{}
	for i, m := range window(u.Memberships, limit, offset) {
		data = append(data, map[string]any{
			"object": "organization_membership", "id": fmt.Sprintf("orgmem_%s_%d", u.ID, offset+i), "role": m.Role,
			"role_name": strings.TrimPrefix(m.Role, "org:"), "permissions": []string{}, "public_metadata": map[string]any{},
			"private_metadata": map[string]any{}, "organization": s.orgJSON(s.org(m.OrgID)),
			"public_user_data": map[string]any{"user_id": u.ID, "first_name": u.FirstName, "last_name": u.LastName,
				"image_url": nil, "has_image": false, "identifier": u.Email},
			"created_at": u.CreatedAt.UnixMilli(), "updated_at": u.UpdatedAt.UnixMilli(),
		})
	}
	s.write(w, 200, map[string]any{"data": data, "total_count": len(u.Memberships)})
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) {
	limit, offset, ok := s.page(w, r, 500)
	if !ok {
		return
	}
	data := []map[string]any{}
	for _, o := range window(s.orgs, limit, offset) {
		data = append(data, s.orgJSON(o))
	}
	s.write(w, 200, map[string]any{"data": data, "total_count": len(s.orgs)})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		UserID     string         `json:"user_id"`
		Actor      map[string]any `json:"actor"`
		ExpiresIn  *int64         `json:"expires_in_seconds"`
		SessionMax *int64         `json:"session_max_duration_in_seconds"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.fail(w, 400, "request_body_invalid", "Request body invalid", "The request body is not valid JSON.", nil)
		return
	}
	param := func(name, long string) {
		s.fail(w, 422, "form_param_value_invalid", "is invalid", long, map[string]any{"param_name": name})
	}
	sub, _ := body.Actor["sub"].(string)
	switch {
	case body.UserID == "" || s.user(body.UserID) == nil:
		param("user_id", "No user with that id exists in this instance.")
		return
	case sub == "" || s.user(sub) == nil:
		param("actor", "actor.sub must be the id of a user of this instance.")
		return
	case body.ExpiresIn != nil && (*body.ExpiresIn < 1 || *body.ExpiresIn > 315360000):
		param("expires_in_seconds", "expires_in_seconds is out of range.")
		return
	}
	if s.quota == 0 {
		s.fail(w, 402, "payment_required", "Payment required", "Your plan does not allow more user impersonations this month.", nil)
		return
	}
	if s.quota > 0 {
		s.quota--
	}
	s.seq++
	t := &Token{ID: fmt.Sprintf("act_fake%04d", s.seq), UserID: body.UserID, Status: TokenPending, Actor: body.Actor, ExpiresIn: 3600, SessionMax: 1800}
	if body.ExpiresIn != nil {
		t.ExpiresIn = *body.ExpiresIn
	}
	if body.SessionMax != nil {
		t.SessionMax = *body.SessionMax
	}
	s.tokens[t.ID] = t
	s.write(w, 200, s.tokenJSON(t, true, "http://"+r.Host))
}

func (s *Server) tokenJSON(t *Token, secret bool, host string) map[string]any {
	m := map[string]any{"object": "actor_token", "id": t.ID, "status": t.Status, "user_id": t.UserID, "actor": t.Actor,
		"created_at": 1716883200000, "updated_at": 1716883200000}
	if secret { // only the create answer carries the ticket
		ticket := "tkt_" + t.ID
		m["token"] = ticket
		m["url"] = host + "/fapi/v1/tickets/accept?ticket=" + ticket
	}
	return m
}

func (s *Server) revokeToken(w http.ResponseWriter, id string) {
	t, ok := s.tokens[id]
	switch {
	case !ok:
		s.fail(w, 404, "resource_not_found", "not found", "Resource not found", nil)
	case t.Status != TokenPending:
		s.fail(w, 400, "actor_token_cannot_be_revoked", "cannot revoke",
			fmt.Sprintf("Actor token cannot be revoked because its status is %s. Only pending tokens can be revoked.", t.Status), nil)
	default:
		t.Status = TokenRevoked
		s.write(w, 200, s.tokenJSON(t, false, ""))
	}
}

func (s *Server) sessionJSON(x *Session) map[string]any {
	var actor any
	if x.Actor != nil {
		actor = x.Actor
	}
	return map[string]any{"object": "session", "id": x.ID, "user_id": x.UserID, "client_id": "client_" + x.ID, "actor": actor,
		"status": x.Status, "last_active_organization_id": nil, "last_active_at": 1716883200000, "expire_at": 1716885000000,
		"abandon_at": 1716885000000, "created_at": 1716883200000, "updated_at": 1716883200000}
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	limit, offset, ok := s.page(w, r, 500)
	if !ok {
		return
	}
	q := r.URL.Query()
	if q.Get("user_id") == "" && q.Get("client_id") == "" {
		s.fail(w, 422, "form_param_missing", "missing parameter", "Either user_id or client_id is required.", map[string]any{"param_name": "user_id"})
		return
	}
	var match []*Session
	for _, x := range s.sessions {
		if (q.Get("user_id") == "" || x.UserID == q.Get("user_id")) && (q.Get("status") == "" || x.Status == q.Get("status")) {
			match = append(match, x)
		}
	}
	data := []map[string]any{}
	for _, x := range window(match, limit, offset) {
		data = append(data, s.sessionJSON(x))
	}
	if q.Get("paginated") == "true" {
		s.write(w, 200, map[string]any{"data": data, "total_count": len(match)})
		return
	}
	s.write(w, 200, data)
}

func (s *Server) revokeSession(w http.ResponseWriter, id string) {
	for _, x := range s.sessions {
		if x.ID == id {
			x.Status = "revoked"
			s.write(w, 200, s.sessionJSON(x))
			return
		}
	}
	s.fail(w, 404, "resource_not_found", "not found", "Resource not found", nil)
}
