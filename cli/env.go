package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/guiseapp/guise/app"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/keyring"
	"github.com/spf13/cobra"
)

func (st *cliState) envCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "env", Short: "Manage environments (connections to identity providers)", Args: args(0, 0)}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List environments",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return st.withApp(cmd, func(_ context.Context, a *app.App) error {
				envs, err := a.Environments.List()
				if err != nil {
					return err
				}
				if asJSON {
					return st.printJSON(envs)
				}
				if len(envs) == 0 {
					st.outf("No environments. Add one with: guise env add NAME --provider demo --base-url http://127.0.0.1:8787\n")
					return nil
				}
				w := tabwriter.NewWriter(st.opts.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "NAME\tPROVIDER\tBASE URL\tSECRET\tUSERS\tLAST SYNC")
				for _, e := range envs {
					secret := "missing"
					if e.HasSecret {
						secret = "set"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", e.Name, e.Provider, e.BaseURL, secret, e.Users, ago(e.LastSyncedAt))
				}
				return w.Flush()
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var provider, baseURL string
	var sets []string
	var secretStdin bool
	add := &cobra.Command{
		Use:   "add NAME --provider demo|clerk|workos|auth0|asgardeo [--base-url URL] [--set KEY=VALUE]...",
		Short: "Add an environment",
		Long: `Add an environment. The secret (API key) is read from standard input with
--secret-stdin, or from the variable GUISE_SECRET_<NAME> (upper-cased, '-' becomes '_'),
never from an argument. It is kept in the OS keychain, never on disk.`,
		Args: args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			settings, err := parseSettings(sets)
			if err != nil {
				return err
			}
			secret, err := st.readSecret(secretStdin)
			if err != nil {
				return err
			}
			return st.withApp(cmd, func(_ context.Context, ap *app.App) error {
				v, err := ap.Environments.Add(app.EnvInput{Name: a[0], Provider: provider, BaseURL: baseURL, Settings: settings, Secret: secret})
				if err != nil {
					return err
				}
				where := "no secret yet"
				if v.HasSecret {
					where = "secret from " + secretSource(v.Name, secret != "")
				}
				st.outf("Added %s (%s, %s; %s). Next: guise env test %s\n", v.Name, v.Provider, v.BaseURL, where, v.Name)
				return nil
			})
		},
	}
	add.Flags().StringVar(&provider, "provider", "", "demo, clerk, workos, auth0 or asgardeo")
	add.Flags().StringVar(&baseURL, "base-url", "", "the provider's API base URL (https, or http on loopback; auth0: defaults to https://{domain}; asgardeo: https://api.asgardeo.io/t/{org})")
	add.Flags().StringArrayVar(&sets, "set", nil, "a provider setting KEY=VALUE (repeatable)")
	add.Flags().BoolVar(&secretStdin, "secret-stdin", false, "read the secret from standard input")
	_ = add.MarkFlagRequired("provider")

	var editURL string
	var editSets, unsets []string
	var editStdin bool
	edit := &cobra.Command{
		Use:   "edit NAME [--base-url URL] [--set KEY=VALUE]... [--unset KEY]... [--secret-stdin]",
		Short: "Change an environment's base URL, settings or secret",
		Long: `Change an environment. Settings not named keep their value; --unset removes one.
A new secret comes from standard input with --secret-stdin (never an argument) and goes
to the OS keychain. The change is recorded in the audit log, without the secret.`,
		Args: args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			sets, err := parseSettings(editSets)
			if err != nil {
				return err
			}
			secret, err := st.readSecret(editStdin)
			if err != nil {
				return err
			}
			return st.withApp(cmd, func(ctx context.Context, ap *app.App) error {
				svc, err := ap.Service()
				if err != nil {
					return err
				}
				cur, err := svc.Store.Environment(ctx, a[0])
				if err != nil {
					return err
				}
				in := app.EnvInput{Name: cur.Name, Provider: cur.Provider, BaseURL: cur.BaseURL, Settings: maps.Clone(cur.Settings), Secret: secret}
				if in.Settings == nil {
					in.Settings = map[string]string{}
				}
				if cmd.Flags().Changed("base-url") {
					in.BaseURL = editURL
				}
				maps.Copy(in.Settings, sets)
				for _, k := range unsets {
					delete(in.Settings, k)
				}
				v, err := ap.Environments.Edit(in)
				if err != nil {
					return err
				}
				st.outf("Saved %s (%s, %s).\n", v.Name, v.Provider, v.BaseURL)
				return nil
			})
		},
	}
	edit.Flags().StringVar(&editURL, "base-url", "", "the provider's API base URL (empty: the provider's default)")
	edit.Flags().StringArrayVar(&editSets, "set", nil, "set a provider setting KEY=VALUE (repeatable)")
	edit.Flags().StringArrayVar(&unsets, "unset", nil, "remove a provider setting (repeatable)")
	edit.Flags().BoolVar(&editStdin, "secret-stdin", false, "read a new secret from standard input")

	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an environment, its cache and its secret (history stays)",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			return st.withApp(cmd, func(_ context.Context, ap *app.App) error {
				if err := ap.Environments.Remove(a[0]); err != nil {
					return err
				}
				st.outf("Removed %s. Its history is kept.\n", a[0])
				return nil
			})
		},
	}

	var testJSON bool
	test := &cobra.Command{
		Use:   "test NAME",
		Short: "Call the provider and report what works",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			return st.withApp(cmd, func(_ context.Context, ap *app.App) error {
				res, err := ap.Environments.Test(a[0])
				if err != nil {
					return err
				}
				if testJSON {
					if err := st.printJSON(res); err != nil {
						return err
					}
				}
				failed := 0
				for _, r := range res {
					if !r.OK {
						failed++
					}
					if !testJSON {
						mark := "ok  "
						if !r.OK {
							mark = "FAIL"
						}
						st.outf("%s  %s: %s\n", mark, r.Name, r.Detail)
					}
				}
				if failed > 0 {
					return guise.Errorf(guise.EUNAVAILABLE, "%d of %d checks failed for %s.", failed, len(res), a[0])
				}
				return nil
			})
		},
	}
	test.Flags().BoolVar(&testJSON, "json", false, "print JSON")
	cmd.AddCommand(list, add, edit, remove, test)
	return cmd
}

// readSecret reads a secret from standard input when asked to.
func (st *cliState) readSecret(fromStdin bool) (string, error) {
	if !fromStdin {
		return "", nil
	}
	b, err := io.ReadAll(io.LimitReader(st.opts.Stdin, 64<<10))
	if err != nil {
		return "", guise.Wrap(guise.EINVALID, err, "Cannot read the secret from standard input: %v", err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return "", guise.FieldError("secret", "--secret-stdin was given but standard input was empty.")
	}
	return secret, nil
}

// parseSettings reads repeated --set KEY=VALUE flags. Keys are lower-case
// letters, digits and underscores, each given once.
func parseSettings(sets []string) (map[string]string, error) {
	settings := map[string]string{}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !settingKey.MatchString(k) {
			return nil, usagef("--set takes KEY=VALUE with a key like actor_user_id, got %q", kv)
		}
		if _, dup := settings[k]; dup {
			return nil, usagef("--set %s is given twice", k)
		}
		settings[k] = strings.TrimSpace(v)
	}
	return settings, nil
}

var settingKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func secretSource(env string, fromStdin bool) string {
	if fromStdin {
		return "standard input, stored in the OS keychain"
	}
	return keyring.EnvVar(env)
}

// ago prints a time as "3 min ago".
func ago(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	d := time.Since(*t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
}
