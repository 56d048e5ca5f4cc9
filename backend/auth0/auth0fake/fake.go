// Package auth0fake is an httptest fake of the Auth0 paths Guise uses, with
// the shapes of providers.md §2.10: the client-credentials token endpoint,
// GET /api/v2/users (with and without totals, the 400 past 1,000 results,
// v3 range queries on updated_at), the users-export job and its gzip'd
// newline-delimited JSON, user organizations, tenant settings, the legacy
// impersonation endpoint (plain-text one-time URL), sessions list/revoke,
// checkpoint-paged logs, {statusCode,error,message} errors and x-ratelimit-*
// headers. Tests and the e2e suite share it.
package auth0fake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tenant configures the fake.
type Tenant struct {
	Domain       string // the canonical domain the audience must name
	ClientID     string // the machine-to-machine application
	ClientSecret string
	Scopes       []string // granted to its tokens
	// GlobalClientID/Secret, when set, are the legacy global client; the
	// impersonate endpoint then accepts only its tokens.
	GlobalClientID, GlobalClientSecret string
	TargetClientID                     string // the application impersonation signs in to
	LegacyImpersonation                bool   // the tenant still has the legacy API
	SessionsAPI                        bool   // Enterprise: the Sessions API answers
}

// AllScopes is every scope Guise can use.
var AllScopes = []string{"read:users", "read:organizations", "read:logs", "read:sessions", "delete:sessions", "read:tenant_settings"}

// User is a stored user (the §2.10 profile fields Guise reads).
type User struct {
	UserID      string         `json:"user_id"`
	Email       string         `json:"email"`
	Name        string         `json:"name"`
	GivenName   string         `json:"given_name"`
	FamilyName  string         `json:"family_name"`
	Nickname    string         `json:"nickname"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Blocked     bool           `json:"blocked"`
	AppMetadata map[string]any `json:"app_metadata"`
	Orgs        []Org          `json:"-"`
}

// Org is an organization.
type Org struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	DisplayName string         `json:"display_name"`
	Metadata    map[string]any `json:"metadata"`
}

// Session is a user session (Sessions API).
type Session struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	Clients   []clientID `json:"clients"`
	Revoked   bool       `json:"-"`
}

type clientID struct {
	ClientID string `json:"client_id"`
}

// Log is one tenant log event.
type Log struct {
	LogID       string    `json:"log_id"`
	Date        time.Time `json:"date"`
	Type        string    `json:"type"`
	Description string    `json:"description"`
	ClientID    string    `json:"client_id"`
	ClientName  string    `json:"client_name"`
	IP          string    `json:"ip"`
	UserID      string    `json:"user_id"`
	UserName    string    `json:"user_name"`
	Details     any       `json:"details"`
}

type job struct {
	ID     string   `json:"id"`
	Type   string   `json:"type"`
	Status string   `json:"status"`
	Format string   `json:"format"`
	Fields []field  `json:"fields"`
	polls  int      // GETs so far: pending → processing → completed
	names  []string // requested field names
}

type field struct {
	Name string `json:"name"`
}

// Server is a running fake tenant.
type Server struct {
	*httptest.Server
	t Tenant

	mu          sync.Mutex
	users       []*User // in creation order
	sessions    []*Session
	logs        []Log
	jobs        map[string]*job
	tokens      map[string][]string // token → scopes ("" scope list for global tokens)
	global      map[string]bool
	tickets     map[string]string // one-time impersonation code → "userID clientID"
	throttle    int               // the next n API calls answer 429
	calls       map[string]int    // "METHOD /path-pattern" → count
	LastImpBody map[string]any    // the last legacy impersonation request body
}

// New starts a fake tenant; Close it when done.
func New(t Tenant) *Server {
	s := &Server{t: t, jobs: map[string]*job{}, tokens: map[string][]string{}, global: map[string]bool{},
		tickets: map[string]string{}, calls: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddUsers creates n users: every 7th has two organizations, every 5th
// one, the rest none; every 50th is blocked; user 3 is an admin
// (app_metadata.role). updated_at rises one second per user from base.
func (s *Server) AddUsers(n int, base time.Time) []*User {
	s.mu.Lock()
	defer s.mu.Unlock()
	base = base.UTC().Truncate(time.Millisecond) // Auth0 keeps milliseconds
	orgs := []Org{{ID: "org_acme", Name: "acme", DisplayName: "Acme Corp"}, {ID: "org_globex", Name: "globex", DisplayName: "Globex"}}
	start := len(s.users)
	for i := start; i < start+n; i++ {
		u := &User{UserID: fmt.Sprintf("auth0|%024x", i+1), Email: fmt.Sprintf("user%05d@example.com", i+1),
			GivenName: "User", FamilyName: fmt.Sprintf("%05d", i+1), Nickname: fmt.Sprintf("user%05d", i+1),
			CreatedAt: base.Add(time.Duration(i) * time.Second), UpdatedAt: base.Add(time.Duration(i) * time.Second),
			Blocked: (i+1)%50 == 0, AppMetadata: map[string]any{"role": "member"}}
		u.Name = u.GivenName + " " + u.FamilyName
		if i == 2 {
			u.AppMetadata["role"] = "admin"
		}
		switch {
		case (i+1)%7 == 0:
			u.Orgs = orgs
		case (i+1)%5 == 0:
			u.Orgs = orgs[:1]
		}
		s.users = append(s.users, u)
	}
	return s.users[start:]
}

// Touch sets a user's updated_at (an incremental sync then sees it).
func (s *Server) Touch(userID string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(userID); u != nil {
		u.UpdatedAt = at.UTC().Truncate(time.Millisecond)
	}
}

// AddSession gives a user a session in an application (the customer's own).
func (s *Server) AddSession(userID, client string, created time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addSession(userID, client, created)
}

func (s *Server) addSession(userID, client string, created time.Time) string {
	ss := &Session{ID: "sess_" + randHex(8), UserID: userID, CreatedAt: created, UpdatedAt: created,
		ExpiresAt: created.Add(72 * time.Hour), Clients: []clientID{{client}}}
	s.sessions = append(s.sessions, ss)
	return ss.ID
}

// LiveSessions lists a user's sessions not revoked.
func (s *Server) LiveSessions(userID string) []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Session
	for _, ss := range s.sessions {
		if ss.UserID == userID && !ss.Revoked {
			out = append(out, *ss)
		}
	}
	return out
}

// AddLog appends a tenant log event with the next log id.
func (s *Server) AddLog(l Log) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLog(l)
}

func (s *Server) addLog(l Log) {
	l.LogID = fmt.Sprintf("900%047d", len(s.logs)+1)
	if l.Date.IsZero() {
		l.Date = time.Now().UTC()
	}
	if l.Details == nil {
		l.Details = map[string]any{}
	}
	s.logs = append(s.logs, l)
}

// Throttle makes the next n Management API calls answer 429.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// Calls counts requests by "METHOD /pattern", e.g. "POST /api/v2/jobs/users-exports".
func (s *Server) Calls(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[key]
}

func (s *Server) user(id string) *User {
	for _, u := range s.users {
		if u.UserID == id {
			return u
		}
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// apiError writes Auth0's error body.
func apiError(w http.ResponseWriter, status int, msg, code string) {
	body := map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg}
	if code != "" {
		body["errorCode"] = code
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var (
	reUser     = regexp.MustCompile(`^/api/v2/users/([^/]+)$`)
	reUserOrgs = regexp.MustCompile(`^/api/v2/users/([^/]+)/organizations$`)
	reUserSess = regexp.MustCompile(`^/api/v2/users/([^/]+)/sessions$`)
	reJob      = regexp.MustCompile(`^/api/v2/jobs/([^/]+)$`)
	reRevoke   = regexp.MustCompile(`^/api/v2/sessions/([^/]+)/revoke$`)
	reSession  = regexp.MustCompile(`^/api/v2/sessions/([^/]+)$`)
	reImp      = regexp.MustCompile(`^/users/([^/]+)/impersonate$`)
	reExport   = regexp.MustCompile(`^/exports/([^/]+)\.json\.gz$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := r.URL.EscapedPath()
	key := r.Method + " " + pattern(path)
	s.calls[key]++
	h := w.Header()
	h.Set("X-RateLimit-Limit", "50")
	h.Set("X-RateLimit-Remaining", "49")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))

	switch {
	case r.Method == http.MethodPost && path == "/oauth/token":
		s.token(w, r)
		return
	case reExport.MatchString(path):
		s.download(w, reExport.FindStringSubmatch(path)[1])
		return
	case r.Method == http.MethodGet && reImp.MatchString(path):
		s.redeem(w, r)
		return
	case r.Method == http.MethodPost && reImp.MatchString(path):
		s.impersonate(w, r, unescape(reImp.FindStringSubmatch(path)[1]))
		return
	case !strings.HasPrefix(path, "/api/v2/"):
		http.NotFound(w, r)
		return
	}
	scopes, ok := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok || s.global[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
		apiError(w, http.StatusUnauthorized, "Invalid token", "invalid_token")
		return
	}
	if s.throttle > 0 {
		s.throttle--
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("Retry-After", "1")
		apiError(w, http.StatusTooManyRequests, "Global limit has been reached", "too_many_requests")
		return
	}
	need := func(scope string) bool {
		if slices.Contains(scopes, scope) {
			return true
		}
		apiError(w, http.StatusForbidden, "Insufficient scope, expected any of: "+scope, "insufficient_scope")
		return false
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && path == "/api/v2/users":
		if need("read:users") {
			s.listUsers(w, q)
		}
	case r.Method == http.MethodGet && reUserOrgs.MatchString(path):
		if need("read:organizations") {
			s.userOrgs(w, q, unescape(reUserOrgs.FindStringSubmatch(path)[1]))
		}
	case r.Method == http.MethodGet && reUserSess.MatchString(path):
		if !s.t.SessionsAPI {
			apiError(w, http.StatusForbidden, "This feature is not enabled for this tenant.", "operation_not_supported")
		} else if need("read:sessions") {
			s.userSessions(w, q, unescape(reUserSess.FindStringSubmatch(path)[1]))
		}
	case r.Method == http.MethodGet && reUser.MatchString(path):
		if need("read:users") {
			if u := s.user(unescape(reUser.FindStringSubmatch(path)[1])); u != nil {
				writeJSON(w, http.StatusOK, u)
			} else {
				apiError(w, http.StatusNotFound, "The user does not exist.", "inexistent_user")
			}
		}
	case r.Method == http.MethodPost && path == "/api/v2/jobs/users-exports":
		if need("read:users") {
			s.createExport(w, r)
		}
	case r.Method == http.MethodGet && reJob.MatchString(path):
		if need("read:users") {
			s.getJob(w, reJob.FindStringSubmatch(path)[1])
		}
	case (r.Method == http.MethodPost && reRevoke.MatchString(path)) || (r.Method == http.MethodDelete && reSession.MatchString(path)):
		id := ""
		if m := reRevoke.FindStringSubmatch(path); m != nil {
			id = m[1]
		} else {
			id = reSession.FindStringSubmatch(path)[1]
		}
		if !s.t.SessionsAPI {
			apiError(w, http.StatusForbidden, "This feature is not enabled for this tenant.", "operation_not_supported")
		} else if need("delete:sessions") {
			s.revoke(w, r, id)
		}
	case r.Method == http.MethodGet && path == "/api/v2/tenants/settings":
		if need("read:tenant_settings") {
			writeJSON(w, http.StatusOK, map[string]any{"flags": map[string]any{"disable_impersonation": !s.t.LegacyImpersonation}})
		}
	case r.Method == http.MethodGet && path == "/api/v2/logs":
		if need("read:logs") {
			s.listLogs(w, r)
		}
	default:
		apiError(w, http.StatusNotFound, "Not Found", "")
	}
}

// pattern names a path for call counting.
func pattern(p string) string {
	for _, re := range []struct {
		re   *regexp.Regexp
		name string
	}{{reUserOrgs, "/api/v2/users/{id}/organizations"}, {reUserSess, "/api/v2/users/{id}/sessions"}, {reUser, "/api/v2/users/{id}"},
		{reJob, "/api/v2/jobs/{id}"}, {reRevoke, "/api/v2/sessions/{id}/revoke"}, {reSession, "/api/v2/sessions/{id}"},
		{reImp, "/users/{id}/impersonate"}, {reExport, "/exports/{file}"}} {
		if p != "/api/v2/jobs/users-exports" && re.re.MatchString(p) {
			return re.name
		}
	}
	return p
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
