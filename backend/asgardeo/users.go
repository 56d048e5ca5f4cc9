package asgardeo

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// pageSize is SCIM's count per page: Asgardeo caps it at 100.
const pageSize = 100

// ScimUser is the part of a SCIM 2.0 user Guise reads (providers.md §4.2).
type ScimUser struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
	Name     struct {
		GivenName  string `json:"givenName"`
		FamilyName string `json:"familyName"`
		Formatted  string `json:"formatted"`
	} `json:"name"`
	DisplayName string      `json:"displayName"`
	Emails      []scimEmail `json:"emails"`
	Active      *bool       `json:"active"`
	Meta        struct {
		Created      string `json:"created"`
		LastModified string `json:"lastModified"`
	} `json:"meta"`
	// The WSO2 extension says whether the account is locked or disabled;
	// both are strings or booleans depending on the server.
	WSO2 struct {
		AccountLocked   any `json:"accountLocked"`
		AccountDisabled any `json:"accountDisabled"`
	} `json:"urn:scim:wso2:schema"`
}

// scimEmail accepts both shapes Asgardeo's docs show: a plain string, or
// {value, primary}.
type scimEmail struct {
	Value   string
	Primary bool
}

func (e *scimEmail) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		e.Value = s
		return nil
	}
	var o struct {
		Value   string `json:"value"`
		Primary bool   `json:"primary"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	e.Value, e.Primary = o.Value, o.Primary
	return nil
}

// scimList is SCIM's ListResponse.
type scimList struct {
	TotalResults int        `json:"totalResults"`
	StartIndex   int        `json:"startIndex"`
	ItemsPerPage int        `json:"itemsPerPage"`
	Resources    []ScimUser `json:"Resources"`
}

// sharedOrgs is GET /api/server/v1/users/{id}/shared-organizations.
type sharedOrgs struct {
	Links []struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	} `json:"links"`
	SharedOrganizations []struct {
		OrgID      string `json:"orgId"`
		OrgName    string `json:"orgName"`
		SharedType string `json:"sharedType"`
	} `json:"sharedOrganizations"`
}

// toUser maps a SCIM user to Guise's user (organizations added later).
func toUser(s ScimUser) guise.User {
	u := guise.User{ID: s.ID, Status: guise.StatusActive}
	for _, e := range s.Emails {
		if e.Value != "" && (u.Email == "" || e.Primary) {
			u.Email = e.Value
		}
	}
	login := s.UserName
	if i := strings.LastIndex(login, "/"); i >= 0 { // "DEFAULT/jane@example.com": the user store first
		login = login[i+1:]
	}
	if u.Email == "" && strings.Contains(login, "@") {
		u.Email = login
	}
	u.Email = strings.ToLower(u.Email)
	u.Name = strings.TrimSpace(s.Name.GivenName + " " + s.Name.FamilyName)
	if u.Name == "" {
		u.Name = firstNonEmpty(s.Name.Formatted, s.DisplayName, login)
	}
	if (s.Active != nil && !*s.Active) || truthy(s.WSO2.AccountLocked) || truthy(s.WSO2.AccountDisabled) {
		u.Status = guise.StatusSuspended
	}
	for _, t := range []string{s.Meta.LastModified, s.Meta.Created} {
		if ts, err := time.Parse(time.RFC3339, t); err == nil {
			u.UpdatedAt = ts.UTC()
			break
		}
	}
	if login != "" && login != u.Email {
		u.Metadata = map[string]string{"username": login}
	}
	return u
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// ListOrgs returns nothing: Asgardeo organizations arrive with each user's
// shared organizations, which the cache stores.
func (p *Provider) ListOrgs(context.Context, string) ([]guise.Org, string, error) {
	return nil, "", nil
}

// ListUsers returns one SCIM page (cursor: the 1-based startIndex) with each
// user's shared organizations. SCIM here has no date filter, so since only
// narrows what is returned: every page is still read.
func (p *Provider) ListUsers(ctx context.Context, cursor string, since time.Time) (guise.UserPage, error) {
	start := 1
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 1 {
			return guise.UserPage{}, guise.Errorf(guise.EPROVIDER, "The sync position %q is not one Guise wrote; run a full sync (guise sync --full).", cursor)
		}
		start = n
	}
	var list scimList
	q := url.Values{"startIndex": {strconv.Itoa(start)}, "count": {strconv.Itoa(pageSize)}}
	if err := p.c.api(ctx, "GET", "/scim2/Users", q, &list, "listing users (SCIM)"); err != nil {
		return guise.UserPage{}, err
	}
	if len(list.Resources) > pageSize*10 || list.TotalResults < 0 {
		return guise.UserPage{}, guise.Errorf(guise.EPROVIDER, "Asgardeo sent a users page Guise cannot use (%d users, total %d).", len(list.Resources), list.TotalResults)
	}
	var page guise.UserPage
	for _, r := range list.Resources {
		if r.ID == "" {
			continue // nothing to key it by; the rest of the page is kept
		}
		u := toUser(r)
		if !since.IsZero() && !u.UpdatedAt.After(since) {
			continue
		}
		orgs, err := p.userOrgs(ctx, u.ID)
		if err != nil {
			return guise.UserPage{}, err
		}
		u.Orgs = orgs
		page.Users = append(page.Users, u)
	}
	if next := start + len(list.Resources); len(list.Resources) > 0 && next <= list.TotalResults {
		page.Next = strconv.Itoa(next)
	}
	return page, nil
}

// CountUsers asks SCIM for the total (for the sync's progress).
func (p *Provider) CountUsers(ctx context.Context) (int, error) {
	var list scimList
	if err := p.c.api(ctx, "GET", "/scim2/Users", url.Values{"startIndex": {"1"}, "count": {"1"}}, &list, "counting users (SCIM)"); err != nil {
		return 0, err
	}
	return list.TotalResults, nil
}

// GetUser fetches one user and their shared organizations.
func (p *Provider) GetUser(ctx context.Context, id string) (guise.User, error) {
	if strings.ContainsAny(id, "/?#") || strings.TrimSpace(id) == "" {
		return guise.User{}, guise.Errorf(guise.ENOTFOUND, "%q is not an Asgardeo user id.", id)
	}
	var s ScimUser
	if err := p.c.api(ctx, "GET", "/scim2/Users/"+url.PathEscape(id), nil, &s, "reading user "+id); err != nil {
		return guise.User{}, err
	}
	if s.ID == "" {
		return guise.User{}, guise.Errorf(guise.EPROVIDER, "Asgardeo answered for user %s without an id.", id)
	}
	u := toUser(s)
	orgs, err := p.userOrgs(ctx, u.ID)
	if err != nil {
		return guise.User{}, err
	}
	u.Orgs = orgs
	return u, nil
}

// userOrgs follows the shared-organizations cursor. Without the scope or
// the API (a self-hosted server without organizations), users simply have
// no organizations; Check says why.
func (p *Provider) userOrgs(ctx context.Context, id string) ([]guise.Org, error) {
	if p.noOrgs.Load() {
		return nil, nil
	}
	var out []guise.Org
	q := url.Values{"limit": {"100"}}
	for range 100 { // 10,000 organizations: a bound against a looping cursor
		var page sharedOrgs
		err := p.c.api(ctx, "GET", "/api/server/v1/users/"+url.PathEscape(id)+"/shared-organizations", q, &page, "reading the organizations of user "+id)
		if code := guise.ErrorCode(err); code == guise.EUNAUTHORIZED || (code == guise.ENOTFOUND && len(out) == 0 && isAPIMissing(err)) {
			p.noOrgs.Store(true)
			return nil, nil
		}
		if code := guise.ErrorCode(err); code == guise.ENOTFOUND {
			return out, nil // the user went away meanwhile
		}
		if err != nil {
			return nil, err
		}
		for _, o := range page.SharedOrganizations {
			if o.OrgID != "" {
				out = append(out, guise.Org{ID: o.OrgID, Name: firstNonEmpty(o.OrgName, o.OrgID)})
			}
		}
		next := ""
		for _, l := range page.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
		if next == "" || len(page.SharedOrganizations) == 0 {
			return out, nil
		}
		u, err := url.Parse(next)
		if err != nil || u.Query().Get("after") == "" {
			return out, nil
		}
		q.Set("after", u.Query().Get("after"))
	}
	return out, nil
}

// isAPIMissing tells a 404 of the path itself (no such API here) from a
// 404 about the user: the REST error of a missing user names a code.
func isAPIMissing(err error) bool {
	if e := asAPIError(err); e != nil {
		return e.Code == "" && e.Detail == ""
	}
	return false
}
