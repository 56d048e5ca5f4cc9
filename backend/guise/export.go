package guise

import (
	"encoding/csv"
	"encoding/json"
	"io"
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
			if err := cw.Write([]string{s.ID, s.Env, s.Provider, s.UserID, s.UserEmail, s.UserName, s.OrgID, s.OrgName,
				s.AgentEmail, csvSafe(s.Reason), csvSafe(s.Ticket), s.StartedAt.UTC().Format(time.RFC3339), s.ExpiresAt.UTC().Format(time.RFC3339),
				ended, s.EndReason, s.ProviderRef, csvSafe(s.Note)}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	default:
		return FieldError("format", "Unknown export format %q; use csv or json.", format)
	}
}

// csvSafe defuses spreadsheet formulas in free text typed by agents.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
