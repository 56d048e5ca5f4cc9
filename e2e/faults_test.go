package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// faultProxy sits between Guise and an identity provider and breaks the
// requests its rules match, the way real networks and servers do.
type faultProxy struct {
	t     *testing.T
	next  *httputil.ReverseProxy
	mu    sync.Mutex
	rules []*faultRule
	srv   *httptest.Server
}

// faultRule breaks matching requests: times of them (-1: all).
type faultRule struct {
	method, path string
	laterPage    bool // only requests carrying a non-empty cursor
	fault        string
	times        int
	hits         int
}

func newFaultProxy(t *testing.T, upstream string) *faultProxy {
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, next: httputil.NewSingleHostReverseProxy(u)}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *faultProxy) URL() string { return p.srv.URL }

// inject adds a rule and returns it, so the test can read how often it hit.
func (p *faultProxy) inject(r faultRule) *faultRule {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, &r)
	return &r
}

func (p *faultProxy) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
}

func (p *faultProxy) hits(r *faultRule) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return r.hits
}

func (p *faultProxy) match(r *http.Request) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.rules {
		if f.method != "" && f.method != r.Method || !strings.HasPrefix(r.URL.Path, f.path) {
			continue
		}
		if f.laterPage && r.URL.Query().Get("cursor") == "" {
			continue
		}
		if f.times == 0 {
			continue
		}
		if f.times > 0 {
			f.times--
		}
		f.hits++
		return f.fault
	}
	return ""
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	switch fault := p.match(r); fault {
	case "":
		p.next.ServeHTTP(w, r)
	case "429":
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":{"code":"rate_limited","message":"Too many requests"}}`)
	case "500", "502", "503":
		code := map[string]int{"500": 500, "502": 502, "503": 503}[fault]
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<html><body>%d upstream trouble</body></html>", code)
	case "reset":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			p.t.Error(err)
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close with RST, as a dropped connection does
		}
		conn.Close()
	case "truncate":
		rec := httptest.NewRecorder()
		p.next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
	case "malformed":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data": "this is not a list", "next_cursor": 7`)
	case "slow":
		time.Sleep(300 * time.Millisecond)
		p.next.ServeHTTP(w, r)
	case "hang":
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	default:
		p.t.Errorf("unknown fault %q", fault)
	}
}

// TestProviderFaultsThroughTheRealBinary drives each kind of provider fault
// through the real CLI and checks what the agent gets: a sync that retries
// and completes, or stops with a clear error and keeps its progress; an
// impersonation that fails with a specific message and is recorded failed
// (never a session believed to run); a stop that stays pending.
func TestProviderFaultsThroughTheRealBinary(t *testing.T) {
	g := newGuise(t)
	addr, key := freeAddr(t), "demo_sk_faults_"+fmt.Sprint(time.Now().UnixNano())
	g.startDemo(addr, key)
	proxy := newFaultProxy(t, "http://"+addr)
	g.ok(nil, "agent", "set", "--email", "agent@support.test")

	envN := 0
	newEnv := func() (string, []string) {
		envN++
		name := fmt.Sprintf("shop%d", envN)
		secret := []string{fmt.Sprintf("GUISE_SECRET_%s=%s", strings.ToUpper(name), key)}
		g.ok(secret, "env", "add", name, "--provider", "demo", "--base-url", proxy.URL(), "--set", "timeout=1s")
		return name, secret
	}
	cached := func(env string) int {
		var all []user
		g.json(&all, nil, "users", "search", "", "--env", env, "--limit", "1000", "--json")
		return len(all)
	}

	// Faults a sync rides out: it retries with backoff and completes.
	for _, c := range []struct {
		fault string
		times int
	}{{"429", 3}, {"500", 1}, {"502", 1}, {"503", 2}, {"reset", 2}, {"hang", 1}, {"slow", -1}} {
		t.Run("sync survives "+c.fault, func(t *testing.T) {
			env, secret := newEnv()
			rule := proxy.inject(faultRule{method: "GET", path: "/admin/v1/users", fault: c.fault, times: c.times})
			defer proxy.clear()
			r := g.run(secret, "sync", "--env", env)
			if r.code != 0 || !strings.Contains(r.stdout, "full") {
				t.Fatalf("sync through %s: exit %d\n%s\n%s", c.fault, r.code, r.stdout, r.stderr)
			}
			if n := cached(env); n != 500 {
				t.Fatalf("cached %d users after %s, want 500", n, c.fault)
			}
			if proxy.hits(rule) == 0 {
				t.Fatalf("the %s fault never fired", c.fault)
			}
			t.Logf("%s ×%d: sync completed", c.fault, proxy.hits(rule))
		})
	}

	// Faults a sync cannot ride out: it stops with a clear error, keeps the
	// pages it had, and the next run resumes.
	for _, c := range []struct{ fault, want string }{
		{"truncate", "cannot read"},
		{"malformed", "cannot read"},
		{"503", "failed (HTTP 503)"},
	} {
		t.Run("sync stops on persistent "+c.fault, func(t *testing.T) {
			env, secret := newEnv()
			proxy.inject(faultRule{method: "GET", path: "/admin/v1/users", laterPage: true, fault: c.fault, times: -1})
			r := g.run(secret, "sync", "--env", env)
			proxy.clear()
			if r.code == 0 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, key) {
				t.Fatalf("sync through a persistent %s: exit %d, stderr %q, want %q", c.fault, r.code, r.stderr, c.want)
			}
			kept := cached(env)
			if kept == 0 || kept >= 500 {
				t.Fatalf("after the failed sync %d users are cached, want the first page(s) kept", kept)
			}
			if out := g.ok(secret, "sync", "--env", env); !strings.Contains(out, "resumed") || cached(env) != 500 {
				t.Fatalf("the next sync should resume and complete: %s (%d cached)", out, cached(env))
			}
			t.Logf("persistent %s: sync stopped with %q, kept %d users, resumed", c.fault, strings.TrimSpace(r.stderr), kept)
		})
	}

	// Impersonation under faults: a specific message, recorded failed, no
	// browser opened.
	env, secret := newEnv()
	g.ok(secret, "sync", "--env", env)
	for _, c := range []struct{ fault, want string }{
		{"503", "failed (HTTP 503)"},
		{"reset", "Cannot reach"},
		{"hang", "Cannot reach"},
		{"malformed", "cannot read"},
	} {
		t.Run("impersonate under "+c.fault, func(t *testing.T) {
			proxy.inject(faultRule{method: "POST", path: "/admin/v1/impersonations", fault: c.fault, times: -1})
			defer proxy.clear()
			_ = os.Remove(g.opened)
			r := g.run(secret, "impersonate", "sandra.ruiz@pioneerenergy.test", "--env", env, "--reason", "Customer reports a missing invoice")
			if r.code != 1 || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("impersonate through %s: exit %d %q, want %q", c.fault, r.code, r.stderr, c.want)
			}
			if _, err := os.Stat(g.opened); err == nil {
				t.Fatal("a browser was opened for a failed start")
			}
			var hist []session
			g.json(&hist, nil, "sessions", "--env", env, "--limit", "1", "--json")
			if len(hist) != 1 || hist[0].EndReason != "failed" || hist[0].EndedAt == nil {
				t.Fatalf("the failed start is not recorded as failed: %+v", hist)
			}
			t.Logf("impersonate under %s: %q, recorded failed", c.fault, strings.TrimSpace(r.stderr))
		})
	}

	t.Run("stop under 502 stays pending", func(t *testing.T) {
		var s session
		g.json(&s, secret, "impersonate", "sandra.ruiz@pioneerenergy.test", "--env", env, "--reason", "Customer reports a missing invoice", "--json")
		proxy.inject(faultRule{method: "POST", path: "/admin/v1/impersonations/", fault: "502", times: -1})
		r := g.run(secret, "stop", s.ID)
		if r.code != 1 || !strings.Contains(r.stderr, "pending") {
			t.Fatalf("stop through 502: exit %d %q", r.code, r.stderr)
		}
		proxy.clear()
		if r := g.run(secret, "stop", s.ID); r.code != 0 || !strings.Contains(r.stdout, "confirmed on retry") {
			t.Fatalf("stop once the provider answers: exit %d %q %q", r.code, r.stdout, r.stderr)
		}
	})
	chainCount(t, g)
}
