// Package cli is Guise's command line. Run without a command, it opens the
// window; every command calls the same app services as the window.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/guiseapp/guise/app"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/logfile"
	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitFailure = 1 // something failed
	ExitUsage   = 2 // the command line is wrong
	ExitRefused = 3 // policy refused the request
)

// Options is what main hands the CLI.
type Options struct {
	Build app.Build
	// GUI opens the window with the app; it blocks until the window closes.
	GUI func(a *app.App) error
	// Stdin, Stdout, Stderr default to the process's.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

type cliState struct {
	opts    Options
	home    string
	verbose bool
	json    bool
	log     *slog.Logger
	logFile *logfile.File
}

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, opts Options) int {
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	st := &cliState{opts: opts}
	root := st.rootCmd()
	root.SetArgs(args)
	root.SetIn(opts.Stdin)
	root.SetOut(opts.Stdout)
	root.SetErr(opts.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	err := root.ExecuteContext(ctx)
	if st.logFile != nil {
		defer st.logFile.Close()
	}
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintf(opts.Stderr, "guise: %v\n", err)
		return ExitUsage
	}
	if st.log != nil {
		st.log.Warn("command failed", "code", guise.ErrorCode(err), "err", err)
	}
	fmt.Fprintf(opts.Stderr, "guise: %s\n", guise.ErrorMessage(err))
	if guise.ErrorCode(err) == guise.EREFUSED {
		return ExitRefused
	}
	return ExitFailure
}

// usageError is a mistake on the command line.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// isCobraUsage recognises cobra's own complaints about the command line.
func isCobraUsage(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "required flag")
}

// args checks the number of positional arguments as a usage error.
func args(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if len(a) < min || len(a) > max {
			return usagef("%s takes %s; see %s --help", cmd.CommandPath(), argCount(min, max), cmd.CommandPath())
		}
		return nil
	}
}

func argCount(min, max int) string {
	switch {
	case min == max && min == 0:
		return "no arguments"
	case min == max && min == 1:
		return "one argument"
	case min == max:
		return fmt.Sprintf("%d arguments", min)
	default:
		return fmt.Sprintf("%d to %d arguments", min, max)
	}
}

func (st *cliState) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "guise",
		Short: "Sign in as your customers, safely",
		Long: `Guise lets support agents impersonate a customer of an identity provider
(Clerk, WorkOS, Auth0, Asgardeo, or the built-in Demo): search the user, pick the
organization, give the reason, and Guise opens the session in your browser, counts it
down, stops it in one click, and keeps a tamper-evident history.

Run without a command to open the window. Exit codes: 0 ok, 1 failure, 2 usage, 3 refused by policy.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          args(0, 0),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return st.setup(cmd)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if st.opts.GUI == nil {
				return guise.Errorf(guise.EUNSUPPORTED, "This build has no window; see guise --help.")
			}
			a := app.New(st.appConfig())
			return st.opts.GUI(a)
		},
	}
	root.PersistentFlags().StringVar(&st.home, "home", "", "data directory (default: $GUISE_HOME, else ~/.config/guise)")
	root.PersistentFlags().BoolVarP(&st.verbose, "verbose", "v", false, "log to stderr too")
	root.AddCommand(st.versionCmd(), st.doctorCmd(), st.envCmd(), st.agentCmd(), st.syncCmd(), st.usersCmd(),
		st.impersonateCmd(), st.stopCmd(), st.sessionsCmd(), st.auditCmd(), st.policyCmd(), st.demoCmd(), st.browserCmd())
	return root
}

// ResolveHome picks the data directory: --home, else GUISE_HOME, else the OS config dir.
func ResolveHome(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	if env := os.Getenv("GUISE_HOME"); env != "" {
		return filepath.Abs(env)
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", guise.Wrap(guise.EUNAVAILABLE, err, "No data directory: set GUISE_HOME or pass --home (%v).", err)
	}
	return filepath.Join(dir, "guise"), nil
}

// setup resolves the home directory and opens the log.
func (st *cliState) setup(cmd *cobra.Command) error {
	home, err := ResolveHome(st.home)
	if err != nil {
		return err
	}
	st.home = home
	if err := os.MkdirAll(home, 0o700); err != nil {
		return guise.Wrap(guise.EUNAVAILABLE, err, "Cannot create the data directory %s: %v", home, err)
	}
	var handlers []slog.Handler
	if lf, err := logfile.Open(filepath.Join(home, "logs", "guise.log"), 5<<20, 3); err == nil {
		st.logFile = lf
		handlers = append(handlers, slog.NewTextHandler(lf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	} else if st.verbose {
		fmt.Fprintf(st.opts.Stderr, "guise: cannot open the log file: %v\n", err)
	}
	if st.verbose {
		handlers = append(handlers, slog.NewTextHandler(st.opts.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	st.log = slog.New(slog.NewMultiHandler(handlers...)).With("pid", os.Getpid(), "cmd", cmd.CommandPath())
	return nil
}

// appConfig is the app's configuration for this invocation. GUISE_DEMO_ADDR
// moves the built-in Demo off its default port, for tests and port clashes.
func (st *cliState) appConfig() app.Config {
	return app.Config{Home: st.home, Build: st.opts.Build, Logger: st.log, DemoAddr: os.Getenv("GUISE_DEMO_ADDR")}
}

// open starts the app for a command; the caller closes it.
func (st *cliState) open(ctx context.Context) (*app.App, error) {
	a := app.New(st.appConfig())
	if err := a.Start(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// withApp runs fn with a started app and closes it after.
func (st *cliState) withApp(cmd *cobra.Command, fn func(ctx context.Context, a *app.App) error) error {
	a, err := st.open(cmd.Context())
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(cmd.Context(), a)
}

func (st *cliState) printJSON(v any) error {
	enc := json.NewEncoder(st.opts.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (st *cliState) outf(format string, args ...any) {
	fmt.Fprintf(st.opts.Stdout, format, args...)
}

func (st *cliState) errf(format string, args ...any) {
	fmt.Fprintf(st.opts.Stderr, format, args...)
}
