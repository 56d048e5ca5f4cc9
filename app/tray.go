package app

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/tray"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// trayEvery is how often the tray re-reads the running sessions. Sessions
// started or stopped by another process (the CLI) reach it only this way,
// and an ended session must leave the menu within a second.
const trayEvery = 500 * time.Millisecond

// signalGrace is how long a window close waits to learn it came from
// SIGTERM/SIGINT: Wails turns both into the same close as the window's button.
const signalGrace = 100 * time.Millisecond

// windowUI is what the tray wiring needs from the window; the Wails runtime
// in the app, a fake in tests.
type windowUI interface {
	Show()
	Hide()
	Quit()
	Tell(title, message string)
	// Ask asks a yes/no question: "Yes", "No", or "" when dismissed.
	Ask(title, message string) string
}

// trayIcon is the part of *tray.Tray the wiring drives.
type trayIcon interface {
	SetSessions([]tray.Line)
	Close()
}

// trayWiring keeps the tray in step with the running sessions and decides
// what closing the window and quitting do while sessions run.
type trayWiring struct {
	log     *slog.Logger
	active  func() ([]guise.Session, error)
	stopAll func() error
	ui      windowUI
	now     func() time.Time

	told     atomic.Bool // "Guise keeps running in the tray" said once
	quitting atomic.Bool // a decided quit or a signal: let the window close
	signals  chan os.Signal
	refresh  chan struct{}
	dialogs  sync.Mutex // Wails has one channel for dialog answers

	mu       sync.Mutex
	tray     trayIcon // nil until shown, and when the desktop has no tray
	closed   bool
	done     chan struct{}
	loopDone chan struct{} // closed by loop, which runs only once tray is set
}

func newTrayWiring(log *slog.Logger, active func() ([]guise.Session, error), stopAll func() error, ui windowUI) *trayWiring {
	return &trayWiring{log: log, active: active, stopAll: stopAll, ui: ui, now: time.Now,
		signals: make(chan os.Signal, 1), refresh: make(chan struct{}, 1), done: make(chan struct{}), loopDone: make(chan struct{})}
}

// startTray wires the tray into the window process. Starting it talks to the
// bus, so it runs beside startup rather than delaying it.
func (a *App) startTray(ctx context.Context) {
	w := newTrayWiring(a.log, a.Impersonation.Active, func() error { _, err := a.Impersonation.StopAll(); return err }, wailsUI{ctx})
	a.mu.Lock()
	a.tray = w
	a.mu.Unlock()
	signal.Notify(w.signals, os.Interrupt, syscall.SIGTERM)
	a.events.Listen(func(name string, _ any) {
		switch name {
		case guise.EventSessionStarted, guise.EventSessionEnded, guise.EventSessionExpiring:
			w.poke()
		}
	})
	go w.start(tray.Config{Title: "Guise", Icon: tray.Icon, ActiveIcon: tray.ActiveIcon, Logger: a.log.With("component", "tray")})
}

// stopTray removes the icon before the app closes its database.
func (a *App) stopTray() {
	a.mu.Lock()
	w := a.tray
	a.mu.Unlock()
	if w != nil {
		signal.Stop(w.signals)
		w.close()
	}
}

// beforeClose is Wails' OnBeforeClose: true keeps the app running.
func (a *App) beforeClose(context.Context) bool {
	a.mu.Lock()
	w := a.tray
	a.mu.Unlock()
	return w != nil && w.beforeClose()
}

func (w *trayWiring) start(cfg tray.Config) {
	cfg.OnStop, cfg.OnShow, cfg.OnQuit = w.stop, w.ui.Show, w.quit
	t, err := tray.Start(cfg)
	if err != nil {
		w.log.Info("system tray skipped", "reason", err.Error())
		return
	}
	w.show(t)
}

// show starts keeping t in step, unless the app closed meanwhile.
func (w *trayWiring) show(t trayIcon) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed { // the app closed while the tray started
		t.Close()
		return
	}
	w.tray = t
	w.log.Info("system tray shown")
	go w.loop(t)
}

// shown is the tray, nil when there is none.
func (w *trayWiring) shown() trayIcon {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tray
}

// loop refreshes the menu on session events and every trayEvery; the lines
// count minutes down, and other processes' sessions show up.
func (w *trayWiring) loop(t trayIcon) {
	defer close(w.loopDone)
	tick := time.NewTicker(trayEvery)
	defer tick.Stop()
	for {
		if s, err := w.active(); err == nil {
			t.SetSessions(trayLines(s, w.now()))
		}
		select {
		case <-w.done:
			return
		case <-tick.C:
		case <-w.refresh:
		}
	}
}

// poke asks for a refresh now; it never blocks (event listeners must not).
func (w *trayWiring) poke() {
	select {
	case w.refresh <- struct{}{}:
	default:
	}
}

func (w *trayWiring) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.done)
	t := w.tray
	w.mu.Unlock()
	if t != nil {
		<-w.loopDone
		t.Close()
	}
}

// trayLines turns running sessions into menu lines:
// "alice@acme.test · Acme · 42 min left".
func trayLines(sessions []guise.Session, now time.Time) []tray.Line {
	var lines []tray.Line
	for _, s := range sessions {
		if !s.Active(now) {
			continue
		}
		parts := []string{s.UserEmail}
		if s.UserEmail == "" {
			parts[0] = s.UserID
		}
		if s.OrgName != "" {
			parts = append(parts, s.OrgName)
		}
		if s.AwaitingUntil != nil {
			parts = append(parts, "waiting for the dashboard")
			lines = append(lines, tray.Line{Label: strings.Join(parts, " · ")})
			continue
		}
		if s.RevokePendingSince != nil { // asked to stop; the provider has not confirmed
			parts = append(parts, "stopping (not confirmed yet)")
		}
		// Rounded up: "0 min left" would read as already over.
		mins := int(math.Ceil(s.Remaining(now).Minutes()))
		parts = append(parts, fmt.Sprintf("%d min left", mins))
		lines = append(lines, tray.Line{Label: strings.Join(parts, " · ")})
	}
	return lines
}

// stop is the tray's "Stop impersonating": the window's StopAll, which
// revokes every session at its provider before recording the end.
func (w *trayWiring) stop() {
	err := w.stopAll()
	w.poke()
	if err != nil {
		w.log.Warn("stopping from the tray", "code", guise.ErrorCode(err), "err", guise.ErrorMessage(err))
		w.tell("Guise could not stop every impersonation", guise.ErrorMessage(err))
	}
}

// quit is the tray's "Quit". With sessions running it asks first; stopping
// them is the default answer, and dismissing the question cancels.
func (w *trayWiring) quit() {
	if !w.confirmQuit() {
		return
	}
	w.quitting.Store(true)
	w.ui.Quit()
}

// confirmQuit asks whether to stop running sessions before quitting and
// does it; false means stay. The question is put so that stopping is "No":
// GTK's yes/no dialog focuses No, so Return stops (Wails cannot move the
// default button on Linux).
func (w *trayWiring) confirmQuit() bool {
	running, err := w.active()
	if err != nil || len(running) == 0 {
		return true
	}
	n := len(running)
	msg := fmt.Sprintf("%s still running (%s). Quit and leave %s running?\n\n"+
		"No (recommended): stop %s at the provider, then quit.\nYes: quit now; %s until %s.",
		count(n), expiryOf(running), them(n), them(n), keeps(n), endsAt(running))
	switch w.ask("Quit Guise", msg) {
	case "No":
		if err := w.stopAll(); err != nil {
			w.log.Warn("stopping before quit", "code", guise.ErrorCode(err), "err", guise.ErrorMessage(err))
			w.tell("Guise did not quit", "Not every impersonation could be stopped, so Guise stays open: "+guise.ErrorMessage(err))
			return false
		}
		w.log.Info("stopped every impersonation before quitting", "sessions", n)
		return true
	case "Yes":
		w.log.Info("quitting with impersonations still running", "sessions", n)
		return true
	default:
		return false
	}
}

// beforeClose decides what closing the window does. Signals and decided
// quits close. With sessions running the window hides to the tray (saying
// so once), or, with no tray to come back through, asks as Quit does.
func (w *trayWiring) beforeClose() (prevent bool) {
	if w.closeAllowed(0) {
		return false
	}
	running, err := w.active()
	if err != nil || len(running) == 0 {
		return false
	}
	if w.closeAllowed(signalGrace) {
		return false
	}
	if w.shown() == nil {
		if w.confirmQuit() {
			w.quitting.Store(true)
			return false
		}
		return true
	}
	if !w.told.Swap(true) {
		w.log.Info("window closed with impersonations running: Guise keeps running in the tray", "sessions", len(running))
		w.tell("Guise is still running", fmt.Sprintf("%s still running, so Guise stays in the system tray.\n\n"+
			"Stop %s from the tray icon (Stop impersonating), or pick Show Guise to come back.", count(len(running)), them(len(running))))
	}
	w.ui.Hide()
	return true
}

// closeAllowed reports a decided quit, or a signal arriving within wait.
func (w *trayWiring) closeAllowed(wait time.Duration) bool {
	if w.quitting.Load() {
		return true
	}
	select {
	case <-w.signals:
		w.quitting.Store(true)
		return true
	default:
	}
	if wait <= 0 {
		return false
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-w.signals:
		w.quitting.Store(true)
		return true
	case <-t.C:
		return false
	}
}

func (w *trayWiring) tell(title, msg string) {
	w.dialogs.Lock()
	defer w.dialogs.Unlock()
	w.ui.Tell(title, msg)
}

func (w *trayWiring) ask(title, msg string) string {
	w.dialogs.Lock()
	defer w.dialogs.Unlock()
	return w.ui.Ask(title, msg)
}

func count(n int) string {
	if n == 1 {
		return "An impersonation is"
	}
	return fmt.Sprintf("%d impersonations are", n)
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func keeps(n int) string {
	if n == 1 {
		return "it keeps running"
	}
	return "they keep running"
}

// expiryOf says when the last running session expires, in local time.
func expiryOf(running []guise.Session) string {
	if len(running) == 1 {
		return "it ends at " + endsAt(running)
	}
	return "the last ends at " + endsAt(running)
}

func endsAt(running []guise.Session) string {
	var last time.Time
	for _, s := range running {
		if s.ExpiresAt.After(last) {
			last = s.ExpiresAt
		}
	}
	return last.Local().Format("15:04")
}

// wailsUI is windowUI over the Wails runtime.
type wailsUI struct{ ctx context.Context }

func (u wailsUI) Show() { runtime.WindowShow(u.ctx) }
func (u wailsUI) Hide() { runtime.WindowHide(u.ctx) }
func (u wailsUI) Quit() { runtime.Quit(u.ctx) }

func (u wailsUI) Tell(title, message string) {
	_, _ = runtime.MessageDialog(u.ctx, runtime.MessageDialogOptions{Type: runtime.InfoDialog, Title: title, Message: message})
}

func (u wailsUI) Ask(title, message string) string {
	answer, err := runtime.MessageDialog(u.ctx, runtime.MessageDialogOptions{Type: runtime.QuestionDialog, Title: title, Message: message,
		Buttons: []string{"Yes", "No"}, DefaultButton: "No"})
	if err != nil {
		return ""
	}
	return answer
}
