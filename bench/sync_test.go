package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/syncer"
)

const demoKey = "demo_sk_bench"

// measureSync runs the real binary: `guise demo serve` with n users, then
// `guise sync` of it (full), then again after 1% of the users changed.
// Time is wall time; memory is the syncing process's peak RSS (wait4).
func measureSync(b *testing.B, t *table, dir, work string, n int) {
	bin := filepath.Join(work, "guise")
	build := exec.Command("go", "build", "-o", bin, "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		b.Fatalf("building guise (make bench builds the frontend first): %v", err)
	}
	// The tenant does not depend on Guise's schema: kept apart, it survives
	// a schema change (seeding a million users takes minutes).
	demoDir := filepath.Join(os.TempDir(), "guise-bench", fmt.Sprintf("demo-%d", n))
	if err := os.MkdirAll(demoDir, 0o755); err != nil {
		b.Fatal(err)
	}
	cachedDemo := filepath.Join(demoDir, "demo.db")
	if _, err := os.Stat(cachedDemo); err != nil {
		start := time.Now()
		stop := serveDemo(b, bin, cachedDemo, n)
		stop()
		t.add(fmt.Sprintf("demo: seed a %s-user tenant", count(n)), round(time.Since(start)), "", "info")
	}
	demoDB := filepath.Join(work, "demo.db")
	if err := copyFile(cachedDemo, demoDB); err != nil { // the run changes users: keep the cached tenant pristine
		b.Fatal(err)
	}
	stop := serveDemo(b, bin, demoDB, n)
	defer stop()
	addr := demoAddr
	home := filepath.Join(work, "home")
	env := append(os.Environ(), "GUISE_HOME="+home, "GUISE_SECRET_BENCH="+demoKey, "GUISE_DEMO_ADDR="+freeAddr(b))
	if out, err := command(env, bin, "env", "add", "bench", "--provider", "demo", "--base-url", "http://"+addr).CombinedOutput(); err != nil {
		b.Fatalf("env add: %v\n%s", err, out)
	}

	p, took, rss := syncOnce(b, env, bin)
	if p.Users != n || !p.Full {
		b.Fatalf("full sync brought %d users (full %v), want %d", p.Users, p.Full, n)
	}
	t.add(fmt.Sprintf("full sync: %s users over loopback (guise sync)", count(n)),
		fmt.Sprintf("%s (%.0f users/s, %d pages)", round(took), float64(n)/took.Seconds(), p.Pages), "≤ 60 s", verdict(took <= 60*time.Second))
	t.add("full sync: peak memory of the syncing process", fmt.Sprintf("%d MB", rss>>20), "≤ 200 MB", verdict(rss <= 200<<20))

	changed := n / 100
	start := time.Now()
	patchUsers(b, addr, n, changed)
	t.add(fmt.Sprintf("demo: change %s users (1%%) through its admin API", count(changed)), round(time.Since(start)), "", "info")
	p, took, rss = syncOnce(b, env, bin)
	t.add("incremental sync after 1% changed: pages fetched / rows written",
		fmt.Sprintf("%d pages / %d rows in %s (%d MB peak)", p.Pages, p.Users, round(took), rss>>20),
		fmt.Sprintf("%d pages / %d rows", (changed+99)/100, changed), verdict(!p.Full && p.Users == changed && p.Pages == (changed+99)/100))
}

// syncOnce runs guise sync --json and returns its report, wall time and peak RSS.
func syncOnce(b *testing.B, env []string, bin string) (syncer.Progress, time.Duration, int64) {
	cmd := command(env, bin, "sync", "--env", "bench", "--json")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		b.Fatalf("guise sync: %v\n%s\n%s", err, out.String(), errb.String())
	}
	var p syncer.Progress
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		b.Fatalf("guise sync --json: %v: %s", err, out.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return p, took, ru.Maxrss << 10 // Linux reports kilobytes
}

func command(env []string, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	return cmd
}

var demoAddr string

// serveDemo starts guise demo serve on db (seeding it the first time) and
// returns when it answers; stop interrupts it and waits.
func serveDemo(b *testing.B, bin, db string, n int) (stop func()) {
	demoAddr = freeAddr(b)
	cmd := exec.Command(bin, "demo", "serve", "--addr", demoAddr, "--users", fmt.Sprint(n), "--api-key", demoKey, "--db", db)
	cmd.Env = append(os.Environ(), "GUISE_HOME="+filepath.Dir(db))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if !sent && strings.Contains(sc.Text(), "Press Ctrl+C") {
				ready <- true
				sent = true
			}
		}
		if !sent {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			b.Fatal("guise demo serve ended before serving")
		}
	case <-time.After(10 * time.Minute):
		_ = cmd.Process.Kill()
		b.Fatal("guise demo serve did not start in 10 minutes")
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
		})
	}
}

// patchUsers changes users 1, 101, 201… (changed of them) through the Demo's
// admin API, four at a time.
func patchUsers(b *testing.B, addr string, n, changed int) {
	width := max(6, len(fmt.Sprint(n)))
	ids := make(chan string)
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				req, _ := http.NewRequest(http.MethodPatch, "http://"+addr+"/admin/v1/users/"+id, strings.NewReader(`{"metadata":{"bench":"changed"}}`))
				req.Header.Set("Authorization", "Bearer "+demoKey)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("PATCH %s: HTTP %d", id, resp.StatusCode)
					}
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for k := 0; k < changed; k++ {
		ids <- "user_" + leftPad(1+k*(n/changed), width)
	}
	close(ids)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}

func freeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
