package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/guiseapp/guise/backend/demo"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/spf13/cobra"
)

func (st *cliState) demoCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "demo", Short: "The built-in Demo identity provider", Args: args(0, 0)}
	var cfg demo.Config
	var dbPath string
	serve := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8787] [--users N] [--orgs M] [--seed S]",
		Short: "Run the Demo identity provider and demo customer app in the foreground",
		Long: `Run, until interrupted, a small identity provider (admin API under /admin/v1) and a
demo customer app on loopback, with deterministic seeded users and organizations. State
(users, sessions, tickets, events, the API key) persists in a SQLite file under the Guise
home: demo.db for the default data set, which the built-in "demo" environment uses.
The API key is printed at start; fix it with --api-key or GUISE_DEMO_API_KEY.`,
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Users < 1 || cfg.Orgs < 1 {
				return usagef("--users and --orgs must be at least 1")
			}
			if cfg.APIKey == "" {
				cfg.APIKey = os.Getenv("GUISE_DEMO_API_KEY")
			}
			cfg.DBPath = dbPath
			if cfg.DBPath == "" {
				name := "demo.db"
				if cfg.Users != demo.DefaultUsers || cfg.Orgs != demo.DefaultOrgs || cfg.Seed != demo.DefaultSeed {
					name = fmt.Sprintf("demo-u%d-o%d-s%d.db", cfg.Users, cfg.Orgs, cfg.Seed)
				}
				cfg.DBPath = filepath.Join(st.home, name)
			}
			cfg.Logger = st.log.With("component", "demo")
			if cfg.Users > 10000 {
				st.errf("Seeding %d users into %s (first run only)…\n", cfg.Users, cfg.DBPath)
			}
			srv, err := demo.NewServer(cfg)
			if err != nil {
				return guise.Wrap(guise.EUNAVAILABLE, err, "Cannot prepare the demo: %v", err)
			}
			if err := srv.Start(); err != nil {
				_ = srv.Close()
				return guise.Wrap(guise.EUNAVAILABLE, err, "Cannot listen on %s: %v. Is another demo already running? Pick another --addr.", cfg.Addr, err)
			}
			st.outf("Guise Demo identity provider\n  admin API     %s/admin/v1\n  customer app  %s/app/\n  API key       %s\n  state         %s\nPress Ctrl+C to stop.\n",
				srv.URL(), srv.URL(), srv.APIKey(), cfg.DBPath)
			st.log.Info("demo serving", "url", srv.URL(), "users", cfg.Users, "orgs", cfg.Orgs)
			<-cmd.Context().Done()
			st.errf("Stopping the demo…\n")
			return srv.Close()
		},
	}
	serve.Flags().StringVar(&cfg.Addr, "addr", demo.DefaultAddr, "listen address (loopback)")
	serve.Flags().IntVar(&cfg.Users, "users", demo.DefaultUsers, "number of seeded users")
	serve.Flags().IntVar(&cfg.Orgs, "orgs", demo.DefaultOrgs, "number of seeded organizations")
	serve.Flags().Int64Var(&cfg.Seed, "seed", demo.DefaultSeed, "seed of the generated data")
	serve.Flags().StringVar(&cfg.APIKey, "api-key", "", "fix the admin API key (demo data only)")
	serve.Flags().IntVar(&cfg.RateLimit, "rate-limit", 0, "admin API requests per second (0: unlimited)")
	serve.Flags().StringVar(&dbPath, "db", "", "state file (default: under the Guise home)")
	cmd.AddCommand(serve)
	return cmd
}
