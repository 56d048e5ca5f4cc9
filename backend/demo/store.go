package demo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Meta keys of the state db.
const (
	metaAPIKey = "api_key"
	metaSecret = "signing_secret"
	metaSeeded = "seeded" // "users/orgs/seed" of the finished seed
)

const schemaMeta = `CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`

// worldTables hold the seeded world and what happened to it; a re-seed drops
// them all, because impersonations and events of another world mean nothing.
var worldTables = []string{"events", "impersonations", "memberships", "users", "orgs"}

// worldSchema creates the world without its secondary indexes: they are built
// after a bulk seed, which is much faster than maintaining them row by row.
var worldSchema = []string{
	`CREATE TABLE IF NOT EXISTS orgs(id TEXT PRIMARY KEY, name TEXT NOT NULL, domain TEXT NOT NULL,
		created_at INTEGER NOT NULL) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS users(id TEXT PRIMARY KEY, email TEXT NOT NULL, first_name TEXT NOT NULL,
		last_name TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL, metadata TEXT NOT NULL,
		created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID`,
	// Deferred: the seed batches memberships and users separately, so a
	// membership may reach the table before its user within a transaction.
	`CREATE TABLE IF NOT EXISTS memberships(
		user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
		org_id TEXT NOT NULL REFERENCES orgs(id) DEFERRABLE INITIALLY DEFERRED,
		role TEXT NOT NULL, PRIMARY KEY(user_id, org_id)) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS impersonations(id TEXT PRIMARY KEY, user_id TEXT NOT NULL, org_id TEXT NOT NULL,
		actor_email TEXT NOT NULL, actor_reason TEXT NOT NULL, actor_ticket TEXT NOT NULL,
		signin_hash TEXT NOT NULL UNIQUE, signin_expires_at INTEGER NOT NULL, redeemed_at INTEGER,
		created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER)`,
	`CREATE INDEX IF NOT EXISTS impersonations_user ON impersonations(user_id, created_at)`,
	`CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL,
		created_at INTEGER NOT NULL, data TEXT NOT NULL)`,
}

var worldIndexes = []string{
	`CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users(email)`,
	`CREATE INDEX IF NOT EXISTS users_updated ON users(updated_at, id)`,
}

// dsn builds the modernc DSN. The path is escaped because a "file:" name is
// parsed as a URI by SQLite.
func dsn(path, extra string) string {
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + p + "?" + extra
}

func openDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, "_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"))
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// StoredAPIKey reads the admin API key from an existing state db without
// starting a server. It returns an ENOSECRET *guise.Error when the db or the
// key does not exist yet.
func StoredAPIKey(dbPath string) (string, error) {
	if _, err := os.Stat(dbPath); err != nil {
		return "", guise.Wrap(guise.ENOSECRET, err, "The demo environment has no API key yet: its state file %s does not exist.", dbPath)
	}
	// Read-only so that asking never creates or converts anything.
	db, err := sql.Open("sqlite", dsn(dbPath, "mode=ro&_pragma=busy_timeout(5000)"))
	if err != nil {
		return "", guise.Wrap(guise.EINTERNAL, err, "Could not open the demo state file %s.", dbPath)
	}
	defer db.Close()
	var key string
	err = db.QueryRow(`SELECT value FROM meta WHERE key = ?`, metaAPIKey).Scan(&key)
	switch {
	case err == nil && key != "":
		return key, nil
	// "no such table": an SQLite file the demo server never initialised.
	case err == nil || errors.Is(err, sql.ErrNoRows) || strings.Contains(err.Error(), "no such table"):
		return "", guise.Errorf(guise.ENOSECRET, "The demo state file %s holds no API key yet.", dbPath)
	default:
		return "", guise.Wrap(guise.EINTERNAL, err, "Could not read the demo state file %s.", dbPath)
	}
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getMeta(ctx context.Context, q querier, key string) (string, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

func putMeta(ctx context.Context, q querier, key, value string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// ensureMeta returns the value under key, storing gen() the first time.
func ensureMeta(ctx context.Context, db *sql.DB, key string, gen func() string) (string, error) {
	if v, ok, err := getMeta(ctx, db, key); err != nil || ok {
		return v, err
	}
	v := gen()
	if _, err := db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING`, key, v); err != nil {
		return "", err
	}
	v, _, err := getMeta(ctx, db, key) // another process may have won the race
	return v, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

func newID(prefix string) string { return prefix + "_" + randomHex(12) }

func toNs(t time.Time) int64 { return t.UnixNano() }

func fromNs(n int64) time.Time { return time.Unix(0, n).UTC() }

func fromNullNs(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNs(n.Int64)
	return &t
}

// Cursors are opaque to clients: base64 of a kind tag and the sort key of the
// last row returned. The tag makes a users cursor useless on the orgs list.
func encodeCursor(kind string, parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "|" + strings.Join(parts, "|")))
}

func decodeCursor(c, kind string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, badRequest("The cursor is malformed; pass next_cursor back exactly as it was returned.")
	}
	parts := strings.SplitN(string(b), "|", n+1)
	if len(parts) != n+1 || parts[0] != kind {
		return nil, badRequest("The cursor is malformed; pass next_cursor back exactly as it was returned.")
	}
	return parts[1:], nil
}

// cursorNs decodes a cursor whose first part is a number (a time or a seq).
func cursorNs(c, kind string, n int) (int64, []string, error) {
	parts, err := decodeCursor(c, kind, n)
	if err != nil {
		return 0, nil, err
	}
	v, perr := strconv.ParseInt(parts[0], 10, 64)
	if perr != nil {
		return 0, nil, badRequest("The cursor is malformed; pass next_cursor back exactly as it was returned.")
	}
	return v, parts[1:], nil
}

const userColumns = `id, email, first_name, last_name, role, status, metadata, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }) (apiUser, error) {
	var u apiUser
	var meta string
	var created, updated int64
	if err := sc.Scan(&u.ID, &u.Email, &u.FirstName, &u.LastName, &u.Role, &u.Status, &meta, &created, &updated); err != nil {
		return u, err
	}
	u.CreatedAt, u.UpdatedAt = fromNs(created), fromNs(updated)
	u.Metadata = map[string]string{}
	if err := json.Unmarshal([]byte(meta), &u.Metadata); err != nil {
		return u, err
	}
	u.Organizations = []apiOrgRef{}
	return u, nil
}

// getUser loads one user with memberships; a missing user is a 404.
func getUser(ctx context.Context, q querier, id string) (apiUser, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("No user %s.", id)
	}
	if err != nil {
		return u, err
	}
	users := []apiUser{u}
	err = loadMemberships(ctx, q, users)
	return users[0], err
}

// loadMemberships fills the organizations of a whole page in one query, so a
// page of 100 users costs two queries, not 101.
func loadMemberships(ctx context.Context, q querier, users []apiUser) error {
	if len(users) == 0 {
		return nil
	}
	ids := make([]string, len(users))
	at := make(map[string]int, len(users))
	for i, u := range users {
		ids[i], at[u.ID] = u.ID, i
	}
	idsJSON, _ := json.Marshal(ids) // strings: cannot fail
	rows, err := q.QueryContext(ctx, `SELECT m.user_id, m.org_id, o.name, m.role FROM memberships m
		JOIN orgs o ON o.id = m.org_id WHERE m.user_id IN (SELECT value FROM json_each(?))
		ORDER BY m.user_id, m.org_id`, string(idsJSON))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uid string
		var o apiOrgRef
		if err := rows.Scan(&uid, &o.ID, &o.Name, &o.Role); err != nil {
			return err
		}
		i := at[uid]
		users[i].Organizations = append(users[i].Organizations, o)
	}
	return rows.Err()
}

// listUsers returns up to limit users after the cursor position (or after
// since), ordered by (updated_at, id), and whether more follow.
func listUsers(ctx context.Context, q querier, since int64, cur *userCursor, limit int) ([]apiUser, bool, error) {
	// One range condition only, so SQLite walks the (updated_at, id) index
	// from the right place instead of filtering from the start on deep pages.
	where, args := `updated_at > ?`, []any{since}
	if cur != nil && cur.at >= since {
		where, args = `(updated_at, id) > (?, ?)`, []any{cur.at, cur.id}
	}
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where+
		` ORDER BY updated_at, id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	users := make([]apiUser, 0, limit+1)
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, false, err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(users) > limit
	if more {
		users = users[:limit]
	}
	return users, more, loadMemberships(ctx, q, users)
}

type userCursor struct {
	at int64
	id string
}

func (c userCursor) String() string { return encodeCursor("u", strconv.FormatInt(c.at, 10), c.id) }

// impersonation is a row of the impersonations table.
type impersonation struct {
	ID, UserID, OrgID                   string
	Actor                               apiActor
	SigninExpires, CreatedAt, ExpiresAt time.Time
	RedeemedAt, RevokedAt               *time.Time
}

// status derives the state from the timestamps, so expiry needs no writer.
func (im impersonation) status(now time.Time) string {
	switch {
	case im.RevokedAt != nil:
		return "revoked"
	case !now.Before(im.ExpiresAt):
		return "expired"
	case im.RedeemedAt != nil:
		return "active"
	default:
		return "pending"
	}
}

func (im impersonation) api(now time.Time) apiImpersonation {
	return apiImpersonation{ID: im.ID, UserID: im.UserID, OrgID: im.OrgID, Actor: im.Actor,
		Status: im.status(now), CreatedAt: im.CreatedAt, ExpiresAt: im.ExpiresAt, RevokedAt: im.RevokedAt}
}

const impColumns = `id, user_id, org_id, actor_email, actor_reason, actor_ticket, signin_expires_at,
	redeemed_at, created_at, expires_at, revoked_at`

func scanImpersonation(sc interface{ Scan(...any) error }) (impersonation, error) {
	var im impersonation
	var signin, created, expires int64
	var redeemed, revoked sql.NullInt64
	err := sc.Scan(&im.ID, &im.UserID, &im.OrgID, &im.Actor.Email, &im.Actor.Reason, &im.Actor.Ticket,
		&signin, &redeemed, &created, &expires, &revoked)
	im.SigninExpires, im.CreatedAt, im.ExpiresAt = fromNs(signin), fromNs(created), fromNs(expires)
	im.RedeemedAt, im.RevokedAt = fromNullNs(redeemed), fromNullNs(revoked)
	return im, err
}

func getImpersonation(ctx context.Context, q querier, where string, arg any) (impersonation, error) {
	im, err := scanImpersonation(q.QueryRowContext(ctx, `SELECT `+impColumns+` FROM impersonations WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return im, notFound("No impersonation %v.", arg)
	}
	return im, err
}

// revokeLive revokes the user's impersonations that are still running and
// records why; deleting or suspending a user ends their sessions.
func revokeLive(ctx context.Context, tx *sql.Tx, userID string, now time.Time, why string) error {
	rows, err := tx.QueryContext(ctx, `UPDATE impersonations SET revoked_at = ?
		WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? RETURNING id`, toNs(now), userID, toNs(now))
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := appendEvent(ctx, tx, "impersonation.revoked", now, map[string]string{
			"impersonation_id": id, "user_id": userID, "reason": why}); err != nil {
			return err
		}
	}
	return nil
}

func appendEvent(ctx context.Context, q querier, typ string, at time.Time, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO events(type, created_at, data) VALUES(?, ?, ?)`, typ, toNs(at), string(b))
	return err
}

func eventID(seq int64) string { return "evt_" + leftPad(strconv.FormatInt(seq, 10), 12) }

func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}
