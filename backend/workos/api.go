package workos

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Wire shapes (providers.md §1.10), only the fields Guise reads.

// List is one page of a list endpoint.
type List[T any] struct {
	Data         []T          `json:"data"`
	ListMetadata ListMetadata `json:"list_metadata"`
}

// ListMetadata holds the cursors; After is "" (null) on the last page.
type ListMetadata struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

// User is a WorkOS user.
type User struct {
	Object        string            `json:"object"`
	ID            string            `json:"id"`
	FirstName     string            `json:"first_name"`
	LastName      string            `json:"last_name"`
	Name          string            `json:"name"`
	Email         string            `json:"email"`
	EmailVerified bool              `json:"email_verified"`
	ExternalID    string            `json:"external_id"`
	Metadata      map[string]string `json:"metadata"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

// Role is a membership's role.
type Role struct {
	Slug string `json:"slug"`
}

// Membership is an organization membership.
type Membership struct {
	Object           string `json:"object"`
	ID               string `json:"id"`
	UserID           string `json:"user_id"`
	OrganizationID   string `json:"organization_id"`
	OrganizationName string `json:"organization_name"`
	Status           string `json:"status"`
	Role             Role   `json:"role"`
	Roles            []Role `json:"roles"`
}

// Impersonator is the dashboard user who started an impersonation.
type Impersonator struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

// Session is a WorkOS user session.
type Session struct {
	Object         string        `json:"object"`
	ID             string        `json:"id"`
	Impersonator   *Impersonator `json:"impersonator"`
	OrganizationID string        `json:"organization_id"`
	UserID         string        `json:"user_id"`
	AuthMethod     string        `json:"auth_method"`
	Status         string        `json:"status"`
	ExpiresAt      time.Time     `json:"expires_at"`
	CreatedAt      time.Time     `json:"created_at"`
}

// Event is one entry of the Events API; Data is a session for session.* events.
type Event struct {
	Object    string    `json:"object"`
	ID        string    `json:"id"`
	Event     string    `json:"event"`
	Data      Session   `json:"data"`
	CreatedAt time.Time `json:"created_at"`
}

// EventSessionCreated is the event name Guise reads.
const EventSessionCreated = "session.created"

// PageSize is the largest page WorkOS lists (assumed for users, documented
// for events).
const PageSize = 100

// ListUsersParams filter GET /user_management/users.
type ListUsersParams struct {
	After string
	Limit int
	Order string // asc or desc (WorkOS's default)
}

// ListUsers returns one page of users.
func (c *Client) ListUsers(ctx context.Context, p ListUsersParams) (List[User], error) {
	q := url.Values{}
	q.Set("limit", strconv.Itoa(limitOr(p.Limit)))
	if p.Order != "" {
		q.Set("order", p.Order)
	}
	if p.After != "" {
		q.Set("after", p.After)
	}
	var out List[User]
	err := c.do(ctx, http.MethodGet, "/user_management/users", q, nil, &out, "list users")
	return out, err
}

// GetUser fetches one user.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	var out User
	err := c.do(ctx, http.MethodGet, "/user_management/users/"+url.PathEscape(id), nil, nil, &out, "read user "+id)
	return out, err
}

// ListMemberships returns all of a user's active organization memberships,
// page after page.
func (c *Client) ListMemberships(ctx context.Context, userID string) ([]Membership, error) {
	var all []Membership
	for after, pages := "", 0; ; pages++ {
		q := url.Values{"user_id": {userID}, "limit": {strconv.Itoa(PageSize)}, "order": {"asc"}}
		if after != "" {
			q.Set("after", after)
		}
		var page List[Membership]
		if err := c.do(ctx, http.MethodGet, "/user_management/organization_memberships", q, nil, &page, "list the organizations of "+userID); err != nil {
			return nil, err
		}
		all = append(all, page.Data...)
		// A cursor that does not move would loop for ever.
		if page.ListMetadata.After == "" || page.ListMetadata.After == after || pages > 100 {
			return all, nil
		}
		after = page.ListMetadata.After
	}
}

// ListEventsParams filter GET /events.
type ListEventsParams struct {
	Events     []string // required by WorkOS: at least one event name
	RangeStart time.Time
	After      string
	Order      string
}

// ListEvents returns one page of events. The filter is sent as repeated
// events= parameters, as the current SDK does.
func (c *Client) ListEvents(ctx context.Context, p ListEventsParams) (List[Event], error) {
	q := url.Values{"events": p.Events, "limit": {strconv.Itoa(PageSize)}}
	if !p.RangeStart.IsZero() {
		q.Set("range_start", p.RangeStart.UTC().Format(time.RFC3339))
	}
	if p.After != "" {
		q.Set("after", p.After)
	}
	if p.Order != "" {
		q.Set("order", p.Order)
	}
	var out List[Event]
	err := c.do(ctx, http.MethodGet, "/events", q, nil, &out, "read the events")
	return out, err
}

// RevokeSession ends a session at WorkOS.
func (c *Client) RevokeSession(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, "/user_management/sessions/revoke", nil, map[string]string{"session_id": id}, nil, "revoke session "+id)
}

func limitOr(n int) int {
	if n <= 0 || n > PageSize {
		return PageSize
	}
	return n
}
