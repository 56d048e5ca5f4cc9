package cli

import (
	"context"

	"github.com/guiseapp/guise/app"
	"github.com/spf13/cobra"
)

func (st *cliState) browserCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "browser", Short: "Where impersonations open: the system browser or an isolated profile", Args: args(0, 0)}
	var asJSON bool
	show := &cobra.Command{
		Use:   "show",
		Short: "Print where impersonations open, and the browser an isolated profile would use",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return st.withApp(cmd, func(_ context.Context, a *app.App) error {
				v, err := a.Settings.Get()
				if err != nil {
					return err
				}
				if asJSON {
					return st.printJSON(v.Browser)
				}
				st.printBrowser(v.Browser)
				return nil
			})
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	set := &cobra.Command{
		Use:   "set system|isolated",
		Short: "Open impersonations in the system browser, or each in a browser of its own",
		Long: `system: impersonations open in your default browser, next to your own sign-ins.
isolated: each opens in Chromium, Google Chrome, Microsoft Edge or Firefox (the first
installed) with a fresh profile, closed and deleted when the session stops or expires, so
your own sign-ins are untouched and no cookie passes between sessions. Without any of
those browsers, sessions open in the system browser and Guise says so.`,
		Args: args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			if a[0] != app.BrowserSystem && a[0] != app.BrowserIsolated {
				return usagef("guise browser set takes system or isolated, not %q", a[0])
			}
			return st.withApp(cmd, func(_ context.Context, ap *app.App) error {
				if err := ap.Settings.SetBrowser(a[0]); err != nil {
					return err
				}
				v, err := ap.Settings.Get()
				if err != nil {
					return err
				}
				st.printBrowser(v.Browser)
				return nil
			})
		},
	}
	cmd.AddCommand(show, set)
	return cmd
}

func (st *cliState) printBrowser(b app.BrowserInfo) {
	switch {
	case b.Mode != app.BrowserIsolated:
		st.outf("Impersonations open in the system browser.\n")
	case b.Isolated != "":
		st.outf("Impersonations open in an isolated profile of %s.\n", b.Isolated)
	default:
		st.outf("Impersonations open in an isolated profile.\n")
		st.errf("No Chromium, Google Chrome, Microsoft Edge or Firefox is installed: until one is, impersonations open in the system browser.\n")
	}
}
