//go:build linux

package app

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/browser"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/syncer"
)

// demoApp starts an app on a temp home with its built-in Demo served in
// process and synced, an agent set, and the system browser recorded.
func demoApp(t *testing.T) (*App, *[]string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var opened []string
	a := New(Config{Home: t.TempDir(), DemoAddr: addr,
		Open: func(_ context.Context, url string) error { opened = append(opened, url); return nil }})
	ctx := context.Background()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	a.StartDemoServers(ctx)
	if _, err := a.SyncWith(ctx, DemoEnv, syncer.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Settings.SetAgent(guise.Agent{Email: "agent@support.test"}); err != nil {
		t.Fatal(err)
	}
	return a, &opened
}

// member picks an active member of one organization from the Demo's users.
func member(t *testing.T, a *App, skip string) guise.User {
	t.Helper()
	users, err := a.Users.Search(DemoEnv, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Role == "member" && u.Status == "active" && len(u.Orgs) == 1 && u.ID != skip {
			return u
		}
	}
	t.Fatal("the Demo has no active member of one organization")
	return guise.User{}
}

// fakeChromium is a script standing in for a browser: it waits, with a
// helper child, until it is told to quit.
func fakeChromium(t *testing.T) browser.Browser {
	t.Helper()
	path := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nsleep 300 &\nwait\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return browser.Browser{Name: "Chromium", Path: path}
}

func runsOn(pid int, profile string) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if i := strings.LastIndexByte(string(stat), ')'); err != nil || i < 0 || stat[i+2] == 'Z' {
		return false
	}
	cmd, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err == nil && strings.Contains(string(cmd), "--user-data-dir="+profile+"\x00")
}

func TestIsolatedSessionIsClosedAtExpiry(t *testing.T) {
	a, opened := demoApp(t)
	ctx := context.Background()
	if v, err := a.Settings.Get(); err != nil || v.Browser.Mode != BrowserSystem {
		t.Fatalf("default browser setting: %+v %v", v.Browser, err)
	}
	if err := a.Settings.SetBrowser("chrome"); guise.ErrorCode(err) != guise.EINVALID {
		t.Fatalf("a bad mode: %v", err)
	}
	if err := a.Settings.SetBrowser(BrowserIsolated); err != nil {
		t.Fatal(err)
	}
	fake := fakeChromium(t)
	a.browser.iso.Find = func() (browser.Browser, bool) { return fake, true }
	if v, _ := a.Settings.Get(); v.Browser.Mode != BrowserIsolated || v.Browser.Isolated != "Chromium ("+fake.Path+")" {
		t.Fatalf("settings: %+v", v.Browser)
	}
	svc, _ := a.Service()
	now := time.Now().UTC()
	svc.Now = func() time.Time { return now }

	s, err := a.Impersonation.Start(StartInput{Env: DemoEnv, User: member(t, a, "").ID, Reason: "checking the March invoices", Minutes: 5})
	if err != nil {
		t.Fatal(err)
	}
	if s.Note != "" || len(*opened) != 0 {
		t.Fatalf("isolated start: note %q, system browser got %d URLs", s.Note, len(*opened))
	}
	st, ok, err := a.browser.iso.State(s.ID)
	if err != nil || !ok || !runsOn(st.PID, st.Profile) {
		t.Fatalf("no isolated browser runs for %s: %+v %v %v", s.ID, st, ok, err)
	}
	t.Cleanup(func() { _ = a.browser.iso.Close(s.ID) })

	now = now.Add(4 * time.Minute)
	if ended, err := svc.ExpireDue(ctx); err != nil || len(ended) != 0 || !runsOn(st.PID, st.Profile) {
		t.Fatalf("before the expiry: ended %v, err %v", ended, err)
	}
	now = now.Add(2 * time.Minute)
	if ended, err := svc.ExpireDue(ctx); err != nil || len(ended) != 1 {
		t.Fatalf("expire: %v %v", ended, err)
	}
	if runsOn(st.PID, st.Profile) {
		t.Fatal("the browser still runs after the session expired")
	}
	if _, err := os.Stat(st.Profile); !os.IsNotExist(err) {
		t.Fatalf("the profile is still there after expiry: %v", err)
	}
	if _, ok, _ := a.browser.iso.State(s.ID); ok {
		t.Fatal("the state file is still there after expiry")
	}
}

func TestIsolatedWithoutABrowserFallsBackWithANotice(t *testing.T) {
	a, opened := demoApp(t)
	if err := a.Settings.SetBrowser(BrowserIsolated); err != nil {
		t.Fatal(err)
	}
	a.browser.iso.Find = func() (browser.Browser, bool) { return browser.Browser{}, false }
	if v, _ := a.Settings.Get(); v.Browser.Isolated != "" {
		t.Fatalf("settings name a browser that is not there: %+v", v.Browser)
	}
	s, err := a.Impersonation.Start(StartInput{Env: DemoEnv, User: member(t, a, "").ID, Reason: "checking the March invoices"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Note, "system browser") || !strings.Contains(s.Note, "no Chromium") || len(*opened) != 1 {
		t.Fatalf("fallback: note %q, system browser got %d URLs", s.Note, len(*opened))
	}
	if stored, _ := a.DB().Session(context.Background(), s.ID); stored.Note != "" {
		t.Fatalf("the notice was stored: %q", stored.Note)
	}
	// The notice belongs to that start only.
	if _, err := a.Impersonation.Stop(s.ID); err != nil {
		t.Fatal(err)
	}
	a.browser.iso.Find = func() (browser.Browser, bool) { return fakeChromium(t), true }
	s2, err := a.Impersonation.Start(StartInput{Env: DemoEnv, User: member(t, a, "").ID, Reason: "checking the March invoices"})
	if err != nil || s2.Note != "" {
		t.Fatalf("second start: %q %v", s2.Note, err)
	}
	if _, err := a.Impersonation.StopAll(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(a.Home(), "browsers")); len(left) != 0 {
		t.Fatalf("left after stop all: %v", left)
	}
}

func TestStartSweepsBrowsersOfEndedSessions(t *testing.T) {
	a, _ := demoApp(t)
	if err := a.Settings.SetBrowser(BrowserIsolated); err != nil {
		t.Fatal(err)
	}
	fake := fakeChromium(t)
	a.browser.iso.Find = func() (browser.Browser, bool) { return fake, true }
	s, err := a.Impersonation.Start(StartInput{Env: DemoEnv, User: member(t, a, "").ID, Reason: "checking the March invoices"})
	if err != nil {
		t.Fatal(err)
	}
	st, _, _ := a.browser.iso.State(s.ID)
	t.Cleanup(func() { _ = a.browser.iso.Close(s.ID) })
	// A crash leaves a profile whose session never was (and the live one stays).
	leftover := filepath.Join(a.Home(), "browsers", "ses_gone-7")
	if err := os.MkdirAll(leftover, 0o700); err != nil {
		t.Fatal(err)
	}
	// The session ends in a process that does not close browsers.
	svc, _ := a.Service()
	svc.Browser = nil
	if _, err := a.Impersonation.Stop(s.ID); err != nil {
		t.Fatal(err)
	}
	if !runsOn(st.PID, st.Profile) {
		t.Fatal("the browser closed without a SessionBrowser")
	}
	// The next Guise to start sweeps both.
	b := New(Config{Home: a.Home()})
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, p := range []string{leftover, st.Profile} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s survived the sweep: %v", p, err)
		}
	}
	if runsOn(st.PID, st.Profile) {
		t.Fatal("the ended session's browser survived the sweep")
	}
}
