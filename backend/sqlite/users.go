package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode"

	"github.com/guiseapp/guise/backend/guise"
)

// SaveUsers upserts a page of users with their memberships, keeps the search
// index in step, and records the sync state, all in one transaction.
func (d *DB) SaveUsers(ctx context.Context, env string, users []guise.User, state guise.SyncState) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		upsert, err := tx.PrepareContext(ctx, `INSERT INTO users (env, id, email, name, role, status, metadata, updated_at)
			VALUES (?,?,?,?,?,?,?,?)
			ON CONFLICT (env, id) DO UPDATE SET email = excluded.email, name = excluded.name, role = excluded.role,
				status = excluded.status, metadata = excluded.metadata, updated_at = excluded.updated_at
			RETURNING rid`)
		if err != nil {
			return err
		}
		defer upsert.Close()
		delFTS, err := tx.PrepareContext(ctx, "DELETE FROM users_fts WHERE rowid = ?")
		if err != nil {
			return err
		}
		defer delFTS.Close()
		addFTS, err := tx.PrepareContext(ctx, "INSERT INTO users_fts (rowid, email, name, uid, orgs) VALUES (?,?,?,?,?)")
		if err != nil {
			return err
		}
		defer addFTS.Close()
		delMem, err := tx.PrepareContext(ctx, "DELETE FROM memberships WHERE env = ? AND user_id = ?")
		if err != nil {
			return err
		}
		defer delMem.Close()
		addMem, err := tx.PrepareContext(ctx, "INSERT OR REPLACE INTO memberships (env, user_id, org_id, org_name, role) VALUES (?,?,?,?,?)")
		if err != nil {
			return err
		}
		defer addMem.Close()
		addOrg, err := tx.PrepareContext(ctx, "INSERT INTO organizations (env, id, name) VALUES (?,?,?) ON CONFLICT (env, id) DO UPDATE SET name = excluded.name")
		if err != nil {
			return err
		}
		defer addOrg.Close()

		for _, u := range users {
			meta, _ := json.Marshal(u.Metadata)
			var rid int64
			if err := upsert.QueryRowContext(ctx, env, u.ID, strings.ToLower(u.Email), u.Name, u.Role, u.Status, string(meta), fmtTime(u.UpdatedAt)).Scan(&rid); err != nil {
				return err
			}
			names := make([]string, 0, len(u.Orgs))
			if _, err := delMem.ExecContext(ctx, env, u.ID); err != nil {
				return err
			}
			for _, o := range u.Orgs {
				names = append(names, o.Name)
				if _, err := addMem.ExecContext(ctx, env, u.ID, o.ID, o.Name, o.Role); err != nil {
					return err
				}
				if _, err := addOrg.ExecContext(ctx, env, o.ID, o.Name); err != nil {
					return err
				}
			}
			if _, err := delFTS.ExecContext(ctx, rid); err != nil {
				return err
			}
			if _, err := addFTS.ExecContext(ctx, rid, strings.ToLower(u.Email), u.Name, u.ID, strings.Join(names, " ")); err != nil {
				return err
			}
		}
		state.Env = env
		return saveSyncState(ctx, tx, state)
	}), "saving users")
}

// SaveOrgs upserts organizations.
func (d *DB) SaveOrgs(ctx context.Context, env string, orgs []guise.Org) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		for _, o := range orgs {
			if _, err := tx.ExecContext(ctx, "INSERT INTO organizations (env, id, name) VALUES (?,?,?) ON CONFLICT (env, id) DO UPDATE SET name = excluded.name", env, o.ID, o.Name); err != nil {
				return err
			}
		}
		return nil
	}), "saving organizations")
}

// SyncState returns the environment's sync state (zero when never synced).
func (d *DB) SyncState(ctx context.Context, env string) (guise.SyncState, error) {
	s := guise.SyncState{Env: env}
	var runSince, high, last string
	err := d.db.QueryRowContext(ctx, `SELECT cursor, run_since, high_water, last_synced_at, users, orgs, last_error
		FROM sync_state WHERE env = ?`, env).Scan(&s.Cursor, &runSince, &high, &last, &s.Users, &s.Orgs, &s.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	s.RunSince, s.HighWater, s.LastSyncedAt = parseTime(runSince), parseTime(high), parseTime(last)
	return s, internal(err, "reading the sync state")
}

// SaveSyncState records the sync state.
func (d *DB) SaveSyncState(ctx context.Context, s guise.SyncState) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error { return saveSyncState(ctx, tx, s) }), "saving the sync state")
}

func saveSyncState(ctx context.Context, tx *sql.Tx, s guise.SyncState) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sync_state (env, cursor, run_since, high_water, last_synced_at, users, orgs, last_error)
		VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (env) DO UPDATE SET cursor = excluded.cursor, run_since = excluded.run_since,
		high_water = excluded.high_water, last_synced_at = excluded.last_synced_at, users = excluded.users,
		orgs = excluded.orgs, last_error = excluded.last_error`,
		s.Env, s.Cursor, fmtTime(s.RunSince), fmtTime(s.HighWater), fmtTime(s.LastSyncedAt), s.Users, s.Orgs, s.LastError)
	return err
}

// CountUsers counts an environment's cached users.
func (d *DB) CountUsers(ctx context.Context, env string) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE env = ?", env).Scan(&n)
	return n, internal(err, "counting users")
}

const userCols = "rid, id, email, name, role, status, metadata, updated_at"

// FindUser finds a cached user by id or email.
func (d *DB) FindUser(ctx context.Context, env, sel string) (guise.User, error) {
	users, err := d.queryUsers(ctx, "SELECT "+userCols+" FROM users WHERE env = ? AND (id = ? OR email = ?) LIMIT 1", env, sel, strings.ToLower(sel))
	if err != nil {
		return guise.User{}, err
	}
	if len(users) == 0 {
		return guise.User{}, guise.Errorf(guise.ENOTFOUND, "No user %q in %s. Check the id or email, or run a sync.", sel, env)
	}
	return users[0], d.loadOrgs(ctx, env, users)
}

// SearchUsers answers as-you-type queries. Exact id or email first, then
// email prefixes (a B-tree range), then prefix matches on any word of the
// name, email, id or organization names (FTS5, unranked: ranking a million
// rows is too slow to type against), scored in Go.
func (d *DB) SearchUsers(ctx context.Context, env, query string, limit int) ([]guise.User, error) {
	if limit <= 0 || limit > 100000 {
		limit = 50
	}
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		all, err := d.queryUsers(ctx, "SELECT "+userCols+" FROM users WHERE env = ? ORDER BY email LIMIT ?", env, limit)
		if err != nil {
			return nil, err
		}
		return all, d.loadOrgs(ctx, env, all)
	}
	seen := map[string]bool{}
	var found []guise.User
	add := func(users []guise.User) {
		for _, u := range users {
			if !seen[u.ID] {
				seen[u.ID] = true
				found = append(found, u)
			}
		}
	}
	exact, err := d.queryUsers(ctx, "SELECT "+userCols+" FROM users WHERE env = ? AND (id = ? OR email = ?)", env, query, q)
	if err != nil {
		return nil, err
	}
	add(exact)
	prefix, err := d.queryUsers(ctx, "SELECT "+userCols+" FROM users WHERE env = ? AND email >= ? AND email < ? ORDER BY email LIMIT ?", env, q, q+"\U0010FFFF", limit)
	if err != nil {
		return nil, err
	}
	add(prefix)
	if match := ftsQuery(q); match != "" && len(found) < limit {
		words, err := d.queryUsers(ctx, "SELECT u.rid, u.id, u.email, u.name, u.role, u.status, u.metadata, u.updated_at FROM users_fts f JOIN users u ON u.rid = f.rowid WHERE users_fts MATCH ? AND u.env = ? LIMIT ?", match, env, limit*4)
		if err != nil {
			return nil, err
		}
		add(words)
	}
	slices.SortStableFunc(found, func(a, b guise.User) int {
		if sa, sb := score(a, q), score(b, q); sa != sb {
			return sa - sb
		}
		return strings.Compare(a.Email, b.Email)
	})
	if len(found) > limit {
		found = found[:limit]
	}
	return found, d.loadOrgs(ctx, env, found)
}

// orgBatch bounds the variables of one membership query.
const orgBatch = 500

// score ranks a match: lower is better.
func score(u guise.User, q string) int {
	name := strings.ToLower(u.Name)
	switch {
	case u.Email == q || strings.EqualFold(u.ID, q):
		return 0
	case strings.HasPrefix(u.Email, q):
		return 1
	case strings.HasPrefix(name, q):
		return 2
	case strings.HasPrefix(strings.ToLower(u.ID), q):
		return 3
	case strings.Contains(name, q) || strings.Contains(u.Email, q):
		return 4
	default:
		return 5
	}
}

// ftsQuery turns typed text into an FTS5 prefix query: every word must
// start some word of the row. Punctuation separates words, as the tokenizer does.
func ftsQuery(q string) string {
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range words {
		words[i] = `"` + w + `"*`
	}
	return strings.Join(words, " ")
}

func (d *DB) queryUsers(ctx context.Context, query string, args ...any) ([]guise.User, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal(err, "searching users")
	}
	defer rows.Close()
	var out []guise.User
	for rows.Next() {
		var u guise.User
		var rid int64
		var meta, updated string
		if err := rows.Scan(&rid, &u.ID, &u.Email, &u.Name, &u.Role, &u.Status, &meta, &updated); err != nil {
			return nil, internal(err, "searching users")
		}
		_ = json.Unmarshal([]byte(meta), &u.Metadata)
		u.UpdatedAt = parseTime(updated)
		out = append(out, u)
	}
	return out, internal(rows.Err(), "searching users")
}

// loadOrgs fills the organizations of users, a batch of users a query.
func (d *DB) loadOrgs(ctx context.Context, env string, users []guise.User) error {
	for len(users) > orgBatch {
		if err := d.loadOrgs(ctx, env, users[:orgBatch]); err != nil {
			return err
		}
		users = users[orgBatch:]
	}
	if len(users) == 0 {
		return nil
	}
	idx := make(map[string]int, len(users))
	args := []any{env}
	for i := range users {
		users[i].Env = env
		users[i].Orgs = []guise.Org{}
		idx[users[i].ID] = i
		args = append(args, users[i].ID)
	}
	rows, err := d.db.QueryContext(ctx, "SELECT user_id, org_id, org_name, role FROM memberships WHERE env = ? AND user_id IN (?"+
		strings.Repeat(",?", len(users)-1)+") ORDER BY org_name", args...)
	if err != nil {
		return internal(err, "reading organizations")
	}
	defer rows.Close()
	for rows.Next() {
		var uid string
		var o guise.Org
		if err := rows.Scan(&uid, &o.ID, &o.Name, &o.Role); err != nil {
			return internal(err, "reading organizations")
		}
		if i, ok := idx[uid]; ok {
			users[i].Orgs = append(users[i].Orgs, o)
		}
	}
	return internal(rows.Err(), "reading organizations")
}
