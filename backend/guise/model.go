package guise

import (
	"strings"
	"time"
)

// Provider names. Demo is built in; the others are vendors' cloud services.
const (
	ProviderDemo     = "demo"
	ProviderClerk    = "clerk"
	ProviderWorkOS   = "workos"
	ProviderAuth0    = "auth0"
	ProviderAsgardeo = "asgardeo"
)

// Providers lists every provider name Guise knows, in display order.
var Providers = []string{ProviderDemo, ProviderClerk, ProviderWorkOS, ProviderAuth0, ProviderAsgardeo}

// Environment is one connected tenant of an identity provider. It holds only
// non-secret settings; the secret lives in the OS keychain.
type Environment struct {
	Name      string            `json:"name"`
	Provider  string            `json:"provider"`
	BaseURL   string            `json:"base_url"`
	Settings  map[string]string `json:"settings"`
	CreatedAt time.Time         `json:"created_at"`
}

// User statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// User is a customer account as cached from a provider.
type User struct {
	Env       string            `json:"env"`
	ID        string            `json:"id"`
	Email     string            `json:"email"`
	Name      string            `json:"name"`
	Role      string            `json:"role"`
	Status    string            `json:"status"`
	Orgs      []Org             `json:"organizations"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Org is an organization, with the user's role in it when it comes from a membership.
type Org struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
}

// FindOrg finds one of the user's organizations by id or by name (case-insensitive).
func (u User) FindOrg(sel string) (Org, bool) {
	for _, o := range u.Orgs {
		if o.ID == sel {
			return o, true
		}
	}
	for _, o := range u.Orgs {
		if strings.EqualFold(o.Name, sel) {
			return o, true
		}
	}
	return Org{}, false
}

// End reasons of a session.
const (
	EndStopped = "stopped" // an agent stopped it
	EndExpired = "expired" // its time ran out
	EndRevoked = "revoked" // the provider ended it
	EndFailed  = "failed"  // it never started properly
)

// Session is one impersonation, from the moment Guise asked the provider for it.
type Session struct {
	ID          string     `json:"id"`
	Env         string     `json:"env"`
	Provider    string     `json:"provider"`
	UserID      string     `json:"user_id"`
	UserEmail   string     `json:"user_email"`
	UserName    string     `json:"user_name"`
	OrgID       string     `json:"org_id"`
	OrgName     string     `json:"org_name"`
	AgentEmail  string     `json:"agent_email"`
	Reason      string     `json:"reason"`
	Ticket      string     `json:"ticket"`
	StartedAt   time.Time  `json:"started_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	EndedAt     *time.Time `json:"ended_at"`
	EndReason   string     `json:"end_reason"`
	ProviderRef string     `json:"provider_ref"`
	Note        string     `json:"note,omitempty"` // why it failed, or what the provider could not do
	// RevokePendingSince is set when a stop was asked for but the provider
	// has not confirmed it: the session still runs and Guise keeps retrying.
	RevokePendingSince *time.Time `json:"revoke_pending_since,omitempty"`
	// AwaitingUntil is set while Guise waits for the provider to confirm a
	// start the agent makes in the provider's dashboard (see Await); the
	// session has no ProviderRef yet and fails if nothing comes by then.
	AwaitingUntil *time.Time `json:"awaiting_until,omitempty"`
	// Outside marks a session started outside Guise, in the provider's
	// dashboard, and imported into the history from the provider's events.
	Outside bool `json:"outside,omitempty"`
}

// Active reports whether the session is running at now.
func (s Session) Active(now time.Time) bool {
	return s.EndedAt == nil && now.Before(s.ExpiresAt)
}

// Remaining is the time left at now, zero once ended.
func (s Session) Remaining(now time.Time) time.Duration {
	if s.EndedAt != nil || !now.Before(s.ExpiresAt) {
		return 0
	}
	return s.ExpiresAt.Sub(now)
}

// Agent is the support agent using this Guise.
type Agent struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// SessionFilter selects sessions for history views.
type SessionFilter struct {
	Env        string
	UserID     string // id or email
	AgentEmail string
	EndReason  string // one of the End* reasons, or "running"
	Text       string // substring of email, name, org, reason or ticket
	From, To   time.Time
	ActiveOnly bool
	Limit      int
}

// SyncState is how far the last sync of an environment got.
type SyncState struct {
	Env          string    `json:"env"`
	Cursor       string    `json:"cursor"`         // where an interrupted run resumes
	RunSince     time.Time `json:"run_since"`      // the updated_after of the run in progress
	HighWater    time.Time `json:"high_water"`     // newest updated_at seen by a completed run
	LastSyncedAt time.Time `json:"last_synced_at"` // when the last run completed
	// Gen is the sync generation: a full pass takes the next one and stamps
	// every user it saves with it, so users it did not see (deleted at the
	// provider) are swept when it completes.
	Gen        int64     `json:"gen"`
	LastFullAt time.Time `json:"last_full_at"` // when the last full pass completed
	Users      int       `json:"users"`
	Orgs       int       `json:"orgs"`
	LastError  string    `json:"last_error"`
}
