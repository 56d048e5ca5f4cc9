package cli

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/guiseapp/guise/app"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/spf13/cobra"
)

func (st *cliState) impersonateCmd() *cobra.Command {
	var in app.StartInput
	var duration time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "impersonate USER --reason TEXT [--ticket T] [--org ORG] [--duration 30m] [--env NAME]",
		Short: "Sign in as USER (an id or email) in your browser, after the policy checks",
		Long: `Start an impersonation: Guise checks the policy (reason, ticket, duration, protected
and suspended users, organization), starts the session at the provider, records it, and
opens it in the browser (see guise browser). The launch URL is never printed. Refusals exit with 3.`,
		Args: args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			in.User = a[0]
			minutes, err := wholeMinutes("duration", duration)
			if err != nil {
				return err
			}
			in.Minutes = minutes
			return st.withApp(cmd, func(ctx context.Context, ap *app.App) error {
				s, err := ap.StartImpersonation(ctx, in)
				if err != nil {
					return err
				}
				if s.AwaitingUntil != nil { // no start API (WorkOS): the agent starts it in the dashboard
					return st.awaitDashboard(ctx, ap, s, asJSON)
				}
				if asJSON {
					return st.printJSON(s)
				}
				st.outf("Impersonating %s", s.UserEmail)
				if s.OrgName != "" {
					st.outf(" in %s", s.OrgName)
				}
				st.outf(" until %s (session %s). Opened in your browser.\nStop it with: guise stop %s\n", s.ExpiresAt.Local().Format("15:04"), s.ID, s.ID)
				if s.Note != "" {
					st.errf("%s\n", s.Note) // how it was opened, like a fallback from an isolated profile
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&in.Reason, "reason", "", "why (required; recorded)")
	cmd.Flags().StringVar(&in.Ticket, "ticket", "", "support ticket reference")
	cmd.Flags().StringVar(&in.Org, "org", "", "organization id or name (required when the user has several)")
	cmd.Flags().DurationVar(&duration, "duration", 0, "how long, like 30m (default: the policy's default)")
	cmd.Flags().StringVar(&in.Env, "env", "", "environment (default: the current one)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the session as JSON")
	return cmd
}

func (st *cliState) stopCmd() *cobra.Command {
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "stop [SESSION_ID | --all]",
		Short: "Stop an impersonation: revoke it at the provider and record the end",
		Args:  args(0, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if all == (len(a) == 1) {
				return usagef("give a SESSION_ID or --all (see guise sessions --active)")
			}
			return st.withApp(cmd, func(_ context.Context, ap *app.App) error {
				var results []guise.StopResult
				var err error
				if all {
					results, err = ap.Impersonation.StopAll()
				} else {
					var r guise.StopResult
					r, err = ap.Impersonation.Stop(a[0])
					if err == nil {
						results = []guise.StopResult{r}
					}
				}
				if asJSON && results != nil {
					if jerr := st.printJSON(results); jerr != nil {
						return jerr
					}
				} else {
					for _, r := range results {
						if r.Already {
							st.outf("%s had already ended (%s). Nothing to do.\n", r.Session.ID, r.Session.EndReason)
						} else {
							st.outf("Stopped %s (%s).\n", r.Session.ID, r.Session.UserEmail)
							if r.Detail != "" {
								st.outf("  %s\n", r.Detail)
							}
						}
					}
					if all && len(results) == 0 && err == nil {
						st.outf("No impersonation is running.\n")
					}
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "stop every running impersonation")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (st *cliState) sessionsCmd() *cobra.Command {
	var f app.HistoryFilter
	var active, asJSON bool
	cmd := &cobra.Command{
		Use:   "sessions [--active] [--env NAME]",
		Short: "The history of impersonations, newest first",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if active {
				f.EndReason = "running"
			}
			return st.withApp(cmd, func(ctx context.Context, ap *app.App) error {
				st.retryPendingStops(ctx, ap)
				if r, err := ap.ReconcilePending(ctx); err != nil {
					st.errf("Could not read the impersonations started in a dashboard: %s\n", guise.ErrorMessage(err))
				} else {
					st.reportReconciled(r)
				}
				list, err := ap.History.List(f)
				if err != nil {
					return err
				}
				if asJSON {
					return st.printJSON(list)
				}
				if len(list) == 0 {
					st.errf("No sessions.\n")
					return nil
				}
				w := tabwriter.NewWriter(st.opts.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tSTARTED\tENV\tUSER\tORG\tAGENT\tSTATE\tREASON")
				for _, s := range list {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.StartedAt.Local().Format("2006-01-02 15:04"), s.Env, s.UserEmail, s.OrgName, s.AgentEmail, state(s), s.Reason)
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&active, "active", false, "only running sessions")
	cmd.Flags().StringVar(&f.Env, "env", "", "only this environment")
	cmd.Flags().StringVar(&f.User, "user", "", "only this user (id or email)")
	cmd.Flags().StringVar(&f.Agent, "agent", "", "only this agent's")
	cmd.Flags().IntVar(&f.Limit, "limit", 0, "at most this many")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// retryPendingStops asks the providers again for stops they have not
// confirmed, briefly, so that a command-line user sees them resolve even when
// no window is running to retry in the background.
func (st *cliState) retryPendingStops(ctx context.Context, ap *app.App) {
	svc, err := ap.Service()
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	done, err := svc.RetryRevokes(ctx)
	for _, r := range done {
		st.errf("The pending stop of %s (%s) is now confirmed.\n", r.Session.ID, r.Session.UserEmail)
	}
	if err != nil {
		st.log.Warn("retrying pending stops", "err", err)
	}
}

// state describes a session in a word or two.
func state(s guise.Session) string {
	if s.Outside {
		return sessionState(s) + ", started outside Guise"
	}
	return sessionState(s)
}

func sessionState(s guise.Session) string {
	if s.EndedAt == nil && s.AwaitingUntil != nil {
		return "waiting for the dashboard until " + s.AwaitingUntil.Local().Format("15:04")
	}
	if s.EndedAt == nil && s.RevokePendingSince != nil {
		return fmt.Sprintf("stop pending since %s, %s left", s.RevokePendingSince.Local().Format("15:04"), guise.FormatDuration(s.Remaining(time.Now()).Round(time.Minute)))
	}
	if s.EndedAt == nil {
		return fmt.Sprintf("running, %s left", guise.FormatDuration(s.Remaining(time.Now()).Round(time.Minute)))
	}
	return s.EndReason
}

func (st *cliState) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "The tamper-evident audit log", Args: args(0, 0)}
	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Walk the hash chain and report the first broken record, or intact",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return st.withApp(cmd, func(_ context.Context, ap *app.App) error {
				res, err := ap.History.Verify()
				if err != nil {
					return err
				}
				if asJSON {
					if err := st.printJSON(res); err != nil {
						return err
					}
				} else if res.Intact {
					st.outf("intact: %d records\n", res.Count)
				}
				if !res.Intact {
					return guise.Errorf(guise.ECONFLICT, "The audit log is broken at record %d: %s.", res.BrokenAt, res.Detail)
				}
				return nil
			})
		},
	}
	verify.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var format, since, out string
	export := &cobra.Command{
		Use:   "export --format jsonl|csv [--since DATE] [--out FILE]",
		Short: "Write the audit log, hashes included, to stdout or a file",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, err := parseSince(since)
			if err != nil {
				return err
			}
			return st.withApp(cmd, func(ctx context.Context, a *app.App) error {
				svc, err := a.Service()
				if err != nil {
					return err
				}
				w := st.opts.Stdout
				var f *os.File
				if out != "" {
					// 0600: the log names customers and agents' reasons.
					if f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
						return guise.Wrap(guise.EINVALID, err, "Cannot write %s: %v", out, err)
					}
					w = f
				}
				n, err := guise.ExportAudit(ctx, svc.Store, w, format, from)
				if f != nil {
					if cerr := f.Close(); err == nil && cerr != nil {
						err = guise.Wrap(guise.EINVALID, cerr, "Cannot write %s: %v", out, cerr)
					}
					if err == nil {
						st.errf("Wrote %d audit records to %s.\n", n, out)
					}
				}
				return err
			})
		},
	}
	export.Flags().StringVar(&format, "format", "jsonl", "jsonl or csv")
	export.Flags().StringVar(&since, "since", "", "only records from this date (2026-11-01) or time (RFC 3339) on")
	export.Flags().StringVar(&out, "out", "", "file to write (default: stdout)")
	cmd.AddCommand(verify, export)
	return cmd
}

// parseSince reads a --since value: a date (local midnight) or an RFC 3339 time.
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, guise.FieldError("since", "--since %q is not a date like 2026-11-01 or a time like 2026-11-01T09:00:00Z.", s)
}
