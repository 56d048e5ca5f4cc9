// Package browser opens launch URLs in the system browser.
package browser

import (
	"context"
	"os/exec"

	pkgbrowser "github.com/pkg/browser"
)

// Open opens url with the system browser (xdg-open, x-www-browser or
// www-browser on Linux). The URL is a secret: it goes to the launcher as its
// only argument and is never logged.
func Open(_ context.Context, url string) error {
	return pkgbrowser.OpenURL(url)
}

func init() {
	// The launcher's output may echo the URL: discard it.
	pkgbrowser.Stdout, pkgbrowser.Stderr = nil, nil
}

// Launcher names the launcher that Open would use, or "" when none is installed.
func Launcher() string {
	for _, name := range []string{"xdg-open", "x-www-browser", "www-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
