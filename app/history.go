package app

import (
	"bytes"
	"os"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// History reads the sessions and the audit log.
type History struct{ a *App }

// HistoryFilter selects sessions; dates are YYYY-MM-DD, To inclusive.
type HistoryFilter struct {
	Env       string `json:"env"`
	Agent     string `json:"agent"`
	User      string `json:"user"`
	Text      string `json:"text"`
	EndReason string `json:"end_reason"`
	From      string `json:"from"`
	To        string `json:"to"`
	Limit     int    `json:"limit"`
}

func (f HistoryFilter) domain() (guise.SessionFilter, error) {
	out := guise.SessionFilter{Env: f.Env, AgentEmail: f.Agent, UserID: f.User, Text: f.Text, EndReason: f.EndReason, Limit: f.Limit}
	if f.From != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.From, time.Local)
		if err != nil {
			return out, guise.FieldError("from", "Write dates as YYYY-MM-DD, like 2026-11-21.")
		}
		out.From = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.To, time.Local)
		if err != nil {
			return out, guise.FieldError("to", "Write dates as YYYY-MM-DD, like 2026-11-21.")
		}
		out.To = t.AddDate(0, 0, 1)
	}
	return out, nil
}

// List returns sessions newest first, recording any that expired.
func (h *History) List(f HistoryFilter) ([]guise.Session, error) {
	ctx, cancel := h.a.callCtx()
	defer cancel()
	svc, err := h.a.Service()
	if err != nil {
		return nil, err
	}
	df, err := f.domain()
	if err != nil {
		return nil, err
	}
	if _, err := svc.ExpireDue(ctx); err != nil {
		return nil, err
	}
	return svc.Store.Sessions(ctx, df)
}

// Audit returns the newest audit records, newest first.
func (h *History) Audit(limit int) ([]guise.AuditRecord, error) {
	ctx, cancel := h.a.callCtx()
	defer cancel()
	svc, err := h.a.Service()
	if err != nil {
		return nil, err
	}
	var all []guise.AuditRecord
	for after := int64(0); ; {
		recs, err := svc.Store.AuditRecords(ctx, after, 2000)
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			break
		}
		all, after = append(all, recs...), recs[len(recs)-1].Seq
	}
	out := make([]guise.AuditRecord, 0, len(all))
	for i := len(all) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		out = append(out, all[i])
	}
	return out, nil
}

// Verify walks the audit chain.
func (h *History) Verify() (guise.ChainStatus, error) {
	ctx, cancel := h.a.callCtx()
	defer cancel()
	svc, err := h.a.Service()
	if err != nil {
		return guise.ChainStatus{}, err
	}
	return guise.VerifyChain(ctx, svc.Store)
}

// Export writes the filtered sessions as csv or json to a file the agent
// picks in the native save dialog; it returns the path, "" when canceled.
func (h *History) Export(format string, f HistoryFilter) (string, error) {
	var buf bytes.Buffer
	sessions, err := h.List(f)
	if err != nil {
		return "", err
	}
	if err := guise.WriteSessions(&buf, format, sessions); err != nil {
		return "", err
	}
	path, err := h.a.saveDialog("guise-history-"+time.Now().Format("2006-01-02")+"."+format, format)
	if err != nil || path == "" {
		return "", err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return "", guise.Wrap(guise.EUNAVAILABLE, err, "Could not write %s: %v", path, err)
	}
	return path, nil
}

// System reports on Guise itself.
type System struct{ a *App }

// Info is what the window needs on start.
type Info struct {
	Version    string      `json:"version"`
	Home       string      `json:"home"`
	CurrentEnv string      `json:"current_env"`
	Agent      guise.Agent `json:"agent"`
}

// Ready is the window's first call: it logs that the frontend is up.
func (s *System) Ready() (Info, error) {
	ctx, cancel := s.a.callCtx()
	defer cancel()
	svc, err := s.a.Service()
	if err != nil {
		return Info{}, err
	}
	info := Info{Version: s.a.cfg.Build.Version, Home: s.a.cfg.Home}
	if info.CurrentEnv, err = currentEnv(ctx, svc); err != nil {
		return info, err
	}
	if info.Agent, err = svc.Agent(ctx); err != nil {
		return info, err
	}
	s.a.log.Info("frontend ready", "env", info.CurrentEnv)
	return info, nil
}
