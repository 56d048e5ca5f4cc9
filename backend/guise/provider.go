package guise

import (
	"context"
	"time"
)

// Provider is one environment's identity provider, seen through its admin API.
// Adapters translate vendor errors to *Error with these codes: EUNAUTHORIZED,
// ENOTFOUND, ERATELIMIT, EUNAVAILABLE, EPROVIDER, EUNSUPPORTED.
type Provider interface {
	// Check calls the provider and reports what works with these credentials.
	Check(ctx context.Context) []CheckResult
	// ListOrgs returns one page of organizations; next is "" on the last page.
	ListOrgs(ctx context.Context, cursor string) (orgs []Org, next string, err error)
	// ListUsers returns one page of users changed after since (zero: all),
	// with their organizations filled in; next is "" on the last page.
	ListUsers(ctx context.Context, cursor string, since time.Time) (UserPage, error)
	// GetUser fetches one user, with organizations, fresh from the provider.
	GetUser(ctx context.Context, id string) (User, error)
	// StartImpersonation asks the provider for a session and a URL to open.
	StartImpersonation(ctx context.Context, req StartRequest) (Started, error)
	// StopImpersonation revokes the session identified by ref and says, in
	// plain words, what it did there (Stopped.Detail may be empty). Stopping a
	// session that has already ended at the provider is not an error.
	StopImpersonation(ctx context.Context, ref string) (Stopped, error)
}

// UserCounter is implemented by providers that can say how many users a full
// sync will fetch; the syncer uses it for progress and the time left.
type UserCounter interface {
	CountUsers(ctx context.Context) (int, error)
}

// SessionStopper is implemented by providers that need the whole session, not
// only its ref, to stop it (e.g. to find the provider's session of that user
// once a one-time link has been used). Service.Stop prefers it.
type SessionStopper interface {
	StopSession(ctx context.Context, s Session) (Stopped, error)
}

// RateLimited is implemented by a Provider whose admin API publishes a
// request rate limit, so that syncs stay under it instead of collecting 429s.
// perSecond <= 0 means the limit is not known (yet); burst is how many
// requests may go at once.
type RateLimited interface {
	RateLimit() (perSecond float64, burst int)
}

// UserPage is one page of a user listing.
type UserPage struct {
	Users []User
	Next  string
}

// StartRequest is what a provider needs to start an impersonation.
type StartRequest struct {
	// SessionID is Guise's id of the session being started, for adapters
	// that keep something (tokens in the keychain) under it.
	SessionID string
	UserID    string
	OrgID     string
	Agent     Agent
	Reason    string
	Ticket    string
	Duration  time.Duration
}

// Started is the provider's answer. URL is a secret: it is opened, never stored or logged.
type Started struct {
	Ref       string
	URL       string
	ExpiresAt time.Time
	// Await is set by a provider that cannot start the session itself: URL
	// then opens its dashboard, where the agent starts it, Ref is empty, and
	// the provider confirms the start later through Reconciler.
	Await *Await
}

// Stopped is the provider's account of a stop, e.g. "actor token revoked
// before use" or "no server-side stop on this plan; it expires at 15:04".
type Stopped struct {
	Detail string
}

// CheckResult is one line of a connection test.
type CheckResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// ProviderFactory builds the Provider for an environment, given its secret.
type ProviderFactory func(env Environment, secret string) (Provider, error)
