package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/guiseapp/guise/app"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/spf13/cobra"
)

func (st *cliState) policyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "What an impersonation must satisfy, per environment", Args: args(0, 0)}
	var env string
	var asJSON bool
	show := &cobra.Command{
		Use:   "show [--env NAME]",
		Short: "Print the policy in force (an environment's own, else the default)",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return st.withApp(cmd, func(ctx context.Context, a *app.App) error {
				p, err := policyOf(ctx, a, env)
				if err != nil {
					return err
				}
				if asJSON {
					return st.printJSON(p)
				}
				st.outf("%s", formatPolicy(p))
				return nil
			})
		},
	}
	show.Flags().StringVar(&env, "env", "", "environment (default: the default policy)")
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var f policyFlags
	set := &cobra.Command{
		Use:   "set [--env NAME] [flags]",
		Short: "Change the policy; flags not given keep their value",
		Long: `Change the policy of one environment (--env) or the default that environments
without their own follow. Only the flags given change; every change is recorded in the
audit log with its old and new values. Lists replace the old list: --protect-roles ""
clears it.`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return st.withApp(cmd, func(ctx context.Context, a *app.App) error {
				p, err := policyOf(ctx, a, env)
				if err != nil {
					return err
				}
				if err := f.apply(cmd, &p); err != nil {
					return err
				}
				if err := a.Settings.SetPolicy(env, p); err != nil {
					return err
				}
				where := "the default policy"
				if env != "" {
					where = "the policy of " + env
				}
				st.outf("Saved %s.\n%s", where, formatPolicy(p))
				return nil
			})
		},
	}
	set.Flags().StringVar(&env, "env", "", "environment (default: the default policy)")
	f.register(set)
	cmd.AddCommand(show, set)
	return cmd
}

// policyOf is the policy in force for env ("" for the default).
func policyOf(ctx context.Context, a *app.App, env string) (guise.Policy, error) {
	svc, err := a.Service()
	if err != nil {
		return guise.Policy{}, err
	}
	return svc.Policy(ctx, env)
}

// policyFlags are the settable fields; apply copies only those given.
type policyFlags struct {
	enabled, ticketRequired                   bool
	reasonMin, agentDaily, envMonthly         int
	ticketPattern                             string
	maxDuration, defaultDuration              time.Duration
	protectRoles, protectDomains, protectUser []string
}

func (f *policyFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.BoolVar(&f.enabled, "enabled", true, "allow impersonation at all (--enabled=false is the kill switch)")
	fl.IntVar(&f.reasonMin, "reason-min", 0, "minimum reason length in characters")
	fl.BoolVar(&f.ticketRequired, "ticket-required", false, "require a ticket reference")
	fl.StringVar(&f.ticketPattern, "ticket-pattern", "", `regular expression tickets must match, like ^[A-Z]+-[0-9]+$ ("" for any)`)
	fl.DurationVar(&f.maxDuration, "max-duration", 0, "longest session, in whole minutes, like 1h")
	fl.DurationVar(&f.defaultDuration, "default-duration", 0, "duration when none is chosen, like 30m")
	fl.StringSliceVar(&f.protectRoles, "protect-roles", nil, "roles that cannot be impersonated, comma-separated")
	fl.StringSliceVar(&f.protectDomains, "protect-domains", nil, "email domains that cannot be impersonated")
	fl.StringSliceVar(&f.protectUser, "protect-users", nil, "user ids or emails that cannot be impersonated")
	fl.IntVar(&f.agentDaily, "agent-daily-limit", 0, "sessions one agent may start a day (0: no limit)")
	fl.IntVar(&f.envMonthly, "env-monthly-limit", 0, "sessions the environment may start a month (0: no limit)")
}

func (f *policyFlags) apply(c *cobra.Command, p *guise.Policy) error {
	changed := c.Flags().Changed
	if changed("enabled") {
		p.Enabled = f.enabled
	}
	if changed("reason-min") {
		p.ReasonMinLength = f.reasonMin
	}
	if changed("ticket-required") {
		p.TicketRequired = f.ticketRequired
	}
	if changed("ticket-pattern") {
		p.TicketPattern = f.ticketPattern
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
		to   *int
	}{{"max-duration", f.maxDuration, &p.MaxMinutes}, {"default-duration", f.defaultDuration, &p.DefaultMinutes}} {
		if !changed(d.flag) {
			continue
		}
		m, err := wholeMinutes(d.flag, d.v)
		if err != nil {
			return err
		}
		*d.to = m
	}
	if changed("protect-roles") {
		p.ProtectedRoles = nonEmpty(f.protectRoles)
	}
	if changed("protect-domains") {
		p.ProtectedDomains = nonEmpty(f.protectDomains)
	}
	if changed("protect-users") {
		p.ProtectedUsers = nonEmpty(f.protectUser)
	}
	if changed("agent-daily-limit") {
		p.AgentDailyLimit = f.agentDaily
	}
	if changed("env-monthly-limit") {
		p.EnvMonthlyLimit = f.envMonthly
	}
	return nil
}

// wholeMinutes reads a duration flag that must be a positive whole number of
// minutes (0 when not given), as policies and sessions count in minutes.
func wholeMinutes(flag string, d time.Duration) (int, error) {
	if d < 0 || d%time.Minute != 0 || d > 7*24*time.Hour {
		return 0, usagef("--%s must be whole minutes, like 45m or 1h (got %s)", flag, d)
	}
	return int(d / time.Minute), nil
}

func nonEmpty(list []string) []string {
	out := []string{}
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func formatPolicy(p guise.Policy) string {
	onOff := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	limit := func(n int) string {
		if n == 0 {
			return "none"
		}
		return fmt.Sprint(n)
	}
	list := func(l []string) string {
		if len(l) == 0 {
			return "none"
		}
		return strings.Join(l, ", ")
	}
	pattern := p.TicketPattern
	if pattern == "" {
		pattern = "any"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  impersonation enabled  %s\n", onOff(p.Enabled))
	fmt.Fprintf(&b, "  reason minimum         %d characters\n", p.ReasonMinLength)
	fmt.Fprintf(&b, "  ticket required        %s (pattern: %s)\n", onOff(p.TicketRequired), pattern)
	fmt.Fprintf(&b, "  duration               default %dm, maximum %dm\n", p.DefaultMinutes, p.MaxMinutes)
	fmt.Fprintf(&b, "  protected roles        %s\n", list(p.ProtectedRoles))
	fmt.Fprintf(&b, "  protected domains      %s\n", list(p.ProtectedDomains))
	fmt.Fprintf(&b, "  protected users        %s\n", list(p.ProtectedUsers))
	fmt.Fprintf(&b, "  daily limit per agent  %s\n", limit(p.AgentDailyLimit))
	fmt.Fprintf(&b, "  monthly limit          %s\n", limit(p.EnvMonthlyLimit))
	return b.String()
}
