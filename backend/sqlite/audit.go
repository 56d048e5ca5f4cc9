package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/guiseapp/guise/backend/guise"
)

// AppendAudit appends one record to the hash chain in its own transaction.
func (d *DB) AppendAudit(ctx context.Context, r guise.AuditRecord) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error { return appendAudit(ctx, tx, r) }), "writing the audit log")
}

// appendAudit chains r to the last record. Callers hold an immediate
// transaction, so two processes cannot chain to the same predecessor.
func appendAudit(ctx context.Context, tx *sql.Tx, r guise.AuditRecord) error {
	// Chain to the remembered head, not to the last row present: after a cut
	// tail, the gap then stays visible instead of being papered over.
	var prev string
	var seq int64
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &prev); err != nil {
		return err
	}
	r.Seq, r.PrevHash = seq+1, prev
	r.At = r.At.UTC()
	r.Hash = r.ComputeHash()
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, at, kind, env, agent, user_id, user_email, org_id, org_name, session_id, reason, ticket, rule, detail, prev_hash, hash)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.Seq, fmtTime(r.At), r.Kind, r.Env, r.Agent, r.UserID, r.UserEmail, r.OrgID, r.OrgName,
		r.SessionID, r.Reason, r.Ticket, r.Rule, r.Detail, r.PrevHash, r.Hash)
	return err
}

// AuditHead returns the sequence number and hash of the newest record
// written (0 and "" when none), as remembered apart from the records.
func (d *DB) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := d.db.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash)
	return seq, hash, internal(err, "reading the audit log")
}

// AuditRecords lists records in chain order after seq.
func (d *DB) AuditRecords(ctx context.Context, after int64, limit int) ([]guise.AuditRecord, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := d.db.QueryContext(ctx, `SELECT seq, at, kind, env, agent, user_id, user_email, org_id, org_name,
		session_id, reason, ticket, rule, detail, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, internal(err, "reading the audit log")
	}
	defer rows.Close()
	var out []guise.AuditRecord
	for rows.Next() {
		var r guise.AuditRecord
		var at string
		if err := rows.Scan(&r.Seq, &at, &r.Kind, &r.Env, &r.Agent, &r.UserID, &r.UserEmail, &r.OrgID, &r.OrgName,
			&r.SessionID, &r.Reason, &r.Ticket, &r.Rule, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
			return nil, internal(err, "reading the audit log")
		}
		r.At = parseTime(at)
		out = append(out, r)
	}
	return out, internal(rows.Err(), "reading the audit log")
}

// GetSetting decodes the setting key into v.
func (d *DB) GetSetting(ctx context.Context, key string, v any) (bool, error) {
	var raw string
	err := d.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, internal(err, "reading settings")
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return false, guise.Wrap(guise.EINTERNAL, err, "The setting %q is damaged: %v", key, err)
	}
	return true, nil
}

// PutSetting stores v under key, auditing the change when audit.Kind is set.
func (d *DB) PutSetting(ctx context.Context, key string, v any, audit guise.AuditRecord) error {
	b, err := json.Marshal(v)
	if err != nil {
		return guise.Wrap(guise.EINTERNAL, err, "Cannot encode the setting %q: %v", key, err)
	}
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, string(b)); err != nil {
			return err
		}
		if audit.Kind != "" {
			return appendAudit(ctx, tx, audit)
		}
		return nil
	}), "saving settings")
}

// Environments lists environments by name.
func (d *DB) Environments(ctx context.Context) ([]guise.Environment, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT name, provider, base_url, settings, created_at FROM environments ORDER BY name")
	if err != nil {
		return nil, internal(err, "listing environments")
	}
	defer rows.Close()
	var out []guise.Environment
	for rows.Next() {
		e, err := scanEnv(rows)
		if err != nil {
			return nil, internal(err, "listing environments")
		}
		out = append(out, e)
	}
	return out, internal(rows.Err(), "listing environments")
}

// Environment returns one environment.
func (d *DB) Environment(ctx context.Context, name string) (guise.Environment, error) {
	e, err := scanEnv(d.db.QueryRowContext(ctx, "SELECT name, provider, base_url, settings, created_at FROM environments WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return e, guise.Errorf(guise.ENOTFOUND, "There is no environment named %q. See: guise env list", name)
	}
	return e, internal(err, "reading an environment")
}

func scanEnv(row interface{ Scan(...any) error }) (guise.Environment, error) {
	var e guise.Environment
	var settings, created string
	if err := row.Scan(&e.Name, &e.Provider, &e.BaseURL, &settings, &created); err != nil {
		return e, err
	}
	e.CreatedAt = parseTime(created)
	e.Settings = map[string]string{}
	_ = json.Unmarshal([]byte(settings), &e.Settings) // written by us from a map: cannot be malformed
	return e, nil
}

// CreateEnvironment adds an environment.
func (d *DB) CreateEnvironment(ctx context.Context, env guise.Environment, audit guise.AuditRecord) error {
	settings, _ := json.Marshal(env.Settings)
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO environments (name, provider, base_url, settings, created_at) VALUES (?,?,?,?,?)",
			env.Name, env.Provider, env.BaseURL, string(settings), fmtTime(env.CreatedAt))
		if err != nil && strings.Contains(err.Error(), "UNIQUE") {
			return guise.Errorf(guise.ECONFLICT, "An environment named %q exists already.", env.Name)
		}
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	}), "adding an environment")
}

// UpdateEnvironment replaces an environment's base URL and settings.
func (d *DB) UpdateEnvironment(ctx context.Context, env guise.Environment, audit guise.AuditRecord) error {
	settings, _ := json.Marshal(env.Settings)
	changed, err := d.updateAudited(ctx, "changing an environment", audit,
		"UPDATE environments SET base_url = ?, settings = ? WHERE name = ?", env.BaseURL, string(settings), env.Name)
	if err == nil && !changed {
		return guise.Errorf(guise.ENOTFOUND, "There is no environment %q. See: guise env list", env.Name)
	}
	return err
}

// DeleteEnvironment removes an environment and its cache; history stays.
func (d *DB) DeleteEnvironment(ctx context.Context, name string, audit guise.AuditRecord) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		for _, table := range indexTables {
			if err := clearEnv(ctx, tx, table, name); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM environments WHERE name = ?", name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return guise.Errorf(guise.ENOTFOUND, "There is no environment named %q.", name)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", guise.SettingPolicy+"/"+name); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	}), "removing an environment")
}
