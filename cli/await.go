package cli

import (
	"context"
	"time"

	"github.com/guiseapp/guise/app"
	"github.com/guiseapp/guise/backend/guise"
)

// awaitDashboard follows an impersonation the agent finishes in the
// provider's dashboard (WorkOS): it says what to do there, shows on stderr
// how the wait goes, and ends with the session attached or failed.
func (st *cliState) awaitDashboard(ctx context.Context, ap *app.App, s guise.Session, asJSON bool) error {
	st.errf("%s\n", s.Note)
	st.errf("Waiting for %s to report it (until %s; Ctrl+C stops watching, and guise sessions checks again later)…\n",
		s.Provider, s.AwaitingUntil.Local().Format("15:04:05"))
	lastErr := ""
	final, err := ap.AwaitStart(ctx, s.ID, func(p guise.AwaitProgress) {
		switch {
		case p.Err != nil && guise.ErrorMessage(p.Err) != lastErr:
			lastErr = guise.ErrorMessage(p.Err)
			st.errf("  look %d: %s\n", p.Looks, lastErr)
		case p.Session.AwaitingUntil != nil && p.Session.EndedAt == nil:
			st.errf("  look %d: not reported yet, %s left\n", p.Looks, guise.FormatDuration(p.Left.Round(time.Second)))
		}
	})
	if err != nil {
		return err
	}
	if asJSON {
		if err := st.printJSON(final); err != nil {
			return err
		}
	}
	if final.EndedAt != nil {
		what := final.Note
		if final.EndReason != guise.EndFailed {
			what = final.EndReason
		}
		return guise.Errorf(guise.ENOTRUNNING, "The impersonation of %s did not start: %s.", final.UserEmail, what)
	}
	if !asJSON {
		st.outf("Impersonating %s", final.UserEmail)
		if final.OrgName != "" {
			st.outf(" in %s", final.OrgName)
		}
		st.outf(" until %s (session %s, %s %s).\n%s.\nStop it with: guise stop %s\n", final.ExpiresAt.Local().Format("15:04"), final.ID,
			final.Provider, final.ProviderRef, final.Note, final.ID)
	}
	return nil
}

// reportReconciled tells on stderr what a reconciliation changed.
func (st *cliState) reportReconciled(r guise.ReconcileResult) {
	for _, s := range r.Attached {
		st.errf("Started in the dashboard: %s (%s) is now attached to %s.\n", s.ID, s.UserEmail, s.ProviderRef)
	}
	if n := len(r.Imported); n > 0 {
		st.errf("Imported %d impersonation(s) started outside Guise into the history.\n", n)
	}
}
