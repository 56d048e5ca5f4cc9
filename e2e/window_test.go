//go:build e2e

package e2e

import (
	"image"
	_ "image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// artifact is where screenshots are kept: $GUISE_ARTIFACTS, else a temp dir.
func artifact(t *testing.T, name string) string {
	dir := os.Getenv("GUISE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// waitLog waits for a line in the app's log file; never a sleep.
func waitLog(t *testing.T, path, want string, within time.Duration) {
	t.Helper()
	waitLogCount(t, path, want, 1, within)
}

// waitLogCount waits until the log holds want n times (a restarted app
// appends to the same log).
func waitLogCount(t *testing.T, path, want string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if logCount(path, want) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("no %q (×%d) in the log within %v:\n%s", want, n, within, b)
}

// logCount counts want in the log at path.
func logCount(path, want string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), want)
}

// TestWindowStartsRendersAndStopsCleanly runs the real app under Xvfb (the
// Makefile wraps this test in dbus-run-session and xvfb-run), waits until the
// frontend has called into Go, screenshots it, and stops it with SIGTERM.
func TestWindowStartsRendersAndStopsCleanly(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("no DISPLAY: run this through `make test-e2e`, which starts Xvfb")
	}
	g := newGuise(t)
	cmd := exec.Command(bin)
	cmd.Env = append(g.env, "NO_AT_BRIDGE=1", "DBUS_SESSION_BUS_ADDRESS="+os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	out, err := os.Create(filepath.Join(t.TempDir(), "stdout.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	logPath := filepath.Join(g.home, "logs", "guise.log")
	waitLog(t, logPath, "frontend ready", 90*time.Second)
	waitLog(t, logPath, "demo identity provider", 30*time.Second)
	if resp, err := http.Get("http://" + g.demoAddr + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the built-in Demo is not serving: %v", err)
	}

	shot := artifact(t, "window-start.png")
	// The first paint can trail the first call by a frame; retry the capture
	// (bounded) until it is not blank rather than sleeping a guessed time.
	var colours int
	for i := 0; i < 40; i++ {
		if b, err := exec.Command("import", "-window", "root", shot).CombinedOutput(); err != nil {
			t.Fatalf("screenshot: %v: %s", err, b)
		}
		if colours = distinctColours(t, shot); colours > 50 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if colours <= 50 {
		t.Fatalf("the screenshot %s looks blank (%d colours)", shot, colours)
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			b, _ := os.ReadFile(out.Name())
			t.Fatalf("exit after SIGTERM: %v\n%s", err, b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not exit within 5 s of SIGTERM")
	}
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	waitLog(t, logPath, "window closed", time.Second)
	if _, err := http.Get("http://" + g.demoAddr + "/healthz"); err == nil {
		t.Fatal("the in-process Demo server outlived the app")
	}
}

// distinctColours counts the colours of a sample of the image's pixels.
func distinctColours(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	return len(seen)
}
