//go:build !windows

package browser

import (
	"path/filepath"
	"testing"
)

// The browsers' Unix names on PATH (Linux's candidates); on Windows the
// same names carry .exe, so this order is checked on Unix only.
func TestFindPrefersChromiumThenChromeThenEdgeThenFirefox(t *testing.T) {
	linux := candidates("linux")
	cases := []struct {
		installed []string
		want      string
		firefox   bool
	}{
		{[]string{"firefox-esr"}, "Firefox", true},
		{[]string{"firefox", "microsoft-edge-stable"}, "Microsoft Edge", false},
		{[]string{"firefox", "microsoft-edge", "google-chrome-stable"}, "Google Chrome", false},
		{[]string{"firefox", "google-chrome", "chromium-browser"}, "Chromium", false},
	}
	for _, c := range cases {
		dir := onPath(t, c.installed...)
		b, ok := find(linux)
		if !ok || b.Name != c.want || b.Firefox != c.firefox || filepath.Dir(b.Path) != dir {
			t.Errorf("with %v installed: %+v %v, want %s", c.installed, b, ok, c.want)
		}
	}
	onPath(t, "xdg-open", "lynx")
	if b, ok := find(linux); ok {
		t.Errorf("found %+v on a PATH without a supported browser", b)
	}
}
