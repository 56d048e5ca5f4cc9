// Package workosfake is an httptest fake of the WorkOS paths Guise uses,
// with the shapes of providers.md §1.10: users (cursor pages of
// {data, list_metadata:{before,after}}), one user, organization memberships,
// the Events API (the events filter required, accepted both as repeated
// events= and as events[]=; range_start; order; after), a user's sessions,
// the revoke call, {code,message} error bodies with X-Request-Id, and 429
// with Retry-After. Impersonate plays the dashboard: it creates an
// impersonation session and its session.created event. Tests and the e2e
// suite share it.
package workosfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// User is a stored user (§1.2 fields).
type User struct {
	Object            string            `json:"object"`
	ID                string            `json:"id"`
	FirstName         string            `json:"first_name"`
	LastName          string            `json:"last_name"`
	Name              string            `json:"name"`
	ProfilePictureURL *string           `json:"profile_picture_url"`
	Email             string            `json:"email"`
	EmailVerified     bool              `json:"email_verified"`
	ExternalID        *string           `json:"external_id"`
	Metadata          map[string]string `json:"metadata"`
	LastSignInAt      *string           `json:"last_sign_in_at"`
	Locale            string            `json:"locale"`
	CreatedAt         string            `json:"created_at"`
	UpdatedAt         string            `json:"updated_at"`
}

// Membership is an organization membership (§1.3 fields).
type Membership struct {
	Object           string              `json:"object"`
	ID               string              `json:"id"`
	UserID           string              `json:"user_id"`
	OrganizationID   string              `json:"organization_id"`
	OrganizationName string              `json:"organization_name"`
	Status           string              `json:"status"`
	DirectoryManaged bool                `json:"directory_managed"`
	CustomAttributes map[string]string   `json:"custom_attributes"`
	Role             map[string]string   `json:"role"`
	Roles            []map[string]string `json:"roles"`
	CreatedAt        string              `json:"created_at"`
	UpdatedAt        string              `json:"updated_at"`
}

// Impersonator is the dashboard user of an impersonation.
type Impersonator struct {
	Email  string  `json:"email"`
	Reason *string `json:"reason"`
}

// Session is a user session (§1.5 fields).
type Session struct {
	Object         string        `json:"object"`
	ID             string        `json:"id"`
	Impersonator   *Impersonator `json:"impersonator,omitempty"`
	IPAddress      string        `json:"ip_address"`
	OrganizationID string        `json:"organization_id"`
	UserAgent      string        `json:"user_agent"`
	UserID         string        `json:"user_id"`
	AuthMethod     string        `json:"auth_method"`
	Status         string        `json:"status"`
	ExpiresAt      string        `json:"expires_at"`
	EndedAt        *string       `json:"ended_at"`
	CreatedAt      string        `json:"created_at"`
	UpdatedAt      string        `json:"updated_at"`
}

// Event is an Events API entry.
type Event struct {
	Object    string  `json:"object"`
	ID        string  `json:"id"`
	Event     string  `json:"event"`
	Data      Session `json:"data"`
	CreatedAt string  `json:"created_at"`
}

// Server is a running fake WorkOS environment.
type Server struct {
	*httptest.Server
	key string

	mu          sync.Mutex
	users       []*User
	memberships []*Membership
	sessions    []*Session
	events      []*Event
	seq         int
	noEvents    bool           // the key lacks the Events permission (403)
	throttle    int            // the next n requests answer 429
	fail        int            // the next n requests answer 503
	retryAfter  int            // Retry-After seconds of a 429
	calls       map[string]int // "METHOD /path" → count
	eventQuery  []url.Values   // each /events query, as received
	revoked     []string
}

// New starts a fake environment accepting key; Close it when done.
func New(key string) *Server {
	s := &Server{key: key, calls: map[string]int{}, retryAfter: 1}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the fake's base URL.
func (s *Server) URL() string { return s.Server.URL }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// next returns a fresh id with prefix whose text order is creation order
// (cursors compare ids).
func (s *Server) next(prefix string) string {
	s.seq++
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s_%08d%s", prefix, s.seq, strings.ToUpper(hex.EncodeToString(b)))
}

// OrgRef names an organization and the user's role in it.
type OrgRef struct{ ID, Name, Role string }

// AddUser adds a user with memberships; it returns the user id.
func (s *Server) AddUser(email, first, last string, created time.Time, orgs ...OrgRef) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := &User{Object: "user", ID: s.next("user"), FirstName: first, LastName: last, Name: strings.TrimSpace(first + " " + last),
		Email: email, EmailVerified: true, Metadata: map[string]string{}, Locale: "en-US", CreatedAt: stamp(created), UpdatedAt: stamp(created)}
	s.users = append(s.users, u)
	for _, o := range orgs {
		role := o.Role
		if role == "" {
			role = "member"
		}
		s.memberships = append(s.memberships, &Membership{Object: "organization_membership", ID: s.next("om"), UserID: u.ID,
			OrganizationID: o.ID, OrganizationName: o.Name, Status: "active", CustomAttributes: map[string]string{},
			Role: map[string]string{"slug": role}, Roles: []map[string]string{{"slug": role}}, CreatedAt: stamp(created), UpdatedAt: stamp(created)})
	}
	return u.ID
}

// Seed adds n users user00001@seed.test… in organization org_seed.
func (s *Server) Seed(n int, created time.Time) {
	for i := 1; i <= n; i++ {
		s.AddUser(fmt.Sprintf("user%05d@seed.test", i), "Seed", fmt.Sprintf("%05d", i), created, OrgRef{ID: "org_seed", Name: "Seed Inc"})
	}
}

// Impersonate plays the dashboard: agent starts an impersonation of userID
// in orgID at at, with reason (nil: none typed). It returns the session id.
func (s *Server) Impersonate(userID, agent string, reason *string, orgID string, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := &Session{Object: "session", ID: s.next("session"), Impersonator: &Impersonator{Email: agent, Reason: reason},
		IPAddress: "198.51.100.42", OrganizationID: orgID, UserAgent: "Mozilla/5.0 (guise e2e)", UserID: userID,
		AuthMethod: "impersonation", Status: "active", ExpiresAt: stamp(at.Add(time.Hour)), CreatedAt: stamp(at), UpdatedAt: stamp(at)}
	s.sessions = append(s.sessions, ss)
	s.events = append(s.events, &Event{Object: "event", ID: s.next("event"), Event: "session.created", Data: *ss, CreatedAt: stamp(at)})
	return ss.ID
}

// SignIn adds an ordinary (not impersonated) session and its event.
func (s *Server) SignIn(userID string, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := &Session{Object: "session", ID: s.next("session"), UserID: userID, AuthMethod: "password", Status: "active",
		ExpiresAt: stamp(at.Add(24 * time.Hour)), CreatedAt: stamp(at), UpdatedAt: stamp(at)}
	s.sessions = append(s.sessions, ss)
	s.events = append(s.events, &Event{Object: "event", ID: s.next("event"), Event: "session.created", Data: *ss, CreatedAt: stamp(at)})
	return ss.ID
}

// SessionStatus is a session's status ("" when unknown).
func (s *Server) SessionStatus(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		if ss.ID == id {
			return ss.Status
		}
	}
	return ""
}

// Revoked lists the session ids revoked through the API, in order.
func (s *Server) Revoked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.revoked)
}

// DenyEvents makes /events answer 403, as for a key without the Events permission.
func (s *Server) DenyEvents(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noEvents = deny
}

// Throttle makes the next n requests answer 429 with Retry-After: secs.
func (s *Server) Throttle(n, secs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle, s.retryAfter = n, secs
}

// Fail makes the next n requests answer 503.
func (s *Server) Fail(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

// Calls counts the requests to "METHOD /path".
func (s *Server) Calls(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[key]
}

// EventQueries returns the queries /events received.
func (s *Server) EventQueries() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.eventQuery)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := r.URL.Path
	key := r.Method + " " + path
	if strings.HasPrefix(path, "/user_management/users/") {
		key = r.Method + " /user_management/users/{id}"
	}
	s.calls[key]++
	w.Header().Set("X-Request-Id", s.next("req"))
	if r.Header.Get("Authorization") != "Bearer "+s.key {
		writeErr(w, http.StatusUnauthorized, "unauthorized", "Could not authorize the request. Maybe your API key is invalid?")
		return
	}
	if s.throttle > 0 {
		s.throttle--
		w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter))
		writeErr(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Too many requests")
		return
	}
	if s.fail > 0 {
		s.fail--
		writeErr(w, http.StatusServiceUnavailable, "service_unavailable", "Service unavailable")
		return
	}
	switch {
	case r.Method == http.MethodGet && path == "/user_management/users":
		s.listUsers(w, r.URL.Query())
	case r.Method == http.MethodGet && key == "GET /user_management/users/{id}":
		id := strings.TrimPrefix(path, "/user_management/users/")
		for _, u := range s.users {
			if u.ID == id {
				writeJSON(w, http.StatusOK, u)
				return
			}
		}
		writeErr(w, http.StatusNotFound, "entity_not_found", fmt.Sprintf("User not found: '%s'.", id))
	case r.Method == http.MethodGet && path == "/user_management/organization_memberships":
		q := r.URL.Query()
		uid, oid := q.Get("user_id"), q.Get("organization_id")
		if uid == "" && oid == "" {
			writeErr(w, http.StatusUnprocessableEntity, "invalid_request_parameters", "Either user_id or organization_id is required.")
			return
		}
		statuses := q["statuses"]
		if len(statuses) == 0 {
			statuses = []string{"active"}
		}
		var out []*Membership
		for _, m := range s.memberships {
			if (uid == "" || m.UserID == uid) && (oid == "" || m.OrganizationID == oid) && slices.Contains(statuses, m.Status) {
				out = append(out, m)
			}
		}
		page(w, out, q, func(x *Membership) string { return x.ID })
	case r.Method == http.MethodGet && path == "/events":
		s.listEvents(w, r.URL.Query())
	case r.Method == http.MethodPost && path == "/user_management/sessions/revoke":
		var body struct {
			SessionID string `json:"session_id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.SessionID == "" {
			writeErr(w, http.StatusUnprocessableEntity, "invalid_request_parameters", "session_id is required.")
			return
		}
		for _, ss := range s.sessions {
			if ss.ID == body.SessionID {
				if ss.Status == "active" {
					now := stamp(time.Now())
					ss.Status, ss.EndedAt, ss.UpdatedAt = "revoked", &now, now
					s.revoked = append(s.revoked, ss.ID)
					e := &Event{Object: "event", ID: s.next("event"), Event: "session.revoked", Data: *ss, CreatedAt: now}
					s.events = append(s.events, e)
				}
				writeJSON(w, http.StatusOK, map[string]any{})
				return
			}
		}
		writeErr(w, http.StatusNotFound, "entity_not_found", fmt.Sprintf("Session not found: '%s'.", body.SessionID))
	default:
		writeErr(w, http.StatusNotFound, "not_found", "No route for "+r.Method+" "+path)
	}
}

func (s *Server) listUsers(w http.ResponseWriter, q url.Values) {
	out := make([]*User, 0, len(s.users))
	for _, u := range s.users {
		if e := q.Get("email"); e == "" || strings.EqualFold(e, u.Email) {
			out = append(out, u)
		}
	}
	page(w, out, q, func(x *User) string { return x.ID })
}

func (s *Server) listEvents(w http.ResponseWriter, q url.Values) {
	s.eventQuery = append(s.eventQuery, q)
	if s.noEvents {
		writeErr(w, http.StatusForbidden, "forbidden", "This API key does not have permission to read events.")
		return
	}
	// Both encodings of the filter: the v10 SDK's repeated events=, older SDKs' events[]=.
	names := append(slices.Clone(q["events"]), q["events[]"]...)
	if len(names) == 0 {
		writeErr(w, http.StatusUnprocessableEntity, "invalid_request_parameters", "events is required: name at least one event type.")
		return
	}
	var from time.Time
	if v := q.Get("range_start"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeErr(w, http.StatusUnprocessableEntity, "invalid_request_parameters", "range_start must be an ISO-8601 date.")
			return
		}
		from = t
	}
	out := []*Event{}
	for _, e := range s.events {
		at, _ := time.Parse(time.RFC3339, e.CreatedAt)
		if slices.Contains(names, e.Event) && !at.Before(from) {
			out = append(out, e)
		}
	}
	page(w, out, q, func(x *Event) string { return x.ID })
}

// page writes one cursor page of items (kept in creation order, so ids
// ascend): order asc or desc (default), limit 1–100 (default 10), after
// an item id.
func page[T any](w http.ResponseWriter, items []T, q url.Values, id func(T) string) {
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeErr(w, http.StatusUnprocessableEntity, "invalid_request_parameters", "limit must be between 1 and 100.")
			return
		}
		limit = n
	}
	items = slices.Clone(items)
	switch q.Get("order") {
	case "asc", "normal":
	case "", "desc":
		slices.Reverse(items)
	default:
		writeErr(w, http.StatusUnprocessableEntity, "invalid_request_parameters", "order must be asc, desc or normal.")
		return
	}
	start := 0
	if after := q.Get("after"); after != "" {
		start = slices.IndexFunc(items, func(x T) bool { return id(x) == after }) + 1
		if start == 0 {
			writeErr(w, http.StatusUnprocessableEntity, "invalid_request_parameters", "after is not a known cursor.")
			return
		}
	}
	end := min(start+limit, len(items))
	data := items[start:end]
	meta := map[string]*string{"before": nil, "after": nil}
	if start > 0 && len(data) > 0 {
		b := id(data[0])
		meta["before"] = &b
	}
	if end < len(items) {
		a := id(data[len(data)-1])
		meta["after"] = &a
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "list_metadata": meta})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"code": code, "message": msg})
}
