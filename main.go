// Command guise is the Guise desktop console and its command line: without
// arguments it opens the window, otherwise it runs a command (guise --help).
package main

import (
	"context"
	"embed"
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	"github.com/guiseapp/guise/app"
	"github.com/guiseapp/guise/cli"
)

//go:embed all:frontend/dist
var assets embed.FS

// Set by the build (-ldflags "-X main.version=…").
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Options{
		Build: app.Build{Version: version, Commit: commit, Date: date},
		GUI: func(a *app.App) error {
			// Wails handles SIGINT and SIGTERM itself and shuts down cleanly.
			stop()
			dist, err := fs.Sub(assets, "frontend/dist")
			if err != nil {
				return err
			}
			return a.Run(dist)
		},
	})
	stop()
	os.Exit(code)
}
