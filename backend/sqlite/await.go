package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

var _ guise.AwaitStore = (*DB)(nil)

// MarkAwaiting records that a reserved session waits until until for its
// provider to report a start made in the dashboard. Its expiry keeps the
// duration the agent chose, which caps the session once attached.
func (d *DB) MarkAwaiting(ctx context.Context, id string, until time.Time, note string, audit guise.AuditRecord) error {
	return d.updateStarting(ctx, id, audit, "UPDATE sessions SET awaiting_until = ?, note = ? WHERE id = ? AND ended_at IS NULL AND provider_ref = ''",
		fmtTime(until), note, id)
}

// AttachSession gives an awaiting session its provider reference and true
// expiry; false when it was no longer awaiting (attached elsewhere, ended).
func (d *DB) AttachSession(ctx context.Context, id, ref string, expiresAt time.Time, note string, audit guise.AuditRecord) (bool, error) {
	return d.updateAudited(ctx, "recording a session", audit, `UPDATE sessions SET provider_ref = ?, expires_at = ?, awaiting_until = NULL, note = ?
		WHERE id = ? AND ended_at IS NULL AND awaiting_until IS NOT NULL`, ref, fmtTime(expiresAt), note, id)
}

// ImportSession inserts a session started outside Guise, unless the
// environment already has a session with its provider reference.
func (d *DB) ImportSession(ctx context.Context, s guise.Session, audit guise.AuditRecord) (bool, error) {
	if s.ProviderRef == "" {
		return false, guise.Errorf(guise.EINTERNAL, "An imported session needs the provider's reference.")
	}
	changed := false
	err := d.write(ctx, func(tx *sql.Tx) error {
		var known string
		err := tx.QueryRowContext(ctx, "SELECT id FROM sessions WHERE env = ? AND provider_ref = ? LIMIT 1", s.Env, s.ProviderRef).Scan(&known)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var ended any
		if s.EndedAt != nil {
			ended = fmtTime(*s.EndedAt)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,NULL,?)`,
			s.ID, s.Env, s.Provider, s.UserID, s.UserEmail, s.UserName, s.OrgID, s.OrgName, s.AgentEmail, s.Reason, s.Ticket,
			fmtTime(s.StartedAt), fmtTime(s.ExpiresAt), ended, s.EndReason, s.ProviderRef, s.Note, s.Outside)
		if err != nil {
			return err
		}
		changed = true
		return appendAudit(ctx, tx, audit)
	})
	return changed, internal(err, "importing a session")
}
