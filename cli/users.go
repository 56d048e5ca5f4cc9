package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/guiseapp/guise/app"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/spf13/cobra"
)

func (st *cliState) agentCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "agent", Short: "Say who you are (recorded with every impersonation)", Args: args(0, 0)}
	var email, name string
	set := &cobra.Command{
		Use:   "set --email EMAIL [--name NAME]",
		Short: "Record the support agent using this Guise",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return st.withApp(cmd, func(_ context.Context, a *app.App) error {
				if err := a.Settings.SetAgent(guise.Agent{Email: email, Name: name}); err != nil {
					return err
				}
				st.outf("Agent set to %s.\n", strings.ToLower(strings.TrimSpace(email)))
				return nil
			})
		},
	}
	set.Flags().StringVar(&email, "email", "", "your work email")
	set.Flags().StringVar(&name, "name", "", "your name")
	_ = set.MarkFlagRequired("email")
	cmd.AddCommand(set)
	return cmd
}

func (st *cliState) usersCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Search and show cached users", Args: args(0, 0)}
	var env string
	var limit int
	var asJSON bool
	search := &cobra.Command{
		Use:   "search QUERY",
		Short: "Find users by a prefix of their email, name, id or organization, best first",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			return st.withApp(cmd, func(_ context.Context, ap *app.App) error {
				users, err := ap.Users.Search(env, a[0], limit)
				if err != nil {
					return err
				}
				if asJSON {
					return st.printJSON(users)
				}
				if len(users) == 0 {
					st.errf("No users match %q. If they are new, run: guise sync\n", a[0])
					return nil
				}
				w := tabwriter.NewWriter(st.opts.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tEMAIL\tNAME\tORGANIZATIONS\tNOTES")
				for _, u := range users {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, orgNames(u.Orgs), badges(u))
				}
				return w.Flush()
			})
		},
	}
	search.Flags().StringVar(&env, "env", "", "environment (default: the current one)")
	search.Flags().IntVar(&limit, "limit", 20, "at most this many results")
	search.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var showEnv string
	var showJSON bool
	show := &cobra.Command{
		Use:   "show USER",
		Short: "Show a user (by id or email): role, status, organizations, recent impersonations and activity at the provider",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			return st.withApp(cmd, func(_ context.Context, ap *app.App) error {
				d, err := ap.Users.Get(showEnv, a[0])
				if err != nil {
					return err
				}
				if showJSON {
					return st.printJSON(struct {
						guise.User
						Protected    string                `json:"protected"`
						Sessions     []guise.Session       `json:"sessions"`
						Activity     []guise.ProviderEvent `json:"activity"`
						ActivityNote string                `json:"activity_note,omitempty"`
					}{d.User, d.Protected, d.Sessions, d.Activity, d.ActivityNote})
				}
				u := d.User
				st.outf("%s <%s>\nid       %s\nrole     %s\nstatus   %s\n", u.Name, u.Email, u.ID, u.Role, u.Status)
				st.outf("orgs     %s\n", guise.OrgList(u.Orgs))
				if d.Protected != "" {
					st.outf("note     protected: %s\n", d.Protected)
				}
				for _, s := range d.Sessions {
					st.outf("session  %s  %s by %s: %s\n", s.StartedAt.Local().Format("2006-01-02 15:04"), state(s), s.AgentEmail, s.Reason)
				}
				for _, e := range d.Activity {
					st.outf("activity %s  %s\n", e.At.Local().Format("2006-01-02 15:04"), activityLine(e))
				}
				if d.ActivityNote != "" && len(d.Activity) == 0 {
					st.outf("activity not imported from the provider: %s\n", d.ActivityNote)
				}
				return nil
			})
		},
	}
	show.Flags().StringVar(&showEnv, "env", "", "environment (default: the current one)")
	show.Flags().BoolVar(&showJSON, "json", false, "print JSON")
	cmd.AddCommand(search, show)
	return cmd
}

// activityLine is one provider event: what, in which application, from where.
func activityLine(e guise.ProviderEvent) string {
	line := e.Kind
	if e.Client != "" {
		line += " · " + e.Client
	}
	if e.IP != "" {
		line += " · " + e.IP
	}
	if e.Description != "" && e.Description != e.Kind {
		line += " · " + e.Description
	}
	return line
}

func orgNames(orgs []guise.Org) string {
	names := make([]string, len(orgs))
	for i, o := range orgs {
		names[i] = o.Name
	}
	return strings.Join(names, ", ")
}

func badges(u guise.User) string {
	var b []string
	if u.Role == "admin" {
		b = append(b, "admin")
	}
	if u.Status == guise.StatusSuspended {
		b = append(b, "suspended")
	}
	if len(u.Orgs) > 1 {
		b = append(b, fmt.Sprintf("%d orgs", len(u.Orgs)))
	}
	return strings.Join(b, ", ")
}
