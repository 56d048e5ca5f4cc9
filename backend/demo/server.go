// Package demo is Guise's built-in Demo identity provider: an admin API shaped
// like the real providers' (cursor pages, bearer key, rate limits, JSON
// errors), a demo customer app that shows who is impersonating whom, and the
// client adapter through which Guise talks to it like to any other provider.
package demo

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultAddr  = "127.0.0.1:8787"
	DefaultUsers = 500
	DefaultOrgs  = 40
	DefaultSeed  = 1
)

// Config configures a demo server. Zero values take the defaults.
type Config struct {
	Addr      string           // listen address; default "127.0.0.1:8787", port 0 picks a free one
	DBPath    string           // SQLite file holding the demo's whole state
	Users     int              // seeded users; default 500
	Orgs      int              // seeded organizations; default 40
	Seed      int64            // seed of the generated world; default 1
	APIKey    string           // "" = the key stored in the state db (generated the first time); a given key is used for this run only
	RateLimit int              // requests per second per key on /admin/v1; 0 = unlimited
	Now       func() time.Time // nil = time.Now; tickets, sessions and the rate-limit window follow it
	Logger    *slog.Logger     // nil = discard
}

// Server is a running (or ready to run) demo identity provider.
type Server struct {
	cfg     Config
	db      *sql.DB
	log     *slog.Logger
	apiKey  string
	secret  []byte
	limiter *limiter
	handler http.Handler

	mu        sync.Mutex
	ln        net.Listener
	srv       *http.Server
	url       string
	closeOnce sync.Once
	closeErr  error
}

// NewServer opens (or creates) the state db and seeds it when it is empty or
// was seeded with other Users/Orgs/Seed. It does not listen yet: see Start.
func NewServer(cfg Config) (*Server, error) {
	if cfg.DBPath == "" {
		return nil, errors.New("demo: Config.DBPath is required")
	}
	if cfg.Users < 0 || cfg.Orgs < 0 || cfg.RateLimit < 0 {
		return nil, errors.New("demo: Users, Orgs and RateLimit must not be negative")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Users == 0 {
		cfg.Users = DefaultUsers
	}
	if cfg.Orgs == 0 {
		cfg.Orgs = DefaultOrgs
	}
	if cfg.Seed == 0 {
		cfg.Seed = DefaultSeed
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	db, err := openDB(cfg.DBPath)
	if err != nil {
		return nil, fmt.Errorf("demo: open state db: %w", err)
	}
	s := &Server{cfg: cfg, db: db, log: cfg.Logger}
	if err := s.init(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	if cfg.RateLimit > 0 {
		s.limiter = &limiter{limit: cfg.RateLimit, windows: map[string]*window{}}
	}
	s.handler = logRequests(s.log, s.routes())
	return s, nil
}

func (s *Server) init(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, schemaMeta); err != nil {
		return fmt.Errorf("demo: create schema: %w", err)
	}
	key, err := ensureMeta(ctx, s.db, metaAPIKey, func() string { return "demo_sk_" + randomHex(24) })
	if err != nil {
		return fmt.Errorf("demo: api key: %w", err)
	}
	secret, err := ensureMeta(ctx, s.db, metaSecret, func() string { return randomHex(32) })
	if err != nil {
		return fmt.Errorf("demo: signing secret: %w", err)
	}
	s.apiKey, s.secret = key, []byte(secret)
	if s.cfg.APIKey != "" {
		s.apiKey = s.cfg.APIKey
	}
	return s.ensureSeeded(ctx)
}

func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

// Start listens on Config.Addr and serves in the background. A bind error is
// returned.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return errors.New("demo: server already started")
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("demo: listen on %s: %w", s.cfg.Addr, err)
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1" // listening on all interfaces: loopback is what a browser here can open
	}
	s.ln, s.url = ln, "http://"+net.JoinHostPort(host, port)
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("demo server stopped", "err", err)
		}
	}()
	s.log.Info("demo identity provider listening", "url", s.url)
	return nil
}

// URL is the server's base URL, like "http://127.0.0.1:8787"; "" before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// APIKey is the bearer key the admin API accepts.
func (s *Server) APIKey() string { return s.apiKey }

// Close shuts the server down gracefully and closes the state db.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		srv := s.srv
		s.mu.Unlock()
		if srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				s.closeErr = errors.Join(err, srv.Close())
			}
		}
		s.closeErr = errors.Join(s.closeErr, s.db.Close())
	})
	return s.closeErr
}

func (s *Server) routes() http.Handler {
	admin := http.NewServeMux()
	h := s.handle
	admin.Handle("GET /admin/v1/users", h(s.listUsers))
	admin.Handle("GET /admin/v1/users/{id}", h(s.getUser))
	admin.Handle("PATCH /admin/v1/users/{id}", h(s.patchUser))
	admin.Handle("DELETE /admin/v1/users/{id}", h(s.deleteUser))
	admin.Handle("GET /admin/v1/users/{id}/memberships", h(s.userMemberships))
	admin.Handle("GET /admin/v1/users/{id}/impersonations", h(s.userImpersonations))
	admin.Handle("GET /admin/v1/organizations", h(s.listOrgs))
	admin.Handle("POST /admin/v1/impersonations", h(s.createImpersonation))
	admin.Handle("GET /admin/v1/impersonations/{id}", h(s.getImpersonation))
	admin.Handle("POST /admin/v1/impersonations/{id}/revoke", h(s.revokeImpersonation))
	admin.Handle("GET /admin/v1/events", h(s.listEvents))
	admin.Handle("/admin/v1/", h(func(w http.ResponseWriter, r *http.Request) error {
		return notFound("No endpoint %s %s.", r.Method, r.URL.Path)
	}))

	mux := http.NewServeMux()
	mux.Handle("/admin/v1/", s.authorize(admin))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "name": "guise-demo"})
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/app/", http.StatusFound)
	})
	mux.HandleFunc("GET /app/signin", s.signin)
	mux.HandleFunc("GET /app/{$}", s.appHome)
	mux.HandleFunc("GET /api/me", s.me)
	return mux
}

// authorize checks the bearer key, then the rate limit of that key.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		key = strings.TrimSpace(key)
		if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(s.apiKey)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="guise-demo"`)
			writeJSON(w, http.StatusUnauthorized, apiErrorBody{Code: codeUnauthorized,
				Message: "Missing or wrong API key; send Authorization: Bearer <key>."})
			return
		}
		if s.limiter != nil {
			remaining, reset, allowed := s.limiter.take(key, s.now())
			hd := w.Header()
			hd.Set("X-RateLimit-Limit", strconv.Itoa(s.limiter.limit))
			hd.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
			hd.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
			if !allowed {
				wait := max(1, reset-s.now().Unix())
				hd.Set("Retry-After", strconv.FormatInt(wait, 10))
				writeJSON(w, http.StatusTooManyRequests, apiErrorBody{Code: codeRateLimited,
					Message: fmt.Sprintf("Too many requests: at most %d per second. Retry after %d s.", s.limiter.limit, wait)})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// limiter is a fixed one-second window per key: simple, and predictable
// enough for tests to provoke a 429 on purpose.
type limiter struct {
	mu      sync.Mutex
	limit   int
	windows map[string]*window
}

type window struct {
	start int64 // unix second
	n     int
}

// take counts one request of key and says what is left, when the window
// resets (unix seconds) and whether the request may go on.
func (l *limiter) take(key string, now time.Time) (remaining int, reset int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sec := now.Unix()
	w := l.windows[key]
	if w == nil {
		w = &window{}
		l.windows[key] = w
	}
	if w.start != sec {
		w.start, w.n = sec, 0
	}
	if w.n >= l.limit {
		return 0, sec + 1, false
	}
	w.n++
	return l.limit - w.n, sec + 1, true
}
