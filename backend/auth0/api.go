package auth0

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Wire shapes of the Management API (providers.md §2.10), only the fields Guise reads.

// User is an Auth0 user profile.
type User struct {
	UserID      string         `json:"user_id"`
	Email       string         `json:"email"`
	Name        string         `json:"name"`
	Nickname    string         `json:"nickname"`
	GivenName   string         `json:"given_name"`
	FamilyName  string         `json:"family_name"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Blocked     bool           `json:"blocked"`
	AppMetadata map[string]any `json:"app_metadata"`
}

// UserList is GET /users with include_totals=true.
type UserList struct {
	Start  int    `json:"start"`
	Limit  int    `json:"limit"`
	Length int    `json:"length"`
	Total  int    `json:"total"`
	Users  []User `json:"users"`
}

// Organization is one of a user's organizations.
type Organization struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
}

type orgList struct {
	Start         int            `json:"start"`
	Limit         int            `json:"limit"`
	Total         int            `json:"total"`
	Organizations []Organization `json:"organizations"`
}

// Job is a users-export job.
type Job struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Status         string `json:"status"`
	Location       string `json:"location"`
	PercentageDone int    `json:"percentage_done"`
	TimeLeft       int    `json:"time_left_seconds"`
}

// Session is a user's Auth0 session (Sessions API, Enterprise plans).
type Session struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Clients   []struct {
		ClientID string `json:"client_id"`
	} `json:"clients"`
}

type sessionList struct {
	Sessions []Session `json:"sessions"`
	Next     *string   `json:"next"`
}

// LogEvent is one tenant log event.
type LogEvent struct {
	LogID       string    `json:"log_id"`
	Date        time.Time `json:"date"`
	Type        string    `json:"type"`
	Description string    `json:"description"`
	ClientID    string    `json:"client_id"`
	ClientName  string    `json:"client_name"`
	IP          string    `json:"ip"`
	UserID      string    `json:"user_id"`
	UserName    string    `json:"user_name"`
}

// ListUsers fetches one page of GET /users with totals; q "" lists everyone.
func (c *Client) ListUsers(ctx context.Context, q, sort string, page, perPage int) (UserList, error) {
	v := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}, "include_totals": {"true"}}
	if q != "" {
		v.Set("q", q)
		v.Set("search_engine", "v3")
	}
	if sort != "" {
		v.Set("sort", sort)
	}
	var out UserList
	_, err := c.api(ctx, http.MethodGet, "/users", v, nil, &out)
	return out, err
}

// GetUser fetches one user.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	var u User
	_, err := c.api(ctx, http.MethodGet, "/users/"+url.PathEscape(id), nil, nil, &u)
	return u, err
}

// UserOrganizations lists every organization of a user.
func (c *Client) UserOrganizations(ctx context.Context, id string) ([]Organization, error) {
	var all []Organization
	for page := 0; ; page++ {
		var out orgList
		v := url.Values{"page": {strconv.Itoa(page)}, "per_page": {"100"}, "include_totals": {"true"}}
		if _, err := c.api(ctx, http.MethodGet, "/users/"+url.PathEscape(id)+"/organizations", v, nil, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Organizations...)
		if len(out.Organizations) == 0 || len(all) >= out.Total {
			return all, nil
		}
	}
}

// exportFields are the user fields the export asks for; blocked is what
// makes a user suspended in Guise.
var exportFields = []string{"user_id", "email", "name", "given_name", "family_name", "nickname", "updated_at", "blocked", "app_metadata"}

// CreateUsersExport starts a users-export job in gzip'd newline-delimited JSON.
func (c *Client) CreateUsersExport(ctx context.Context) (Job, error) {
	fields := make([]map[string]string, len(exportFields))
	for i, f := range exportFields {
		fields[i] = map[string]string{"name": f}
	}
	var j Job
	_, err := c.api(ctx, http.MethodPost, "/jobs/users-exports", nil, map[string]any{"format": "json", "fields": fields}, &j)
	return j, err
}

// GetJob polls a job.
func (c *Client) GetJob(ctx context.Context, id string) (Job, error) {
	var j Job
	_, err := c.api(ctx, http.MethodGet, "/jobs/"+url.PathEscape(id), nil, nil, &j)
	return j, err
}

// UserSessions lists all of a user's sessions (checkpoint paging).
func (c *Client) UserSessions(ctx context.Context, id string) ([]Session, error) {
	var all []Session
	from := ""
	for range 100 { // 5,000 sessions is far past any real user
		v := url.Values{"take": {"50"}}
		if from != "" {
			v.Set("from", from)
		}
		var out sessionList
		if _, err := c.api(ctx, http.MethodGet, "/users/"+url.PathEscape(id)+"/sessions", v, nil, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Sessions...)
		if out.Next == nil || *out.Next == "" || *out.Next == from || len(out.Sessions) == 0 {
			break
		}
		from = *out.Next
	}
	return all, nil
}

// RevokeSession revokes one session and its refresh tokens.
func (c *Client) RevokeSession(ctx context.Context, id string) error {
	_, err := c.api(ctx, http.MethodPost, "/sessions/"+url.PathEscape(id)+"/revoke", nil, nil, nil)
	return err
}

// TenantImpersonationDisabled reads the tenant flag disable_impersonation
// (needs read:tenant_settings).
func (c *Client) TenantImpersonationDisabled(ctx context.Context) (bool, error) {
	var out struct {
		Flags struct {
			DisableImpersonation bool `json:"disable_impersonation"`
		} `json:"flags"`
	}
	_, err := c.api(ctx, http.MethodGet, "/tenants/settings", url.Values{"fields": {"flags"}, "include_fields": {"true"}}, nil, &out)
	return out.Flags.DisableImpersonation, err
}

// Logs fetches one checkpoint page of tenant logs after log id from ("" is
// the oldest retained) and returns the checkpoint to continue from.
func (c *Client) Logs(ctx context.Context, from string, take int) ([]LogEvent, string, error) {
	v := url.Values{"take": {strconv.Itoa(take)}}
	if from != "" {
		v.Set("from", from)
	}
	var out []LogEvent
	resp, err := c.api(ctx, http.MethodGet, "/logs", v, nil, &out)
	if err != nil {
		return nil, from, err
	}
	next := from
	if len(out) > 0 {
		next = out[len(out)-1].LogID
	}
	// The Link header carries the same checkpoint; prefer it when present.
	if n := linkNext(resp.header.Get("Link")); n != "" {
		next = n
	}
	return out, next, nil
}

// linkNext extracts from=… of the rel="next" link.
func linkNext(h string) string {
	for _, part := range strings.Split(h, ",") {
		if !strings.Contains(part, `rel="next"`) {
			continue
		}
		s, e := strings.Index(part, "<"), strings.Index(part, ">")
		if s < 0 || e <= s {
			continue
		}
		if u, err := url.Parse(part[s+1 : e]); err == nil {
			return u.Query().Get("from")
		}
	}
	return ""
}

// ImpersonateRequest is the legacy impersonation call's body (§2.4).
type ImpersonateRequest struct {
	Protocol             string            `json:"protocol"`
	ImpersonatorID       string            `json:"impersonator_id"`
	ClientID             string            `json:"client_id"`
	AdditionalParameters map[string]string `json:"additionalParameters"`
}

// Impersonate calls the legacy POST {base}/users/{id}/impersonate with
// bearer (the global client's token, else the Management token) and
// returns the one-time URL Auth0 answers with, as plain text.
func (c *Client) Impersonate(ctx context.Context, bearer, userID string, req ImpersonateRequest) (string, error) {
	resp, err := c.call(ctx, http.MethodPost, c.base+"/users/"+url.PathEscape(userID)+"/impersonate", bearer, req, nil)
	if err != nil {
		return "", err
	}
	return strings.Trim(strings.TrimSpace(string(resp.body)), `"`), nil
}

// GlobalToken gets a token for the tenant's legacy global client (no audience).
func (c *Client) GlobalToken(ctx context.Context, id, secret string) (string, error) {
	t, err := c.requestToken(ctx, id, secret, "", "the global client "+id)
	return t.value, err
}

// ManagementToken returns the cached Management API token.
func (c *Client) ManagementToken(ctx context.Context) (string, error) {
	t, err := c.token(ctx)
	return t.value, err
}
