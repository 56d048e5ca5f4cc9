package guise

import (
	"context"
	"time"
)

// Store is Guise's local database: the cache of users and organizations, the
// sessions, the audit log and settings. Methods return *Error with ENOTFOUND
// or ECONFLICT where the doc says so, EINTERNAL otherwise.
type Store interface {
	Environments(ctx context.Context) ([]Environment, error)
	// Environment returns ENOTFOUND when there is no environment of that name.
	Environment(ctx context.Context, name string) (Environment, error)
	// CreateEnvironment returns ECONFLICT when the name is taken.
	CreateEnvironment(ctx context.Context, env Environment, audit AuditRecord) error
	// UpdateEnvironment replaces the base URL and settings of an existing
	// environment (ENOTFOUND when there is none) and appends the audit record.
	UpdateEnvironment(ctx context.Context, env Environment, audit AuditRecord) error
	// DeleteEnvironment removes the environment and its cache, never its history.
	DeleteEnvironment(ctx context.Context, name string, audit AuditRecord) error

	// SaveUsers upserts a page of users (and their memberships) and records
	// the sync state in the same transaction, so a sync resumes where it stopped.
	SaveUsers(ctx context.Context, env string, users []User, state SyncState) error
	// SaveOrgs upserts organizations.
	SaveOrgs(ctx context.Context, env string, orgs []Org) error
	SyncState(ctx context.Context, env string) (SyncState, error)
	SaveSyncState(ctx context.Context, state SyncState) error
	// SearchUsers finds users by prefix of email, name, id or organization name,
	// best matches first.
	SearchUsers(ctx context.Context, env, query string, limit int) ([]User, error)
	// FindUser finds a cached user by id or email; ENOTFOUND when absent.
	FindUser(ctx context.Context, env, idOrEmail string) (User, error)
	// CountUsers counts the cached users of an environment.
	CountUsers(ctx context.Context, env string) (int, error)

	// SaveActivity upserts provider events (keyed by environment and event
	// id, so a re-import changes nothing) and records the import's state in
	// the same transaction.
	SaveActivity(ctx context.Context, env string, events []ProviderEvent, state ActivityState) error
	// ActivityState returns how far env's activity import got (zero when never run).
	ActivityState(ctx context.Context, env string) (ActivityState, error)
	// UserActivity lists a user's imported provider events, newest first.
	UserActivity(ctx context.Context, env, userID string, limit int) ([]ProviderEvent, error)

	// ReserveSession records a session about to be started. It returns
	// ECONFLICT when the user already has an active session in that
	// environment, and EREFUSED (with the quota's rule and message) when a
	// quota of the environment's sessions is used up.
	ReserveSession(ctx context.Context, s Session, now time.Time, quotas []Quota) error
	// MarkStarted records the provider's answer and appends the audit record.
	MarkStarted(ctx context.Context, id, ref string, expiresAt time.Time, audit AuditRecord) error
	// EndSession ends a running session and appends the audit record. It
	// returns false when the session had already ended (nothing changed).
	EndSession(ctx context.Context, id string, endedAt time.Time, reason, note string, audit AuditRecord) (bool, error)
	// Session returns ENOTFOUND when there is no session with that id.
	Session(ctx context.Context, id string) (Session, error)
	Sessions(ctx context.Context, f SessionFilter) ([]Session, error)
	// MarkRevokePending records an unconfirmed stop (keeping the first
	// attempt's time) and why; the session stays running.
	MarkRevokePending(ctx context.Context, id string, at time.Time, note string) error
	// PendingRevokes lists running sessions with an unconfirmed stop.
	PendingRevokes(ctx context.Context) ([]Session, error)
	// DueSessions lists running sessions whose expiry is at or before now.
	DueSessions(ctx context.Context, now time.Time) ([]Session, error)

	// AppendAudit appends one record to the hash chain.
	AppendAudit(ctx context.Context, r AuditRecord) error
	// AuditRecords lists records in chain order from seq after (0: from the start).
	AuditRecords(ctx context.Context, after int64, limit int) ([]AuditRecord, error)
	// AuditHead returns the seq and hash of the newest record ever appended,
	// kept apart from the records so that a deleted tail is noticed.
	AuditHead(ctx context.Context) (seq int64, hash string, err error)

	// GetSetting decodes the JSON setting key into v; false when unset.
	GetSetting(ctx context.Context, key string, v any) (bool, error)
	// PutSetting stores v as JSON under key, with an audit record when audit.Kind is set.
	PutSetting(ctx context.Context, key string, v any, audit AuditRecord) error
}

// Secrets holds environments' secrets outside the database.
type Secrets interface {
	// Get returns ENOSECRET when no secret is set for env.
	Get(env string) (string, error)
	Set(env, secret string) error
	Delete(env string) error
	// Where says where secrets are kept, for people ("the OS keychain").
	Where() string
}

// Event names pushed to the window.
const (
	EventSessionStarted  = "session:started"
	EventSessionEnded    = "session:ended"
	EventSessionExpiring = "session:expiring"
	EventSessionUpdated  = "session:updated"
	EventSyncProgress    = "sync:progress"
	EventSyncDone        = "sync:done"
)

// Events receives state changes for the window and the tray. Implementations
// must not block.
type Events interface {
	Emit(name string, payload any)
}

// NoEvents drops every event; the CLI uses it.
type NoEvents struct{}

// Emit does nothing.
func (NoEvents) Emit(string, any) {}
