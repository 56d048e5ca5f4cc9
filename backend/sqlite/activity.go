package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/guiseapp/guise/backend/guise"
)

// SaveActivity upserts provider events and records the import's state, in
// one transaction: a cursor is never ahead of the events read before it.
func (d *DB) SaveActivity(ctx context.Context, env string, events []guise.ProviderEvent, state guise.ActivityState) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		b := d.newBatch(ctx, tx, "INSERT INTO provider_events (env, id, user_id, at, kind, code, description, client, ip) VALUES ", 9,
			` ON CONFLICT (env, id) DO UPDATE SET user_id = excluded.user_id, at = excluded.at, kind = excluded.kind, code = excluded.code,
			description = excluded.description, client = excluded.client, ip = excluded.ip`)
		for _, e := range events {
			b.add(env, e.ID, e.UserID, fmtTime(e.At), e.Kind, e.Code, e.Description, e.Client, e.IP)
		}
		if err := b.flush(); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO provider_activity_state (env, cursor, denied, read_at) VALUES (?,?,?,?)
			ON CONFLICT (env) DO UPDATE SET cursor = excluded.cursor, denied = excluded.denied, read_at = excluded.read_at`,
			env, state.Cursor, state.Denied, fmtTime(state.ReadAt))
		return err
	}), "saving provider activity")
}

// ActivityState returns how far env's activity import got (zero when never run).
func (d *DB) ActivityState(ctx context.Context, env string) (guise.ActivityState, error) {
	s := guise.ActivityState{Env: env}
	var readAt string
	err := d.db.QueryRowContext(ctx, "SELECT cursor, denied, read_at FROM provider_activity_state WHERE env = ?", env).Scan(&s.Cursor, &s.Denied, &readAt)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	s.ReadAt = parseTime(readAt)
	return s, internal(err, "reading the provider activity state")
}

// UserActivity lists a user's imported provider events, newest first.
func (d *DB) UserActivity(ctx context.Context, env, userID string, limit int) ([]guise.ProviderEvent, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := d.db.QueryContext(ctx, `SELECT id, user_id, at, kind, code, description, client, ip FROM provider_events
		WHERE env = ? AND user_id = ? ORDER BY at DESC, id DESC LIMIT ?`, env, userID, limit)
	if err != nil {
		return nil, internal(err, "reading provider activity")
	}
	defer rows.Close()
	out := []guise.ProviderEvent{}
	for rows.Next() {
		e := guise.ProviderEvent{Env: env}
		var at string
		if err := rows.Scan(&e.ID, &e.UserID, &at, &e.Kind, &e.Code, &e.Description, &e.Client, &e.IP); err != nil {
			return nil, internal(err, "reading provider activity")
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, internal(rows.Err(), "reading provider activity")
}
