package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

const sessionCols = `id, env, provider, user_id, user_email, user_name, org_id, org_name, agent_email, reason, ticket,
	started_at, expires_at, ended_at, end_reason, provider_ref, note, revoke_pending_at, awaiting_until, outside`

// ReserveSession records a session about to start, refusing a second running
// session for the same user. The check and the insert share one immediate
// transaction, so two processes cannot both pass it.
func (d *DB) ReserveSession(ctx context.Context, s guise.Session, now time.Time, quotas []guise.Quota) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		var running string
		err := tx.QueryRowContext(ctx, `SELECT id FROM sessions WHERE env = ? AND user_id = ? AND ended_at IS NULL AND expires_at > ? LIMIT 1`,
			s.Env, s.UserID, fmtTime(now)).Scan(&running)
		if err == nil {
			return guise.Errorf(guise.ECONFLICT, "%s already has a running session (%s).", s.UserEmail, running)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for _, q := range quotas {
			var n int
			// started_at is RFC 3339 UTC with fixed precision, so text order is time order.
			err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE env = ? AND started_at >= ?
				AND end_reason != 'failed' AND (? = '' OR agent_email = ?)`, s.Env, fmtTime(q.Since), q.Agent, q.Agent).Scan(&n)
			if err != nil {
				return err
			}
			if n >= q.Max {
				return &guise.Error{Code: guise.EREFUSED, Rule: q.Rule, Message: q.Message}
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,'','','',NULL,NULL,0)`,
			s.ID, s.Env, s.Provider, s.UserID, s.UserEmail, s.UserName, s.OrgID, s.OrgName, s.AgentEmail, s.Reason, s.Ticket,
			fmtTime(s.StartedAt), fmtTime(s.ExpiresAt))
		return err
	}), "recording a session")
}

// MarkStarted records the provider's reference and the true expiry.
func (d *DB) MarkStarted(ctx context.Context, id, ref string, expiresAt time.Time, audit guise.AuditRecord) error {
	return d.updateStarting(ctx, id, audit, "UPDATE sessions SET provider_ref = ?, expires_at = ? WHERE id = ? AND ended_at IS NULL", ref, fmtTime(expiresAt), id)
}

// updateStarting updates a session that is starting, with its audit record;
// ECONFLICT when it was ended meanwhile (nothing matched).
func (d *DB) updateStarting(ctx context.Context, id string, audit guise.AuditRecord, q string, args ...any) error {
	changed, err := d.updateAudited(ctx, "recording a session", audit, q, args...)
	if err == nil && !changed {
		return guise.Errorf(guise.ECONFLICT, "The session %s was ended while it was starting.", id)
	}
	return err
}

// EndSession ends a running session; false when it had already ended.
func (d *DB) EndSession(ctx context.Context, id string, endedAt time.Time, reason, note string, audit guise.AuditRecord) (bool, error) {
	return d.updateAudited(ctx, "ending a session", audit, "UPDATE sessions SET ended_at = ?, end_reason = ?, note = ? WHERE id = ? AND ended_at IS NULL",
		fmtTime(endedAt), reason, note, id)
}

// updateAudited runs one conditional UPDATE and, when it changed a row,
// appends audit in the same transaction; false when nothing matched.
func (d *DB) updateAudited(ctx context.Context, what string, audit guise.AuditRecord, q string, args ...any) (bool, error) {
	changed := false
	err := d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		changed = true
		return appendAudit(ctx, tx, audit)
	})
	return changed, internal(err, what)
}

// Session returns one session.
func (d *DB) Session(ctx context.Context, id string) (guise.Session, error) {
	out, err := d.querySessions(ctx, "SELECT "+sessionCols+" FROM sessions WHERE id = ?", id)
	if err != nil {
		return guise.Session{}, err
	}
	if len(out) == 0 {
		return guise.Session{}, guise.Errorf(guise.ENOTFOUND, "There is no session %q. See: guise sessions", id)
	}
	return out[0], nil
}

// Sessions lists sessions newest first.
func (d *DB) Sessions(ctx context.Context, f guise.SessionFilter) ([]guise.Session, error) {
	var where []string
	var args []any
	if f.Env != "" {
		where, args = append(where, "env = ?"), append(args, f.Env)
	}
	if f.UserID != "" {
		where, args = append(where, "(user_id = ? OR user_email = ?)"), append(args, f.UserID, strings.ToLower(f.UserID))
	}
	switch f.EndReason {
	case "":
	case "running":
		where = append(where, "ended_at IS NULL")
	default:
		where, args = append(where, "end_reason = ?"), append(args, f.EndReason)
	}
	if f.Text != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(f.Text)) + "%"
		where = append(where, `(lower(user_email) LIKE ? ESCAPE '\' OR lower(user_name) LIKE ? ESCAPE '\' OR lower(org_name) LIKE ? ESCAPE '\'
			OR lower(reason) LIKE ? ESCAPE '\' OR lower(ticket) LIKE ? ESCAPE '\' OR lower(agent_email) LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like, like, like, like)
	}
	if !f.From.IsZero() {
		where, args = append(where, "started_at >= ?"), append(args, fmtTime(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "started_at < ?"), append(args, fmtTime(f.To))
	}
	if f.AgentEmail != "" {
		where, args = append(where, "agent_email = ?"), append(args, f.AgentEmail)
	}
	if f.ActiveOnly {
		where = append(where, "ended_at IS NULL")
	}
	q := "SELECT " + sessionCols + " FROM sessions"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY started_at DESC, id"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return d.querySessions(ctx, q, args...)
}

// DueSessions lists running sessions whose expiry, or whose wait for a
// dashboard start, is at or before now.
func (d *DB) DueSessions(ctx context.Context, now time.Time) ([]guise.Session, error) {
	return d.querySessions(ctx, "SELECT "+sessionCols+` FROM sessions WHERE ended_at IS NULL
		AND (expires_at <= ? OR awaiting_until <= ?) ORDER BY expires_at`, fmtTime(now), fmtTime(now))
}

// MarkRevokePending records that a stop was asked for but the provider has
// not confirmed it; the first attempt's time is kept. The session stays running.
func (d *DB) MarkRevokePending(ctx context.Context, id string, at time.Time, note string) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET revoke_pending_at = COALESCE(revoke_pending_at, ?), note = ?
			WHERE id = ? AND ended_at IS NULL`, fmtTime(at), note, id)
		return err
	}), "recording a pending revoke")
}

// PendingRevokes lists running sessions whose stop the provider has not confirmed.
func (d *DB) PendingRevokes(ctx context.Context) ([]guise.Session, error) {
	return d.querySessions(ctx, "SELECT "+sessionCols+" FROM sessions WHERE revoke_pending_at IS NOT NULL AND ended_at IS NULL ORDER BY revoke_pending_at")
}

func (d *DB) querySessions(ctx context.Context, q string, args ...any) ([]guise.Session, error) {
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, internal(err, "reading sessions")
	}
	defer rows.Close()
	out := []guise.Session{}
	for rows.Next() {
		var s guise.Session
		var started, expires string
		var ended, pending, awaiting sql.NullString
		if err := rows.Scan(&s.ID, &s.Env, &s.Provider, &s.UserID, &s.UserEmail, &s.UserName, &s.OrgID, &s.OrgName,
			&s.AgentEmail, &s.Reason, &s.Ticket, &started, &expires, &ended, &s.EndReason, &s.ProviderRef, &s.Note, &pending,
			&awaiting, &s.Outside); err != nil {
			return nil, internal(err, "reading sessions")
		}
		s.StartedAt, s.ExpiresAt = parseTime(started), parseTime(expires)
		if ended.Valid {
			t := parseTime(ended.String)
			s.EndedAt = &t
		}
		if pending.Valid {
			t := parseTime(pending.String)
			s.RevokePendingSince = &t
		}
		if awaiting.Valid {
			t := parseTime(awaiting.String)
			s.AwaitingUntil = &t
		}
		out = append(out, s)
	}
	return out, internal(rows.Err(), "reading sessions")
}
