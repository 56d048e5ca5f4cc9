package app

import (
	"context"
	"io/fs"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// Run opens the window and blocks until it closes. Nothing slow happens
// before wails.Run: the database opens in OnStartup.
func (a *App) Run(assets fs.FS) error {
	return wails.Run(&options.App{
		Title:            "Guise",
		Width:            1200,
		Height:           780,
		MinWidth:         900,
		MinHeight:        560,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 248, G: 249, B: 251, A: 255},
		OnStartup:        a.startup,
		OnShutdown:       a.shutdown,
		OnBeforeClose:    a.beforeClose,
		Bind:             a.Bind(),
		ErrorFormatter:   func(err error) any { return FormatError(a.log, err) },
	})
}

func (a *App) startup(ctx context.Context) {
	a.log.Info("window starting", "home", a.cfg.Home)
	a.events.attach(ctx, runtime.EventsEmit)
	if err := a.Start(ctx); err != nil {
		a.log.Error("cannot start", "err", err)
		_, _ = runtime.MessageDialog(ctx, runtime.MessageDialogOptions{Type: runtime.ErrorDialog, Title: "Guise cannot start", Message: guise.ErrorMessage(err)})
		runtime.Quit(ctx)
		return
	}
	bg, cancel := context.WithCancel(context.Background())
	a.mu.Lock()
	a.stopBg, a.bgDone = cancel, make(chan struct{})
	a.mu.Unlock()
	go func() {
		a.StartDemoServers(ctx)
		a.StartSyncLoops(ctx)
		a.probeEnvironments(bg) // after the Demo is up, so it is not reported offline
	}()
	go a.watchExpiry(bg)
	a.startTray(ctx)
}

func (a *App) shutdown(context.Context) {
	a.stopTray()
	if err := a.Close(); err != nil {
		a.log.Error("closing", "err", err)
	}
	a.log.Info("window closed")
}

// watchExpiry records expiries as they happen, warns 5 minutes ahead,
// retries stops the provider has not confirmed, and announces sessions
// started or stopped by another process (the CLI), so the window and the tray
// follow every route within a second.
func (a *App) watchExpiry(ctx context.Context) {
	defer close(a.bgDone)
	warned := map[string]bool{}
	var known map[string]bool // running sessions at the last tick
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for tick := 0; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		svc, err := a.Service()
		if err != nil {
			continue
		}
		if _, err := svc.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("recording expiries", "err", err)
		}
		active, err := svc.Store.Sessions(ctx, guise.SessionFilter{ActiveOnly: true})
		if err != nil {
			continue
		}
		known = a.announceExternal(ctx, svc, active, known)
		pending := false
		for _, s := range active {
			pending = pending || s.RevokePendingSince != nil
			if !warned[s.ID] && s.AwaitingUntil == nil && s.Remaining(time.Now()) <= 5*time.Minute {
				warned[s.ID] = true
				a.events.Emit(guise.EventSessionExpiring, s)
			}
		}
		if pending && tick%revokeRetryTicks == 0 {
			if done, err := svc.RetryRevokes(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("retrying stops", "err", err)
			} else if len(done) > 0 {
				a.log.Info("pending stops confirmed", "count", len(done))
				for _, r := range done {
					a.reach.observe(r.Session.Env, nil)
				}
			}
		}
	}
}

// revokeRetryTicks is how many seconds pass between retries of unconfirmed stops.
const revokeRetryTicks = 10

// saveDialog asks where to save a file; "" when canceled.
func (a *App) saveDialog(name, ext string) (string, error) {
	a.events.mu.Lock()
	ctx := a.events.ctx
	a.events.mu.Unlock()
	if ctx == nil {
		return "", guise.Errorf(guise.EUNSUPPORTED, "Saving through a dialog needs the window; use `guise sessions --json` instead.")
	}
	return runtime.SaveFileDialog(ctx, runtime.SaveDialogOptions{DefaultFilename: name,
		Filters: []runtime.FileFilter{{DisplayName: ext + " files", Pattern: "*." + ext}}})
}
