package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/guiseapp/guise/app"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/syncer"
	"github.com/spf13/cobra"
)

func (st *cliState) syncCmd() *cobra.Command {
	var env string
	var asJSON, full bool
	cmd := &cobra.Command{
		Use:   "sync [--env NAME] [--full]",
		Short: "Copy users and organizations into the local cache (full first, then incremental)",
		Long: `Copy users and organizations from the environment's provider into the local cache.
The first sync is a full pass; later ones fetch only users changed since. An interrupted
sync (Ctrl+C, a crash, a lost network) resumes where it stopped. --full fetches everyone
again and removes from the cache the users the provider no longer has (their
impersonation history stays). Progress goes to stderr: a bar on a terminal, lines otherwise.`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return st.withApp(cmd, func(ctx context.Context, a *app.App) error {
				bar := newProgressView(st.opts.Stderr)
				p, err := a.SyncWith(ctx, env, syncer.Options{Full: full}, bar.show)
				bar.end()
				if err != nil {
					return err
				}
				// Dashboard starts (WorkOS): attach awaited sessions, import the others.
				if r, err := a.Reconcile(ctx, p.Env); err != nil {
					st.errf("Synced, but the impersonations started in the dashboard could not be read: %s\n", guise.ErrorMessage(err))
				} else {
					st.reportReconciled(r)
				}
				if asJSON {
					return st.printJSON(p)
				}
				kind := "incremental"
				switch {
				case p.Resumed:
					kind = "resumed"
				case p.Full:
					kind = "full"
				}
				st.outf("Synced %s (%s): %d users changed, %d organizations.", p.Env, kind, p.Users, p.Orgs)
				if p.Swept > 0 {
					st.outf(" Removed %d users the provider no longer has.", p.Swept)
				}
				st.outf("\n")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment (default: the current one)")
	cmd.Flags().BoolVar(&full, "full", false, "fetch every user and drop those deleted at the provider")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// progressView shows sync progress on stderr: a bar redrawn in place on a
// terminal, a plain line every few seconds otherwise (logs, CI, pipes).
type progressView struct {
	w     io.Writer
	tty   bool
	last  time.Time
	drawn bool
}

func newProgressView(w io.Writer) *progressView {
	f, ok := w.(*os.File)
	tty := false
	if ok {
		if fi, err := f.Stat(); err == nil {
			tty = fi.Mode()&os.ModeCharDevice != 0
		}
	}
	return &progressView{w: w, tty: tty}
}

func (v *progressView) show(p syncer.Progress) {
	every := 5 * time.Second
	if v.tty {
		every = 100 * time.Millisecond
	}
	if p.Error != nil || (!p.Done && time.Since(v.last) < every) {
		return
	}
	v.last = time.Now()
	if v.tty {
		fmt.Fprintf(v.w, "\r\033[K%s", progressLine(p, true))
		v.drawn = true
		return
	}
	fmt.Fprintln(v.w, progressLine(p, false))
}

// end finishes the bar's line.
func (v *progressView) end() {
	if v.drawn {
		fmt.Fprintln(v.w)
	}
}

// progressLine says what a sync has done: users, pages, rate, and when the
// size is known a bar and the time left.
func progressLine(p syncer.Progress, bar bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sync %s: ", p.Env)
	if bar && p.Total > 0 {
		const width = 24
		frac := min(float64(p.Users)/float64(p.Total), 1)
		fill := int(frac * width)
		fmt.Fprintf(&b, "[%s%s] %3.0f%% ", strings.Repeat("#", fill), strings.Repeat(".", width-fill), frac*100)
	}
	fmt.Fprintf(&b, "%d users", p.Users)
	if p.Total > 0 {
		fmt.Fprintf(&b, " of ~%d", p.Total)
	}
	fmt.Fprintf(&b, ", %d orgs, %d pages, %.0f users/s", p.Orgs, p.Pages, p.Rate)
	switch {
	case p.Done:
		if p.Swept > 0 {
			fmt.Fprintf(&b, ", %d removed", p.Swept)
		}
		b.WriteString(", done")
	case p.ETASeconds >= 0:
		fmt.Fprintf(&b, ", %s left", (time.Duration(p.ETASeconds) * time.Second).String())
	}
	if p.Throttled > 0 {
		fmt.Fprintf(&b, " (slowed down %d times by the provider)", p.Throttled)
	}
	return b.String()
}
