package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/guiseapp/guise/backend/browser"
	"github.com/guiseapp/guise/backend/guise"
)

// Where impersonations open: the setting "browser".
const (
	settingBrowser  = "browser"
	BrowserSystem   = "system"   // the agent's default browser (the default)
	BrowserIsolated = "isolated" // a browser of its own per session, with a throwaway profile
)

// sessionBrowser is the app's guise.SessionBrowser: it opens a session in
// the system browser, or, when the setting says isolated, in a browser of
// its own with a fresh profile that is closed and deleted when the session
// ends. Without a supported browser it falls back to the system browser and
// leaves a notice for the session (see takeNotice).
type sessionBrowser struct {
	store guise.Store // set by Start
	open  func(ctx context.Context, url string) error
	iso   *browser.Isolated
	log   *slog.Logger

	mu      sync.Mutex
	notices map[string]string
}

func newSessionBrowser(cfg Config) *sessionBrowser {
	return &sessionBrowser{open: cfg.Open, log: cfg.Logger, notices: map[string]string{},
		iso: &browser.Isolated{Dir: filepath.Join(cfg.Home, "browsers")}}
}

func (b *sessionBrowser) mode(ctx context.Context) (string, error) {
	m := BrowserSystem
	_, err := b.store.GetSetting(ctx, settingBrowser, &m)
	return m, err
}

// OpenSession opens url as the setting says. The URL is never logged.
func (b *sessionBrowser) OpenSession(ctx context.Context, id, url string) error {
	m, err := b.mode(ctx)
	if err != nil {
		return err
	}
	if m == BrowserIsolated {
		err := b.iso.Open(ctx, id, url)
		if err == nil {
			b.log.Info("session opened in an isolated browser", "session", id)
			return nil
		}
		// The issue asks for a fallback with a notice, not a failed session:
		// the agent sees the notice and can install a browser.
		notice := "Opened in the system browser, not an isolated profile: " + fallbackReason(err) + "."
		b.log.Warn("isolated browser unavailable, using the system browser", "session", id, "err", err)
		b.mu.Lock()
		b.notices[id] = notice
		b.mu.Unlock()
	}
	return b.open(ctx, url)
}

func fallbackReason(err error) string {
	if errors.Is(err, browser.ErrNoBrowser) {
		return "no Chromium, Google Chrome, Microsoft Edge or Firefox is installed"
	}
	return fmt.Sprintf("the isolated browser could not start (%v)", err)
}

// takeNotice returns, once, what the agent must know about how a session
// was opened ("" when it opened as set).
func (b *sessionBrowser) takeNotice(id string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.notices[id]
	delete(b.notices, id)
	return n
}

// CloseSession closes the session's isolated browser, if it has one,
// whichever process opened it.
func (b *sessionBrowser) CloseSession(id string) error {
	err := b.iso.Close(id)
	if err != nil {
		b.log.Warn("closing the isolated browser", "session", id, "err", err)
	}
	return err
}

// sweep closes the isolated browsers and deletes the profiles of sessions
// that ended without closing them (Guise crashed or was killed). Each
// session is looked up when its profile is met: a profile only exists once
// its session is recorded, so one being opened right now is never swept.
func (b *sessionBrowser) sweep(ctx context.Context) {
	err := b.iso.Sweep(func(id string) bool {
		s, err := b.store.Session(ctx, id)
		if guise.ErrorCode(err) == guise.ENOTFOUND {
			return false
		}
		return err != nil || s.EndedAt == nil // when in doubt, leave it
	})
	if err != nil {
		b.log.Warn("sweeping isolated browsers", "err", err)
	}
}

// BrowserInfo says where impersonations open.
type BrowserInfo struct {
	Mode string `json:"mode"` // system or isolated
	// Isolated names the browser an isolated session would use, like
	// "Chromium (/usr/bin/chromium)"; "" when none is installed, in which
	// case isolated sessions open in the system browser with a notice.
	Isolated string `json:"isolated"`
}

func (b *sessionBrowser) info(ctx context.Context) (BrowserInfo, error) {
	m, err := b.mode(ctx)
	info := BrowserInfo{Mode: m}
	if br, ok := b.iso.Browser(); ok {
		info.Isolated = fmt.Sprintf("%s (%s)", br.Name, br.Path)
	}
	return info, err
}

// SetBrowser chooses where impersonations open: "system" or "isolated".
// Isolated without a supported browser is accepted; sessions then open in
// the system browser with a notice, and Get's browser.isolated is "".
func (s *Settings) SetBrowser(mode string) error {
	ctx, cancel := s.a.callCtx()
	defer cancel()
	svc, err := s.a.Service()
	if err != nil {
		return err
	}
	if mode != BrowserSystem && mode != BrowserIsolated {
		return guise.FieldError("browser", "Open impersonations in %q? Choose %s or %s.", mode, BrowserSystem, BrowserIsolated)
	}
	return svc.Store.PutSetting(ctx, settingBrowser, mode, guise.AuditRecord{})
}
