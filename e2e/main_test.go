// Package e2e drives the real guise binary: the CLI loop against the Demo
// identity provider here, and (with -tags e2e, under Xvfb) the window.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// bin is the binary under test: $GUISE_BIN, else built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	if os.Getenv("GUISE_E2E_BROWSER") == "1" { // run by the fake xdg-open
		os.Exit(actAsBrowser(os.Args[len(os.Args)-1]))
	}
	bin = os.Getenv("GUISE_BIN")
	dir := ""
	if bin == "" {
		var err error
		dir, err = os.MkdirTemp("", "guise-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		bin = filepath.Join(dir, "guise")
		// No GUI tags: the CLI needs no GTK, and this links in seconds.
		cmd := exec.Command("go", "build", "-o", bin, "..")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building guise:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// guise is one isolated user of the binary: a temp home, a fake browser.
type guise struct {
	t        *testing.T
	home     string
	env      []string
	opened   string // file the fake xdg-open appends URLs to
	demoAddr string // where this home's built-in Demo listens (GUISE_DEMO_ADDR)
}

func newGuise(t *testing.T) *guise {
	t.Helper()
	root := t.TempDir()
	g := &guise{t: t, home: filepath.Join(root, "home"), opened: filepath.Join(root, "opened.txt")}
	binDir := filepath.Join(root, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	// The fake xdg-open records what Guise opens; with GUISE_E2E_FOLLOW set
	// in Guise's environment it also visits it like a browser (this test
	// binary, run as one), as a real xdg-open would, without waiting.
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> %q\n[ -n \"$GUISE_E2E_FOLLOW\" ] && GUISE_E2E_BROWSER=1 %q \"$1\" >/dev/null 2>&1 &\nexit 0\n", g.opened, self)
	if err := os.WriteFile(filepath.Join(binDir, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") || strings.HasPrefix(kv, "GUISE_") || strings.HasPrefix(kv, "PATH=") {
			continue
		}
		g.env = append(g.env, kv)
	}
	// The built-in Demo gets its own port so tests never meet another run's.
	g.demoAddr = freeAddr(t)
	g.env = append(g.env, "PATH="+binDir+":"+os.Getenv("PATH"), "GUISE_HOME="+g.home, "HOME="+root, "GUISE_DEMO_ADDR="+g.demoAddr)
	return g
}

type result struct {
	stdout, stderr string
	code           int
}

func (g *guise) run(extraEnv []string, args ...string) result {
	g.t.Helper()
	return g.runInput("", extraEnv, args...)
}

// runInput runs a command with stdin as its standard input.
func (g *guise) runInput(stdin string, extraEnv []string, args ...string) result {
	g.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(append([]string{}, g.env...), extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		g.t.Fatalf("guise %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// ok runs a command that must succeed.
func (g *guise) ok(extraEnv []string, args ...string) string {
	g.t.Helper()
	r := g.run(extraEnv, args...)
	if r.code != 0 {
		g.t.Fatalf("guise %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func (g *guise) json(v any, extraEnv []string, args ...string) {
	g.t.Helper()
	out := g.ok(extraEnv, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		g.t.Fatalf("guise %v: not JSON (%v): %s", args, err, out)
	}
}

// poll retries cond every 20 ms until it returns nil or within passes.
func poll(t *testing.T, within time.Duration, what string, cond func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := cond()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v: %v", what, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// demoStatus asks the Demo identity provider at addr how it sees the
// impersonation ref: pending, active (signed in), revoked or expired.
func demoStatus(t *testing.T, addr, key, ref string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/admin/v1/impersonations/"+ref, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var im struct{ Status string }
	if err := json.NewDecoder(resp.Body).Decode(&im); err != nil {
		t.Fatalf("the Demo's answer about %s: %v", ref, err)
	}
	return im.Status
}

// actAsBrowser visits u as a browser would: it follows redirects (to a
// loopback sign-in callback, say) keeping cookies. It is what the fake
// xdg-open runs when a test asks it to follow.
func actAsBrowser(u string) int {
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar, Timeout: 30 * time.Second}).Get(u)
	if err != nil {
		return 1
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return 0
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startDemo runs `guise demo serve` until the test ends or stop is called.
func (g *guise) startDemo(addr, key string, extra ...string) (stop func()) {
	g.t.Helper()
	cmd := exec.Command(bin, append([]string{"demo", "serve", "--addr", addr, "--api-key", key}, extra...)...)
	cmd.Env = g.env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		g.t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		g.t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
			}
		})
	}
	g.t.Cleanup(stop)
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var seen strings.Builder
		for sc.Scan() {
			seen.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "admin API") {
				ready <- seen.String()
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		g.t.Fatalf("demo server did not start: %s", errb.String())
	}
	return stop
}
