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
	go func() {
		a.StartDemoServers(ctx)
		a.StartSyncLoops(ctx)
	}()
	bg, cancel := context.WithCancel(context.Background())
	a.mu.Lock()
	a.stopBg, a.bgDone = cancel, make(chan struct{})
	a.mu.Unlock()
	go a.watchExpiry(bg)
}

func (a *App) shutdown(context.Context) {
	if err := a.Close(); err != nil {
		a.log.Error("closing", "err", err)
	}
	a.log.Info("window closed")
}

// watchExpiry records expiries as they happen and warns 5 minutes ahead.
func (a *App) watchExpiry(ctx context.Context) {
	defer close(a.bgDone)
	warned := map[string]bool{}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
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
		for _, s := range active {
			if !warned[s.ID] && s.Remaining(time.Now()) <= 5*time.Minute {
				warned[s.ID] = true
				a.events.Emit(guise.EventSessionExpiring, s)
			}
		}
	}
}

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
