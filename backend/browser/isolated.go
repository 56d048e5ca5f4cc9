package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// ErrNoBrowser says that no browser able to run an isolated profile is installed.
var ErrNoBrowser = errors.New("no Chromium, Google Chrome, Microsoft Edge or Firefox is installed")

// Isolated opens each session in a browser of its own, with a fresh profile
// under Dir, so the agent's own sign-ins are untouched and no cookie passes
// from one session to the next. A state file per session (never the URL)
// lets any Guise process close that browser and delete its profile: the
// window, the tray, or a later `guise stop`.
//
// Layout: Dir/<session>.json is the state, Dir/<session>-<random>/ the profile.
type Isolated struct {
	// Dir holds the profiles and their state files, like <home>/browsers.
	Dir string
	// Find picks the browser; nil means Find.
	Find func() (Browser, bool)
	// Grace is how long a browser may take to quit before it is killed; 0 means 5 s.
	Grace time.Duration
}

// State is what Isolated records about a session's browser.
type State struct {
	Session   string    `json:"session"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"started_at"`
	Profile   string    `json:"profile"`
	Browser   string    `json:"browser"` // the executable
}

// safeID keeps session ids usable as file names and nothing more.
var safeID = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

func checkID(id string) error {
	if !safeID.MatchString(id) {
		return fmt.Errorf("session id %q is not usable as a file name", id)
	}
	return nil
}

// Browser returns the browser Open would use.
func (i *Isolated) Browser() (Browser, bool) {
	if i.Find != nil {
		return i.Find()
	}
	return Find()
}

// Open starts a browser with a fresh profile showing rawURL for the session,
// and records it. The URL is a secret: it never reaches the browser's
// command line (which other local users can read), the state file or an
// error; the browser opens a page in the 0700 profile that redirects to it,
// removed with the profile. ErrNoBrowser when no supported browser is
// installed.
func (i *Isolated) Open(_ context.Context, session, rawURL string) error {
	if err := checkID(session); err != nil {
		return err
	}
	if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		// Also keeps the URL from ever reading as a flag of the browser.
		return errors.New("the launch URL is not an http(s) URL")
	}
	b, ok := i.Browser()
	if !ok {
		return ErrNoBrowser
	}
	if err := os.MkdirAll(i.Dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", i.Dir, err)
	}
	profile, err := os.MkdirTemp(i.Dir, session+"-") // 0700, a name no one can guess
	if err != nil {
		return fmt.Errorf("cannot create a browser profile: %w", err)
	}
	page, err := writeLaunchPage(profile, rawURL)
	if err != nil {
		_ = os.RemoveAll(profile)
		return err
	}
	cmd := exec.Command(b.Path, b.args(profile, page, isRoot())...)
	// Stdin, Stdout and Stderr stay nil (/dev/null): the browser may echo
	// its command line, URL included, and must not hold the CLI's pipes.
	detach(cmd)
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(profile)
		return fmt.Errorf("cannot start %s: %w", b.Name, err)
	}
	// Reap the browser if it quits while this process lives; once this
	// process exits, the browser carries on without it.
	go func() { _ = cmd.Wait() }()
	st := State{Session: session, PID: cmd.Process.Pid, StartedAt: time.Now().UTC(), Profile: profile, Browser: b.Path}
	if err := i.writeState(st); err != nil {
		i.closeState(st)
		return err
	}
	return nil
}

// writeLaunchPage writes, readable by the agent only, a page that sends the
// browser on to rawURL, and returns its file:// URL.
func writeLaunchPage(profile, rawURL string) (string, error) {
	esc := html.EscapeString(rawURL)
	page := `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
		`<meta http-equiv="refresh" content="0; url=` + esc + `"><title>Guise</title>` +
		`<p>Opening the impersonation… <a href="` + esc + `">Continue</a></p>`
	path := filepath.Join(profile, "guise-launch.html")
	if err := os.WriteFile(path, []byte(page), 0o600); err != nil {
		return "", fmt.Errorf("cannot prepare the browser: %w", err)
	}
	return (&url.URL{Scheme: "file", Path: path}).String(), nil
}

func (i *Isolated) statePath(session string) string {
	return filepath.Join(i.Dir, session+".json")
}

// writeState writes the state file atomically, readable by the agent only.
func (i *Isolated) writeState(st State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := i.statePath(st.Session) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("cannot record the browser: %w", err)
	}
	if err := os.Rename(tmp, i.statePath(st.Session)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("cannot record the browser: %w", err)
	}
	return nil
}

// State returns the recorded browser of a session; false when it has none.
func (i *Isolated) State(session string) (State, bool, error) {
	if err := checkID(session); err != nil {
		return State{}, false, err
	}
	b, err := os.ReadFile(i.statePath(session))
	if errors.Is(err, os.ErrNotExist) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, err
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, false, fmt.Errorf("the browser state of %s is unreadable: %w", session, err)
	}
	return st, true, nil
}

// Close closes the session's browser and deletes its profile and state. It
// signals the recorded pid's process group only once the pid is verified to
// still be that browser (its command line names the profile), so a reused
// pid is never touched. A session without a browser is a no-op.
func (i *Isolated) Close(session string) error {
	if err := checkID(session); err != nil {
		return err
	}
	st, ok, err := i.State(session)
	if err != nil || !ok {
		// No state (or an unreadable one): still close and remove any
		// profile of the session, as after a crash before it was recorded.
		if err != nil {
			_ = os.Remove(i.statePath(session))
		}
		return i.removeProfiles(session)
	}
	if !strings.HasPrefix(st.Profile, filepath.Join(i.Dir, session+"-")) {
		// A state file naming another directory was not written by us.
		_ = os.Remove(i.statePath(session))
		return fmt.Errorf("the browser state of %s names %s, outside %s: not deleting it", session, st.Profile, i.Dir)
	}
	return i.closeState(st)
}

// closeState closes st's browser, then removes its profile and state file.
func (i *Isolated) closeState(st State) error {
	grace := i.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	gone := func() bool { return !runs(st.PID, st.Profile) && len(pidsUsing(st.Profile)) == 0 }
	if runs(st.PID, st.Profile) {
		_ = signalGroup(st.PID, false)
		if !waitFor(gone, grace) {
			_ = signalGroup(st.PID, true)
		}
	}
	// Helpers that left the group, or a browser whose group is gone.
	for _, pid := range pidsUsing(st.Profile) {
		killPID(pid)
	}
	if !waitFor(gone, grace) {
		return fmt.Errorf("the browser of %s (pid %d) did not quit", st.Session, st.PID)
	}
	if err := removeAll(st.Profile); err != nil {
		return err
	}
	if err := os.Remove(i.statePath(st.Session)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// removeProfiles removes profiles of session that no state file records,
// closing whatever still runs on them.
func (i *Isolated) removeProfiles(session string) error {
	dirs, _ := filepath.Glob(filepath.Join(i.Dir, session+"-*"))
	var errs []error
	for _, d := range dirs {
		for _, pid := range pidsUsing(d) {
			killPID(pid)
		}
		waitFor(func() bool { return len(pidsUsing(d)) == 0 }, 2*time.Second)
		errs = append(errs, removeAll(d))
	}
	_ = os.Remove(i.statePath(session) + ".tmp")
	return errors.Join(errs...)
}

// Sweep closes the browsers and removes the profiles of sessions that are no
// longer active: leftovers of a Guise that crashed or was killed. active
// says whether a session still runs.
func (i *Isolated) Sweep(active func(session string) bool) error {
	entries, err := os.ReadDir(i.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		var session string
		switch {
		case strings.HasSuffix(name, ".json.tmp"):
			session = strings.TrimSuffix(name, ".json.tmp")
		case strings.HasSuffix(name, ".json"):
			session = strings.TrimSuffix(name, ".json")
		case e.IsDir() && strings.LastIndexByte(name, '-') > 0:
			session = name[:strings.LastIndexByte(name, '-')]
		default:
			continue
		}
		if seen[session] || checkID(session) != nil || active(session) {
			continue
		}
		seen[session] = true
		errs = append(errs, i.Close(session), i.removeProfiles(session))
	}
	return errors.Join(errs...)
}

// waitFor polls cond until it holds or d has passed.
func waitFor(cond func() bool, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// removeAll removes a profile, retrying briefly: a browser that just quit
// may still be flushing files into it.
func removeAll(dir string) error {
	var err error
	for try := 0; try < 5; try++ {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("cannot delete the browser profile %s: %w", dir, err)
}
