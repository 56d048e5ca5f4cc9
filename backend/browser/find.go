package browser

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Browser is an installed browser that can run with a profile of its own.
type Browser struct {
	Name    string `json:"name"`              // for people: "Chromium", "Google Chrome", …
	Path    string `json:"path"`              // the executable
	Firefox bool   `json:"firefox,omitempty"` // takes Firefox's flags, else Chromium's
}

// candidate is a browser Find looks for: executable names looked up on PATH
// and absolute paths where installers put it.
type candidate struct {
	name    string
	firefox bool
	names   []string
	paths   []string
}

// candidates lists, in order of preference, the browsers of goos. The
// Chromium family comes first: its --user-data-dir isolation is the one the
// tests exercise.
func candidates(goos string) []candidate {
	switch goos {
	case "darwin":
		app := func(bundle, exe string) []string {
			return []string{"/Applications/" + bundle + ".app/Contents/MacOS/" + exe}
		}
		return []candidate{
			{name: "Chromium", names: []string{"chromium"}, paths: app("Chromium", "Chromium")},
			{name: "Google Chrome", names: []string{"google-chrome"}, paths: app("Google Chrome", "Google Chrome")},
			{name: "Microsoft Edge", names: []string{"microsoft-edge"}, paths: app("Microsoft Edge", "Microsoft Edge")},
			{name: "Firefox", firefox: true, names: []string{"firefox"}, paths: app("Firefox", "firefox")},
		}
	case "windows":
		var chrome, edge, firefox []string
		for _, root := range []string{os.Getenv("ProgramFiles"), os.Getenv("ProgramFiles(x86)"), os.Getenv("LocalAppData")} {
			if root == "" {
				continue
			}
			chrome = append(chrome, filepath.Join(root, `Google\Chrome\Application\chrome.exe`))
			edge = append(edge, filepath.Join(root, `Microsoft\Edge\Application\msedge.exe`))
			firefox = append(firefox, filepath.Join(root, `Mozilla Firefox\firefox.exe`))
		}
		return []candidate{
			{name: "Chromium", names: []string{"chromium.exe"}},
			{name: "Google Chrome", names: []string{"chrome.exe"}, paths: chrome},
			{name: "Microsoft Edge", names: []string{"msedge.exe"}, paths: edge},
			{name: "Firefox", firefox: true, names: []string{"firefox.exe"}, paths: firefox},
		}
	default: // Linux and the BSDs
		return []candidate{
			{name: "Chromium", names: []string{"chromium", "chromium-browser"}},
			{name: "Google Chrome", names: []string{"google-chrome", "google-chrome-stable", "chrome"}},
			{name: "Microsoft Edge", names: []string{"microsoft-edge", "microsoft-edge-stable"}},
			{name: "Firefox", firefox: true, names: []string{"firefox", "firefox-esr"}},
		}
	}
}

// Find returns the first supported browser installed: Chromium, Google
// Chrome, Microsoft Edge, then Firefox, looked up on PATH and where their
// installers put them. False when none is.
func Find() (Browser, bool) {
	return find(candidates(runtime.GOOS))
}

func find(cands []candidate) (Browser, bool) {
	for _, c := range cands {
		for _, n := range c.names {
			if p, err := exec.LookPath(n); err == nil {
				if abs, err := filepath.Abs(p); err == nil {
					p = abs
				}
				return Browser{Name: c.name, Path: p, Firefox: c.firefox}, true
			}
		}
		for _, p := range c.paths {
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return Browser{Name: c.name, Path: p, Firefox: c.firefox}, true
			}
		}
	}
	return Browser{}, false
}

// args is the command line that opens url in a new window of b, with its
// own profile in dir and nothing shared with the agent's running browser.
func (b Browser) args(dir, url string, root bool) []string {
	if b.Firefox {
		// -no-remote and -new-instance keep a running Firefox from taking
		// the URL into the agent's own profile.
		return []string{"-profile", dir, "-no-remote", "-new-instance", url}
	}
	a := []string{"--user-data-dir=" + dir, "--no-first-run", "--no-default-browser-check",
		// The profile is thrown away: keep its passwords out of the agent's keychain.
		"--password-store=basic"}
	if root {
		// Chromium refuses to run as root with its sandbox (CI runs as root).
		a = append(a, "--no-sandbox")
	}
	return append(a, "--new-window", url)
}
