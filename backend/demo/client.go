package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Client is Guise's adapter for the demo identity provider's admin API.
// It does not retry: the syncer and the service own retries and back-off.
type Client struct {
	base  string
	key   string
	http  *http.Client
	limit atomic.Int64 // X-RateLimit-Limit last announced; 0 = none
}

var (
	_ guise.Provider    = (*Client)(nil)
	_ guise.RateLimited = (*Client)(nil)
)

// RateLimit is the limit the server announces on every admin answer
// (X-RateLimit-Limit requests per second, in fixed one-second windows, so no
// burst); 0 until an answer said, or when the server sets none.
func (c *Client) RateLimit() (perSecond float64, burst int) {
	return float64(c.limit.Load()), 1
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through h.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// NewClient returns a client of the demo server at baseURL (like
// "http://127.0.0.1:8787") authenticating with apiKey.
func NewClient(baseURL, apiKey string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, guise.FieldError("base_url", "The demo server address must be an http:// or https:// URL, like http://127.0.0.1:8787.")
	}
	if strings.TrimSpace(apiKey) == "" {
		return nil, guise.FieldError("api_key", "The demo server needs an API key.")
	}
	c := &Client{base: strings.TrimRight(u.String(), "/"), key: strings.TrimSpace(apiKey),
		http: &http.Client{Timeout: 15 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Health returns nil when a guise-demo server answers at the base URL.
func (c *Client) Health(ctx context.Context) error {
	var h struct {
		OK   bool   `json:"ok"`
		Name string `json:"name"`
	}
	err := c.do(ctx, http.MethodGet, "/healthz", nil, nil, &h)
	switch guise.ErrorCode(err) {
	case guise.EUNAVAILABLE, guise.ECANCELED, guise.ERATELIMIT:
		return err
	}
	if err != nil || !h.OK || h.Name != "guise-demo" {
		return guise.Errorf(guise.EPROVIDER, "Something answers at %s, but it is not a Guise demo server.", c.base)
	}
	return nil
}

// Check lists one user and one organization and says what worked.
func (c *Client) Check(ctx context.Context) []guise.CheckResult {
	var out []guise.CheckResult
	var users apiPage[apiUser]
	err := c.do(ctx, http.MethodGet, "/admin/v1/users", url.Values{"limit": {"1"}}, nil, &users)
	out = append(out, checkResult("API key accepted", err, "The demo server accepted the API key and listed users."))
	var orgs apiPage[apiOrg]
	err = c.do(ctx, http.MethodGet, "/admin/v1/organizations", url.Values{"limit": {"1"}}, nil, &orgs)
	return append(out, checkResult("Organizations readable", err, "Organizations can be listed."))
}

func checkResult(name string, err error, ok string) guise.CheckResult {
	if err != nil {
		return guise.CheckResult{Name: name, Detail: guise.ErrorMessage(err)}
	}
	return guise.CheckResult{Name: name, OK: true, Detail: ok}
}

// ListOrgs returns one page of up to 100 organizations.
func (c *Client) ListOrgs(ctx context.Context, cursor string) ([]guise.Org, string, error) {
	q := url.Values{"limit": {strconv.Itoa(maxLimit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var page apiPage[apiOrg]
	if err := c.do(ctx, http.MethodGet, "/admin/v1/organizations", q, nil, &page); err != nil {
		return nil, "", err
	}
	orgs := make([]guise.Org, len(page.Data))
	for i, o := range page.Data {
		orgs[i] = guise.Org{ID: o.ID, Name: o.Name}
	}
	return orgs, deref(page.NextCursor), nil
}

// ListUsers returns one page of up to 100 users updated after since.
func (c *Client) ListUsers(ctx context.Context, cursor string, since time.Time) (guise.UserPage, error) {
	q := url.Values{"limit": {strconv.Itoa(maxLimit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if !since.IsZero() {
		q.Set("updated_after", since.UTC().Format(time.RFC3339Nano))
	}
	var page apiPage[apiUser]
	if err := c.do(ctx, http.MethodGet, "/admin/v1/users", q, nil, &page); err != nil {
		return guise.UserPage{}, err
	}
	users := make([]guise.User, len(page.Data))
	for i, u := range page.Data {
		users[i] = u.domain()
	}
	return guise.UserPage{Users: users, Next: deref(page.NextCursor)}, nil
}

// GetUser fetches one user fresh; ENOTFOUND when the demo has no such user.
func (c *Client) GetUser(ctx context.Context, id string) (guise.User, error) {
	var u apiUser
	if err := c.do(ctx, http.MethodGet, "/admin/v1/users/"+url.PathEscape(id), nil, nil, &u); err != nil {
		return guise.User{}, err
	}
	return u.domain(), nil
}

// StartImpersonation creates an impersonation; its URL is a single-use
// sign-in link valid for 2 minutes.
func (c *Client) StartImpersonation(ctx context.Context, req guise.StartRequest) (guise.Started, error) {
	body := apiImpersonationRequest{UserID: req.UserID, OrgID: req.OrgID, DurationSeconds: int(req.Duration / time.Second),
		Actor: apiActor{Email: req.Agent.Email, Reason: req.Reason, Ticket: req.Ticket}}
	var st apiStarted
	if err := c.do(ctx, http.MethodPost, "/admin/v1/impersonations", nil, body, &st); err != nil {
		return guise.Started{}, err
	}
	if st.ID == "" || st.URL == "" {
		return guise.Started{}, guise.Errorf(guise.EPROVIDER, "The demo server started an impersonation but sent no id or link.")
	}
	return guise.Started{Ref: st.ID, URL: st.URL, ExpiresAt: st.ExpiresAt}, nil
}

// StopImpersonation revokes the impersonation. One that already ended is
// fine; one the server never heard of is ENOTFOUND.
func (c *Client) StopImpersonation(ctx context.Context, ref string) (guise.Stopped, error) {
	var im apiImpersonation
	if err := c.do(ctx, http.MethodPost, "/admin/v1/impersonations/"+url.PathEscape(ref)+"/revoke", nil, nil, &im); err != nil {
		return guise.Stopped{}, err
	}
	return guise.Stopped{Detail: "revoked at the Demo identity provider"}, nil
}

func (u apiUser) domain() guise.User {
	orgs := make([]guise.Org, len(u.Organizations))
	for i, o := range u.Organizations {
		orgs[i] = guise.Org{ID: o.ID, Name: o.Name, Role: o.Role}
	}
	return guise.User{ID: u.ID, Email: u.Email, Name: strings.TrimSpace(u.FirstName + " " + u.LastName),
		Role: u.Role, Status: u.Status, Orgs: orgs, Metadata: u.Metadata, UpdatedAt: u.UpdatedAt}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// do sends one request and decodes a 2xx JSON answer into out. Errors are
// *guise.Error and never carry the API key or a launch URL.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return guise.Wrap(guise.EINTERNAL, err, "Could not encode the request to the demo server.")
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return guise.Wrap(guise.EINTERNAL, err, "Could not build the request to the demo server.")
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if n, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Limit")); err == nil && n > 0 {
		c.limit.Store(int64(n))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return c.transportError(ctx, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(resp, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return guise.Wrap(guise.EPROVIDER, err, "The demo server sent an answer Guise cannot read (%s %s).", method, path)
	}
	return nil
}

func (c *Client) transportError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return guise.Wrap(guise.ECANCELED, err, "The request to the demo server was canceled.")
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // the URL is already in the message
	}
	return guise.Wrap(guise.EUNAVAILABLE, err, "Cannot reach the demo server at %s: %v", c.base, cause)
}

// statusError maps a non-2xx answer to a domain error code.
func statusError(resp *http.Response, data []byte) error {
	var body apiErrorBody
	_ = json.Unmarshal(data, &body) // a body that is not ours still has a status
	said := ""
	if body.Message != "" {
		said = " It said: " + body.Message
	}
	cause := fmt.Errorf("demo: HTTP %d %s", resp.StatusCode, body.Code)
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return guise.Wrap(guise.EUNAUTHORIZED, cause, "The demo server rejected the API key.")
	case code == http.StatusNotFound:
		if body.Message == "" {
			body.Message = "The demo server found nothing there."
		}
		return guise.Wrap(guise.ENOTFOUND, cause, "%s", body.Message)
	case code == http.StatusTooManyRequests:
		wait := parseRetryAfter(resp.Header.Get("Retry-After"))
		return guise.Wrap(guise.ERATELIMIT, &guise.RetryAfterError{Wait: wait},
			"The demo server asked Guise to slow down; retry in %s.", guise.FormatDuration(wait))
	case code == http.StatusUnprocessableEntity && body.Code == codeSuspended:
		return &guise.Error{Code: guise.EREFUSED, Rule: guise.RuleSuspended, Message: body.Message, Err: cause}
	case code == http.StatusUnprocessableEntity && body.Code == codeOrgNotMember:
		return &guise.Error{Code: guise.EREFUSED, Rule: guise.RuleOrgMember, Field: "org", Message: body.Message, Err: cause}
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		return guise.Wrap(guise.EINVALID, cause, "The demo server refused the request as invalid.%s", said)
	case code == http.StatusConflict:
		return guise.Wrap(guise.ECONFLICT, cause, "The demo server reported a conflict.%s", said)
	case code >= 500:
		return guise.Wrap(guise.EUNAVAILABLE, cause, "The demo server failed (HTTP %d); try again shortly.", code)
	default:
		return guise.Wrap(guise.EPROVIDER, cause, "The demo server answered HTTP %d, which Guise does not expect.%s", code, said)
	}
}

// parseRetryAfter reads seconds or an HTTP date; 1 s when absent or odd.
func parseRetryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d.Round(time.Second)
		}
	}
	return time.Second
}
