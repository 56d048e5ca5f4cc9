package guise

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// sessionColumns are the CSV export's columns, in order.
var sessionColumns = []string{"id", "env", "provider", "user_id", "user_email", "user_name", "org_id", "org_name",
	"agent_email", "reason", "ticket", "started_at", "expires_at", "ended_at", "end_reason", "provider_ref", "note"}

// WriteSessions writes sessions as "csv" or "json" (an array).
func WriteSessions(w io.Writer, format string, sessions []Session) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sessions)
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(sessionColumns); err != nil {
			return err
		}
		for _, s := range sessions {
			ended := ""
			if s.EndedAt != nil {
				ended = s.EndedAt.UTC().Format(time.RFC3339)
			}
			if err := writeSafe(cw, s.ID, s.Env, s.Provider, s.UserID, s.UserEmail, s.UserName, s.OrgID, s.OrgName,
				s.AgentEmail, s.Reason, s.Ticket, s.StartedAt.UTC().Format(time.RFC3339), s.ExpiresAt.UTC().Format(time.RFC3339),
				ended, s.EndReason, s.ProviderRef, s.Note); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	default:
		return FieldError("format", "Unknown export format %q; use csv or json.", format)
	}
}

// auditColumns are the audit CSV export's columns, in order.
var auditColumns = []string{"seq", "at", "kind", "env", "agent", "user_id", "user_email", "org_id", "org_name",
	"session_id", "reason", "ticket", "rule", "detail", "prev_hash", "hash"}

// ExportAudit streams the audit records at or after since (zero: all) as
// "jsonl" (one record a line, hashes included, so the chain can be checked
// elsewhere) or "csv". It returns how many records it wrote.
func ExportAudit(ctx context.Context, store Store, w io.Writer, format string, since time.Time) (int, error) {
	var write func(AuditRecord) error
	var cw *csv.Writer
	switch format {
	case "jsonl":
		enc := json.NewEncoder(w)
		write = func(r AuditRecord) error { return enc.Encode(r) }
	case "csv":
		cw = csv.NewWriter(w)
		if err := cw.Write(auditColumns); err != nil {
			return 0, err
		}
		write = func(r AuditRecord) error {
			return writeSafe(cw, strconv.FormatInt(r.Seq, 10), r.At.UTC().Format(time.RFC3339Nano), r.Kind, r.Env, r.Agent,
				r.UserID, r.UserEmail, r.OrgID, r.OrgName, r.SessionID, r.Reason, r.Ticket, r.Rule, r.Detail, r.PrevHash, r.Hash)
		}
	default:
		return 0, FieldError("format", "Unknown audit export format %q; use jsonl or csv.", format)
	}
	n, after := 0, int64(0)
	for {
		recs, err := store.AuditRecords(ctx, after, 2000)
		if err != nil {
			return n, err
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			after = r.Seq
			if r.At.Before(since) {
				continue
			}
			if err := write(r); err != nil {
				return n, fmt.Errorf("writing the audit export: %w", err)
			}
			n++
		}
	}
	if cw != nil {
		cw.Flush()
		return n, cw.Error()
	}
	return n, nil
}

// writeSafe writes one CSV row with every cell defused: names, emails and
// organizations come from providers and reasons from agents, and a cell
// starting with = + - @ or a control character runs as a formula in
// spreadsheets.
func writeSafe(cw *csv.Writer, cells ...string) error {
	for i, c := range cells {
		if c != "" && (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@' || c[0] == '\t' || c[0] == '\r') {
			cells[i] = "'" + c
		}
	}
	return cw.Write(cells)
}
