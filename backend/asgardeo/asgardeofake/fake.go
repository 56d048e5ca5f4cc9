// Package asgardeofake is an httptest fake of the Asgardeo paths Guise
// uses, with the shapes of providers.md §4.10: /oauth2/token (client
// credentials, token exchange, organization_switch; OAuth {error,
// error_description} errors), /oauth2/authorize (the impersonator is taken
// as signed in; it redirects to the loopback callback with an id_token and
// a subject_token), /oauth2/jwks, /oauth2/revoke, SCIM 2.0 /scim2/Users
// (startIndex/count capped at 100; errors with a string status), a user's
// shared organizations (cursor links), and the admin sessions API (REST
// errors {code,message,description,traceId}). Everything lives under
// /t/{org}. Tests and the e2e suite share it.
//
// Assumptions the docs leave open (providers.md §6): the token exchange
// creates a session for the impersonated user in the application; 429s
// carry no Retry-After; the authorize error for an agent without the
// impersonator role is access_denied with a description naming the role.
package asgardeofake

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/go-jose/go-jose/v3/jwt"
)

// Tenant configures the fake.
type Tenant struct {
	Org          string // the organization name, as in /t/{org}
	ClientID     string
	ClientSecret string
	Scopes       []string // granted to client-credentials tokens
	// AgentID is the user signed in in the "browser": the impersonator.
	AgentID string
	// Impersonators hold the application role with the impersonation
	// scope; nil means just AgentID.
	Impersonators []string
	// NoTokenExchange: the application lacks the token-exchange grant.
	NoTokenExchange bool
	// NoImpersonationAPI: the User Impersonation API is not authorized.
	NoImpersonationAPI bool
	// WrongActor makes the token exchange name someone else in act.sub.
	WrongActor bool
}

// AllScopes is every management scope Guise asks for.
var AllScopes = []string{"internal_user_mgt_list", "internal_user_mgt_view", "internal_user_shared_access_view", "internal_session_view", "internal_session_delete"}

// User is a stored user.
type User struct {
	ID         string
	UserName   string // without the user store prefix
	GivenName  string
	FamilyName string
	Email      string
	Locked     bool
	Created    time.Time
	Modified   time.Time
	Orgs       []Org
}

// Org is an organization a user is shared with.
type Org struct {
	ID   string
	Name string
}

// Session is a user's SSO session (admin sessions API).
type Session struct {
	ID        string
	UserID    string
	App       string
	LoginTime time.Time
	Ended     bool
}

// Issued is an impersonated token the fake issued (access or organization).
type Issued struct {
	Token   string
	Sub     string
	Act     string
	OrgID   string
	Revoked bool
}

type subjectGrant struct {
	sub, mayAct string
	used        bool
}

// Server is a running fake organization.
type Server struct {
	*httptest.Server
	t   Tenant
	key *rsa.PrivateKey
	kid string

	mu       sync.Mutex
	users    []*User
	sessions []*Session
	cc       map[string][]string      // client-credentials token → scopes
	subjects map[string]*subjectGrant // subject token → grant
	idTokens map[string]string        // agent ID token → agent id
	issued   []*Issued
	calls    map[string]int
	throttle int
}

// New starts a fake organization.
func New(t Tenant) *Server {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	if t.Impersonators == nil && t.AgentID != "" {
		t.Impersonators = []string{t.AgentID}
	}
	s := &Server{t: t, key: key, kid: "fake-" + hexID(4), cc: map[string][]string{}, subjects: map[string]*subjectGrant{},
		idTokens: map[string]string{}, calls: map[string]int{}}
	mux := http.NewServeMux()
	p := "/t/{org}"
	for pattern, h := range map[string]http.HandlerFunc{
		"POST " + p + "/oauth2/token":                                 s.token,
		"GET " + p + "/oauth2/authorize":                              s.authorize,
		"GET " + p + "/oauth2/jwks":                                   s.jwks,
		"POST " + p + "/oauth2/revoke":                                s.revoke,
		"GET " + p + "/scim2/Users":                                   s.listUsers,
		"GET " + p + "/scim2/Users/{id}":                              s.getUser,
		"GET " + p + "/api/server/v1/users/{id}/shared-organizations": s.sharedOrgs,
		"GET " + p + "/api/users/v1/{id}/sessions":                    s.listSessions,
		"DELETE " + p + "/api/users/v1/{id}/sessions/{sid}":           s.deleteSession,
		"GET " + p + "/myaccount":                                     s.page,
		"GET /app":                                                    s.page,
	} {
		mux.HandleFunc(pattern, s.wrap(pattern, h))
	}
	s.Server = httptest.NewServer(mux)
	return s
}

// Base is the organization's API root, like https://api.asgardeo.io/t/acme.
func (s *Server) Base() string { return s.URL + "/t/" + s.t.Org }

// Issuer is what the organization's tokens name as iss.
func (s *Server) Issuer() string { return s.Base() + "/oauth2/token" }

func (s *Server) wrap(pattern string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[pattern]++
		throttled := s.throttle > 0 && !strings.HasSuffix(pattern, "/authorize")
		if throttled {
			s.throttle--
		}
		s.mu.Unlock()
		if org := r.PathValue("org"); org != "" && org != s.t.Org {
			restError(w, http.StatusNotFound, "ORG-60001", "Organization not found.", "No organization named "+org+".")
			return
		}
		if throttled {
			restError(w, http.StatusTooManyRequests, "ASG-42901", "Too many requests.", "The rate limit of 200 requests a minute was exceeded.")
			return
		}
		h(w, r)
	}
}

// Calls counts requests by route pattern, like "GET /t/{org}/scim2/Users".
func (s *Server) Calls(pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[pattern]
}

// Throttle makes the next n API requests answer 429.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// SetTenant changes the tenant's configuration (grants, actor) while running.
func (s *Server) SetTenant(fn func(t *Tenant)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.t)
	if s.t.Impersonators == nil && s.t.AgentID != "" {
		s.t.Impersonators = []string{s.t.AgentID}
	}
}

// AddUser stores a user.
func (s *Server) AddUser(u User) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == "" {
		u.ID = uuid()
	}
	if u.Created.IsZero() {
		u.Created = time.Now().UTC().Add(-24 * time.Hour)
	}
	if u.Modified.IsZero() {
		u.Modified = u.Created
	}
	s.users = append(s.users, &u)
	return &u
}

// AddUsers stores n users modified at at; every fifth is shared with one
// organization, every seventh with two, the thirteenth of each 50 is locked.
func (s *Server) AddUsers(n int, at time.Time) []User {
	out := make([]User, 0, n)
	for i := range n {
		u := User{ID: uuid(), UserName: fmt.Sprintf("user%04d@customer.test", i), GivenName: "User", FamilyName: fmt.Sprintf("%04d", i),
			Email: fmt.Sprintf("user%04d@customer.test", i), Created: at.Add(-time.Hour), Modified: at, Locked: i%50 == 13}
		if i%5 == 0 {
			u.Orgs = append(u.Orgs, Org{ID: "b028ca17-8f89-449c-ae27-fa955e66465d", Name: "Acme EU"})
		}
		if i%7 == 0 {
			u.Orgs = append(u.Orgs, Org{ID: "2fb64b16-94ee-4727-a542-5db7af91ef06", Name: "Acme US"}, Org{ID: "7d3c0a51-0f7e-4b8e-9a57-3f1f1c2b9e10", Name: "Acme APAC"})
		}
		out = append(out, *s.AddUser(u))
	}
	return out
}

// Touch sets a user's lastModified.
func (s *Server) Touch(id string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(id); u != nil {
		u.Modified = at
	}
}

// AddSession gives a user an SSO session begun at login; it returns its id.
func (s *Server) AddSession(userID, app string, login time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addSession(userID, app, login).ID
}

func (s *Server) addSession(userID, app string, login time.Time) *Session {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	ses := &Session{ID: hex.EncodeToString(b), UserID: userID, App: app, LoginTime: login}
	s.sessions = append(s.sessions, ses)
	return ses
}

// LiveSessions lists a user's sessions not ended.
func (s *Server) LiveSessions(userID string) []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Session
	for _, x := range s.sessions {
		if x.UserID == userID && !x.Ended {
			out = append(out, *x)
		}
	}
	return out
}

// Impersonated lists the impersonated tokens issued, in order.
func (s *Server) Impersonated() []Issued {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issued, len(s.issued))
	for i, x := range s.issued {
		out[i] = *x
	}
	return out
}

func (s *Server) user(id string) *User {
	for _, u := range s.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

// sign issues a JWT signed with the organization's key.
func (s *Server) sign(claims map[string]any, typ string) string {
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("kid", s.kid)
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: s.key}, opts)
	if err != nil {
		panic(err)
	}
	now := time.Now()
	base := map[string]any{"iss": s.Issuer(), "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": uuid()}
	for k, v := range claims {
		base[k] = v
	}
	raw, err := jwt.Signed(sig).Claims(base).CompactSerialize()
	if err != nil {
		panic(err)
	}
	return raw
}

// SignWith signs claims with a key the organization does not publish (tests of forgery).
func SignWith(claims map[string]any) string {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	sig, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "forged"))
	raw, _ := jwt.Signed(sig).Claims(claims).CompactSerialize()
	return raw
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func hexID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func hasAll(have []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
