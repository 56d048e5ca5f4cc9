package browser

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// onPath makes a PATH of one directory holding executables of those names.
func onPath(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	return dir
}

func TestFindLooksWhereInstallersPutBrowsers(t *testing.T) {
	onPath(t)
	app := filepath.Join(t.TempDir(), "Google Chrome")
	if err := os.WriteFile(app, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	cands := []candidate{
		{name: "Chromium", names: []string{"chromium"}, paths: []string{filepath.Join(t.TempDir(), "absent")}},
		{name: "Google Chrome", names: []string{"google-chrome"}, paths: []string{app}},
	}
	if b, ok := find(cands); !ok || b.Name != "Google Chrome" || b.Path != app {
		t.Fatalf("find = %+v %v", b, ok)
	}
	for _, goos := range []string{"darwin", "windows", "linux"} {
		if len(candidates(goos)) != 4 {
			t.Errorf("%s: want Chromium, Chrome, Edge and Firefox", goos)
		}
	}
}

func TestArgs(t *testing.T) {
	chromium := Browser{Name: "Chromium", Path: "/usr/bin/chromium"}
	got := chromium.args("/p", "https://x/", false)
	want := []string{"--user-data-dir=/p", "--no-first-run", "--no-default-browser-check", "--password-store=basic", "--new-window", "https://x/"}
	if !slices.Equal(got, want) {
		t.Errorf("chromium args = %q", got)
	}
	if got := chromium.args("/p", "https://x/", true); !slices.Contains(got, "--no-sandbox") || got[len(got)-1] != "https://x/" {
		t.Errorf("chromium args as root = %q", got)
	}
	firefox := Browser{Name: "Firefox", Path: "/usr/bin/firefox", Firefox: true}
	if got := firefox.args("/p", "https://x/", true); !slices.Equal(got, []string{"-profile", "/p", "-no-remote", "-new-instance", "https://x/"}) {
		t.Errorf("firefox args = %q", got)
	}
}
