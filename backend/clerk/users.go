package clerk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	sdk "github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/organization"
	"github.com/clerk/clerk-sdk-go/v2/user"

	"github.com/guiseapp/guise/backend/guise"
)

const (
	userPage       = 500 // Clerk's largest users page
	membershipPage = 100
	orgPage        = 100
)

// userList reads GET /users, a bare JSON array. The SDK's user.List would
// also call /users/count for every page; one count per run is enough.
type userList []*sdk.User

// Read implements sdk.ResponseReader; nothing of the response is kept.
func (*userList) Read(*sdk.APIResponse) {}

// encodeCursor and parseCursor turn Clerk's offsets into the syncer's cursors.
func encodeCursor(offset int64) string { return "offset:" + strconv.FormatInt(offset, 10) }

func parseCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(c, "offset:"), 10, 64)
	if err != nil || n < 0 || !strings.HasPrefix(c, "offset:") {
		return 0, guise.Errorf(guise.EINVALID, "The saved sync position %q is not a Clerk offset; run the sync again from the start.", c)
	}
	return n, nil
}

// CountUsers asks Clerk how many users the instance has (GET /users/count).
func (p *Provider) CountUsers(ctx context.Context) (int, error) {
	n, err := p.users.Count(ctx, &user.ListParams{})
	if err != nil {
		return 0, p.mapErr(ctx, err, "count users")
	}
	return int(n.TotalCount), nil
}

// ListUsers returns one page of 500 users with their memberships. A full
// run (since zero) pages oldest-created first, so users created meanwhile
// land on later pages; an incremental run pages by -updated_at and stops at
// the first user not changed after since (Clerk has no updated-after filter).
func (p *Provider) ListUsers(ctx context.Context, cursor string, since time.Time) (guise.UserPage, error) {
	offset, err := parseCursor(cursor)
	if err != nil {
		return guise.UserPage{}, err
	}
	order := "+created_at"
	if !since.IsZero() {
		order = "-updated_at"
	}
	params := &user.ListParams{OrderBy: sdk.String(order)}
	params.Limit, params.Offset = sdk.Int64(userPage), sdk.Int64(offset)
	req := sdk.NewAPIRequest(http.MethodGet, "/users")
	req.SetParams(params)
	var list userList
	if err := p.users.Backend.Call(ctx, req, &list); err != nil {
		return guise.UserPage{}, p.mapErr(ctx, err, "list users")
	}
	page := guise.UserPage{Users: make([]guise.User, 0, len(list))}
	done := len(list) < userPage
	for _, cu := range list {
		if cu == nil {
			continue
		}
		u := toUser(cu)
		if !since.IsZero() && !u.UpdatedAt.After(since) {
			done = true // ordered by update time: the rest is older still
			break
		}
		if u.Orgs, err = p.memberships(ctx, cu.ID); err != nil {
			return guise.UserPage{}, err
		}
		page.Users = append(page.Users, u)
	}
	if !done {
		page.Next = encodeCursor(offset + int64(len(list)))
	}
	return page, nil
}

// GetUser fetches one user with organizations; ENOTFOUND when Clerk has none.
func (p *Provider) GetUser(ctx context.Context, id string) (guise.User, error) {
	cu, err := p.users.Get(ctx, id)
	if err != nil {
		return guise.User{}, p.mapErr(ctx, err, "read user "+id)
	}
	u := toUser(cu)
	if u.Orgs, err = p.memberships(ctx, cu.ID); err != nil {
		return guise.User{}, err
	}
	return u, nil
}

// memberships lists all of a user's organizations, with names and roles.
func (p *Provider) memberships(ctx context.Context, userID string) ([]guise.Org, error) {
	orgs := []guise.Org{}
	for offset := int64(0); ; {
		params := &user.ListOrganizationMembershipsParams{}
		params.Limit, params.Offset = sdk.Int64(membershipPage), sdk.Int64(offset)
		list, err := p.users.ListOrganizationMemberships(ctx, userID, params)
		if err != nil {
			return nil, p.mapErr(ctx, err, "list the organizations of "+userID)
		}
		for _, m := range list.OrganizationMemberships {
			if m == nil || m.Organization == nil {
				continue
			}
			orgs = append(orgs, guise.Org{ID: m.Organization.ID, Name: m.Organization.Name, Role: strings.TrimPrefix(m.Role, "org:")})
		}
		offset += int64(len(list.OrganizationMemberships))
		if len(list.OrganizationMemberships) == 0 || offset >= list.TotalCount {
			return orgs, nil
		}
	}
}

// ListOrgs returns one page of the instance's organizations.
func (p *Provider) ListOrgs(ctx context.Context, cursor string) ([]guise.Org, string, error) {
	offset, err := parseCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	params := &organization.ListParams{}
	params.Limit, params.Offset = sdk.Int64(orgPage), sdk.Int64(offset)
	list, err := p.orgs.List(ctx, params)
	if err != nil {
		return nil, "", p.mapErr(ctx, err, "list organizations")
	}
	orgs := make([]guise.Org, 0, len(list.Organizations))
	for _, o := range list.Organizations {
		if o != nil {
			orgs = append(orgs, guise.Org{ID: o.ID, Name: o.Name})
		}
	}
	next := offset + int64(len(list.Organizations))
	if len(list.Organizations) == 0 || next >= list.TotalCount {
		return orgs, "", nil
	}
	return orgs, encodeCursor(next), nil
}

// toUser maps a Clerk user. Banned and locked users are suspended; the role
// is public_metadata.role when the app keeps one there (Clerk has none of
// its own), and public_metadata's plain values become the metadata (so
// guise_protected works).
func toUser(cu *sdk.User) guise.User {
	u := guise.User{ID: cu.ID, Status: guise.StatusActive, UpdatedAt: time.UnixMilli(cu.UpdatedAt).UTC()}
	for _, e := range cu.EmailAddresses {
		if e == nil {
			continue
		}
		if u.Email == "" || (cu.PrimaryEmailAddressID != nil && e.ID == *cu.PrimaryEmailAddressID) {
			u.Email = e.EmailAddress
		}
	}
	u.Name = strings.TrimSpace(deref(cu.FirstName) + " " + deref(cu.LastName))
	if u.Name == "" {
		u.Name = deref(cu.Username)
	}
	if cu.Banned || cu.Locked {
		u.Status = guise.StatusSuspended
	}
	var meta map[string]any
	if len(cu.PublicMetadata) > 0 && json.Unmarshal(cu.PublicMetadata, &meta) == nil {
		for k, v := range meta {
			switch v := v.(type) {
			case string, bool, float64:
				if u.Metadata == nil {
					u.Metadata = map[string]string{}
				}
				u.Metadata[k] = fmt.Sprint(v)
			}
		}
		if r, ok := meta["role"].(string); ok {
			u.Role = r
		}
	}
	return u
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
