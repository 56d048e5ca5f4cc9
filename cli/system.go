package cli

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"

	"github.com/guiseapp/guise/app"
	"github.com/guiseapp/guise/backend/browser"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/keyring"
	"github.com/spf13/cobra"
)

// VersionInfo is what `guise version` prints.
type VersionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
	Wails   string `json:"wails"`
}

func (st *cliState) versionInfo() VersionInfo {
	v := VersionInfo{Version: st.opts.Build.Version, Commit: st.opts.Build.Commit, Date: st.opts.Build.Date, Go: runtime.Version(), Wails: "unknown"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/wailsapp/wails/v2" {
				v.Wails = d.Version
			}
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && v.Commit == "":
				v.Commit = s.Value
			case s.Key == "vcs.time" && v.Date == "":
				v.Date = s.Value
			}
		}
	}
	for _, f := range []*string{&v.Version, &v.Commit, &v.Date} {
		if *f == "" {
			*f = "unknown"
		}
	}
	return v
}

func (st *cliState) versionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date, Go and Wails versions",
		Args:  args(0, 0),
		RunE: func(*cobra.Command, []string) error {
			v := st.versionInfo()
			if asJSON {
				return st.printJSON(v)
			}
			st.outf("guise %s\ncommit  %s\nbuilt   %s\ngo      %s\nwails   %s\n", v.Version, v.Commit, v.Date, v.Go, v.Wails)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// Check is one line of `guise doctor`.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	// Required checks make doctor fail; the others are advice.
	Required bool `json:"required"`
}

func (st *cliState) doctorCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the data directory, database, keychain, browser launcher and display",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			checks := st.doctor(cmd.Context())
			failed := false
			for _, c := range checks {
				failed = failed || (c.Required && !c.OK)
			}
			if asJSON {
				if err := st.printJSON(checks); err != nil {
					return err
				}
			} else {
				for _, c := range checks {
					mark := "ok  "
					if !c.OK && c.Required {
						mark = "FAIL"
					} else if !c.OK {
						mark = "warn"
					}
					st.outf("%s  %-16s %s\n", mark, c.Name, c.Detail)
				}
			}
			if failed {
				return errDoctor
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

var errDoctor = guise.Errorf(guise.EUNAVAILABLE, "Some required checks failed (see above).")

func (st *cliState) doctor(ctx context.Context) []Check {
	var out []Check
	probe := filepath.Join(st.home, ".doctor-probe")
	if err := os.WriteFile(probe, []byte("ok"), 0o600); err != nil {
		out = append(out, Check{"data directory", false, st.home + ": not writable: " + err.Error(), true})
	} else {
		_ = os.Remove(probe)
		out = append(out, Check{"data directory", true, st.home + " (writable)", true})
	}
	a := app.New(st.appConfig())
	if err := a.Start(ctx); err != nil {
		out = append(out, Check{"database", false, err.Error(), true})
	} else {
		res, err := a.DB().IntegrityCheck(ctx)
		switch {
		case err != nil:
			out = append(out, Check{"database", false, "integrity check failed: " + err.Error(), true})
		case res != "ok":
			out = append(out, Check{"database", false, "integrity check: " + res, true})
		default:
			out = append(out, Check{"database", true, a.DB().Path + " (integrity ok)", true})
		}
		_ = a.Close()
	}
	if err := (&keyring.Store{}).Probe(); err != nil {
		out = append(out, Check{"keychain", false, err.Error(), false})
	} else {
		out = append(out, Check{"keychain", true, "the OS keychain answers", false})
	}
	if l := browser.Launcher(); l != "" {
		out = append(out, Check{"browser launcher", true, l, false})
	} else {
		out = append(out, Check{"browser launcher", false, "none of xdg-open, x-www-browser, www-browser is installed (apt-get install xdg-utils)", false})
	}
	if d := os.Getenv("DISPLAY") + os.Getenv("WAYLAND_DISPLAY"); d != "" || runtime.GOOS != "linux" {
		out = append(out, Check{"display", true, "present " + d, false})
	} else {
		out = append(out, Check{"display", false, "none: the window needs one (run it under xvfb-run -a guise); the CLI works without", false})
	}
	return out
}
