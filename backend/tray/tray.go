// Package tray puts Guise in the desktop's system tray through
// fyne.io/systray, which speaks the StatusNotifierItem and dbusmenu D-Bus
// protocols in pure Go. It knows nothing of Wails or of sessions: the caller
// hands it menu lines and callbacks.
//
// Without a session bus, or without a StatusNotifierWatcher (the tray host)
// on it, Start returns ErrUnavailable and a nil *Tray, whose methods do
// nothing; nothing then blocks or crashes, at start or at shutdown.
package tray

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"fyne.io/systray"
)

// ErrUnavailable says the desktop offers no tray; the app runs without one.
var ErrUnavailable = errors.New("no system tray")

// maxLines is how many sessions the menu lists one by one; the last line
// then says how many more run. Slots are made once and reused, because
// systray appends new items at the end of the menu and removing items races
// with clicks inside systray.
const maxLines = 8

// startTimeout bounds every step that talks to the bus while starting.
const startTimeout = 3 * time.Second

// closeTimeout bounds shutdown: a stuck bus must not hold the app open.
const closeTimeout = 2 * time.Second

// Labels of the fixed menu items (tests find items by these).
const (
	LabelIdle = "No impersonation running"
	LabelStop = "Stop impersonating"
	LabelShow = "Show Guise"
	LabelQuit = "Quit"
)

// Line is one running impersonation as the menu shows it.
type Line struct {
	Label string
}

// Config is what the tray shows and whom it calls. Callbacks run on the
// tray's own goroutines; each may block (a second click meanwhile is dropped).
type Config struct {
	Title      string
	Icon       []byte // PNG, at most 64 px: it travels over D-Bus as raw pixels
	ActiveIcon []byte // PNG shown while any line is listed
	OnStop     func() // "Stop impersonating"
	OnShow     func() // "Show Guise", or a session line
	OnQuit     func() // "Quit"
	Logger     *slog.Logger
}

// Tray is the running tray icon. A nil *Tray is valid and does nothing.
type Tray struct {
	cfg  Config
	log  *slog.Logger
	end  func()
	done chan struct{}

	mu    sync.Mutex
	lines []*systray.MenuItem
	stop  *systray.MenuItem
	last  []Line

	closeOnce sync.Once
}

var (
	startedMu sync.Mutex
	started   bool
)

// Start shows the tray icon. systray is a process-wide singleton, so Start
// succeeds at most once per process. When the desktop has no tray it returns
// an error wrapping ErrUnavailable, saying why, and a nil *Tray.
func Start(cfg Config) (*Tray, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	for _, fn := range []*func(){&cfg.OnStop, &cfg.OnShow, &cfg.OnQuit} {
		if *fn == nil {
			*fn = func() {}
		}
	}
	if err := probe(startTimeout); err != nil {
		return nil, err
	}
	startedMu.Lock()
	defer startedMu.Unlock()
	if started {
		return nil, errors.New("the tray was already started in this process")
	}
	started = true

	t := &Tray{cfg: cfg, log: cfg.Logger, done: make(chan struct{})}
	built := make(chan struct{})
	start, end := systray.RunWithExternalLoop(func() { t.build(); close(built) }, nil)
	t.end = end
	// start exports the item on the shared session bus connection; the probe
	// showed the bus answers, but a bus can still hang, so bound the wait.
	returned := make(chan struct{})
	go func() { defer close(returned); start() }()
	select {
	case <-returned:
	case <-time.After(startTimeout):
		return nil, fmt.Errorf("%w: the session bus did not answer while exporting the tray icon", ErrUnavailable)
	}
	select {
	case <-built:
	case <-time.After(startTimeout):
		t.Close()
		return nil, fmt.Errorf("%w: the tray menu was not built", ErrUnavailable)
	}
	return t, nil
}

// build makes the menu once: session slots, then the actions.
func (t *Tray) build() {
	systray.SetIcon(t.cfg.Icon)
	systray.SetTitle(t.cfg.Title)
	systray.SetTooltip(t.cfg.Title)
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := 0; i < maxLines; i++ {
		item := systray.AddMenuItem("", "")
		item.Hide()
		t.lines = append(t.lines, item)
		t.onClick(item, "session line", t.cfg.OnShow)
	}
	t.lines[0].SetTitle(LabelIdle)
	t.lines[0].Disable()
	t.lines[0].Show()
	systray.AddSeparator()
	t.stop = systray.AddMenuItem(LabelStop, "Stop every running impersonation, revoking it at the provider")
	t.stop.Disable()
	t.onClick(t.stop, LabelStop, t.cfg.OnStop)
	t.onClick(systray.AddMenuItem(LabelShow, "Open the Guise window"), LabelShow, t.cfg.OnShow)
	systray.AddSeparator()
	t.onClick(systray.AddMenuItem(LabelQuit, "Quit Guise"), LabelQuit, t.cfg.OnQuit)
}

// onClick runs fn for each click on item until Close.
func (t *Tray) onClick(item *systray.MenuItem, name string, fn func()) {
	go func() {
		for {
			select {
			case <-t.done:
				return
			case _, ok := <-item.ClickedCh:
				if !ok {
					return
				}
				t.log.Info("tray menu clicked", "item", name)
				fn()
			}
		}
	}()
}

// SetSessions lists the running impersonations; none shows the idle line and
// the normal icon, any shows the active icon. Unchanged lines cost nothing.
func (t *Tray) SetSessions(lines []Line) {
	if t == nil {
		return
	}
	select {
	case <-t.done:
		return // closed: the bus connection is gone
	default:
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lines == nil || equal(lines, t.last) {
		return
	}
	wasActive := len(t.last) > 0
	t.last = append([]Line(nil), lines...)
	labels := make([]string, len(lines))
	for i, l := range lines {
		labels[i] = l.Label
	}
	if len(labels) > maxLines {
		labels = append(labels[:maxLines-1], fmt.Sprintf("… and %d more", len(lines)-(maxLines-1)))
	}
	if len(labels) == 0 {
		setSlot(t.lines[0], LabelIdle, false)
	}
	for i, item := range t.lines {
		switch {
		case i < len(labels):
			setSlot(item, labels[i], true)
		case i > 0 || len(labels) > 0:
			item.SetTitle("") // a hidden slot keeps no stale label
			item.Hide()
		}
	}
	if active := len(lines) > 0; active != wasActive {
		if active {
			t.stop.Enable()
			systray.SetIcon(t.cfg.ActiveIcon)
		} else {
			t.stop.Disable()
			systray.SetIcon(t.cfg.Icon)
		}
	}
	if len(lines) > 0 {
		systray.SetTooltip(fmt.Sprintf("%s: %d impersonation(s) running", t.cfg.Title, len(lines)))
	} else {
		systray.SetTooltip(t.cfg.Title)
	}
}

func setSlot(item *systray.MenuItem, label string, enabled bool) {
	item.SetTitle(label)
	if enabled {
		item.Enable()
	} else {
		item.Disable()
	}
	item.Show()
}

func equal(a, b []Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Close removes the icon. It never blocks for long and never panics:
// systray's end closes its bus connection, which panics when the export
// never got one (platform.md, gotcha 4).
func (t *Tray) Close() {
	if t == nil {
		return
	}
	t.closeOnce.Do(func() {
		close(t.done)
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			defer func() {
				if r := recover(); r != nil {
					t.log.Warn("closing the tray", "panic", fmt.Sprint(r))
				}
			}()
			t.end()
		}()
		select {
		case <-ended:
			t.log.Info("tray closed")
		case <-time.After(closeTimeout):
			t.log.Warn("the tray did not close in time; leaving it to the exit")
		}
	})
}
