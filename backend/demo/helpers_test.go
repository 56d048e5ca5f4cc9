package demo

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is an injectable Now that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startServer starts a demo server on a free port in a temp dir and closes
// it at the end of the test. Users defaults to 200 to keep tests quick.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.DBPath == "" {
		cfg.DBPath = filepath.Join(t.TempDir(), "demo.db")
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Users == 0 {
		cfg.Users = 200
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return s
}

// call sends an admin request with the server's key and decodes a JSON
// answer into out (when out is not nil).
func call(t *testing.T, s *Server, method, path string, body, out any) *http.Response {
	t.Helper()
	return callKey(t, s, s.APIKey(), method, path, body, out)
}

func callKey(t *testing.T, s *Server, key, method, path string, body, out any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: HTTP %d, body %q: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp
}

// wantError checks an error answer's status and JSON code.
func wantError(t *testing.T, s *Server, method, path string, body any, status int, code string) {
	t.Helper()
	var e apiErrorBody
	resp := call(t, s, method, path, body, &e)
	if resp.StatusCode != status || e.Code != code || e.Message == "" {
		t.Fatalf("%s %s = %d %+v, want %d with code %q and a message", method, path, resp.StatusCode, e, status, code)
	}
}

// walk follows next_cursor from path (which carries a query) to the end.
func walk[T any](t *testing.T, s *Server, path string) []T {
	t.Helper()
	var out []T
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			t.Fatal("pagination does not end")
		}
		var page apiPage[T]
		if resp := call(t, s, "GET", path+"&cursor="+url.QueryEscape(cursor), nil, &page); resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d", path, resp.StatusCode)
		}
		out = append(out, page.Data...)
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
}

// allUsers walks the user list with the largest page.
func allUsers(t *testing.T, s *Server, query string) []apiUser {
	t.Helper()
	return walk[apiUser](t, s, "/admin/v1/users?limit=100"+query)
}

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so tests see the sign-in's 303 and its cookie.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) get(url string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(url)
	if err != nil {
		b.t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// staffBar returns the text of the element with id staff-bar, as a browser
// would show it.
func staffBar(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<div id="staff-bar"[^>]*>(.*?)</div>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no staff bar in page:\n%s", page)
	}
	return html.UnescapeString(strings.TrimSpace(tagRE.ReplaceAllString(m[1], "")))
}

// findUser returns the first of users matching ok.
func findUser(t *testing.T, users []apiUser, what string, ok func(apiUser) bool) apiUser {
	t.Helper()
	for _, u := range users {
		if ok(u) {
			return u
		}
	}
	t.Fatalf("no %s among %d users", what, len(users))
	return apiUser{}
}

func isSingleOrgMember(u apiUser) bool {
	return u.Status == statusActive && u.Role == roleMember && len(u.Organizations) == 1
}

func isMultiOrgMember(u apiUser) bool {
	return u.Status == statusActive && u.Role == roleMember && len(u.Organizations) >= 2
}

func startReq(u apiUser, org string) apiImpersonationRequest {
	return apiImpersonationRequest{UserID: u.ID, OrgID: org, DurationSeconds: 1800,
		Actor: apiActor{Email: "agent@support.test", Reason: "Customer cannot see invoices", Ticket: "SUP-1234"}}
}
