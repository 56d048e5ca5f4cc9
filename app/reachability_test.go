package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/syncer"
)

// statusLog keeps the env:status events emitted.
type statusLog struct {
	mu  sync.Mutex
	got []EnvStatus
}

func (l *statusLog) listen(name string, payload any) {
	if name != EventEnvStatus {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, payload.(EnvStatus))
}

func (l *statusLog) take() []EnvStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

func TestReachTrackerFollowsOutcomes(t *testing.T) {
	log := &statusLog{}
	r := newReachTracker(log.listen)
	clock := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return clock }

	if got := r.get("prod"); got.State != ReachUnknown || got.Since != nil {
		t.Fatalf("before any call: %+v", got)
	}

	down := guise.Errorf(guise.EUNAVAILABLE, "Cannot reach Clerk at https://api.clerk.com: connection refused.")
	r.observe("prod", down)
	got := r.get("prod")
	if got.State != ReachOffline || got.Detail != down.Message || !got.Since.Equal(clock) {
		t.Fatalf("after an unreachable provider: %+v", got)
	}
	if ev := log.take(); len(ev) != 1 || ev[0].Env != "prod" || ev[0].Reachability.State != ReachOffline {
		t.Fatalf("events: %+v", ev)
	}

	// The same news again is not announced again, and since stays.
	clock = clock.Add(time.Minute)
	r.observe("prod", down)
	if ev := log.take(); len(ev) != 0 {
		t.Fatalf("announced an unchanged state: %+v", ev)
	}
	if got := r.get("prod"); !got.Since.Equal(clock.Add(-time.Minute)) {
		t.Fatalf("since moved while the state stayed: %+v", got)
	}

	// A stop left pending wraps the cause: the cause's message is the detail.
	pending := guise.Wrap(guise.EPENDING, down, "The stop of ada@acme.test is pending: … Guise keeps retrying.")
	r.observe("prod", guise.Wrap(guise.EPENDING, errors.New("x"), "pending"))
	if got := r.get("prod"); got.State != ReachOffline {
		t.Fatalf("a pending stop with no unreachable cause changed the state: %+v", got)
	}
	r.observe("eu", pending)
	if got := r.get("eu"); got.State != ReachOffline || got.Detail != down.Message {
		t.Fatalf("a pending stop because the provider is down: %+v", got)
	}

	// Policy refusals and bad input say nothing about the provider.
	r.observe("prod", guise.Refusal(guise.RuleReason, "Give a longer reason."))
	r.observe("prod", guise.FieldError("reason", "Too short."))
	if got := r.get("prod"); got.State != ReachOffline {
		t.Fatalf("a refusal changed the state: %+v", got)
	}
	_ = log.take()

	// An answer, even a rejection, means it is reachable again.
	clock = clock.Add(time.Minute)
	r.observe("prod", guise.Errorf(guise.EUNAUTHORIZED, "Clerk rejected the secret key."))
	got = r.get("prod")
	if got.State != ReachOK || got.Detail != "" || !got.Since.Equal(clock) {
		t.Fatalf("after the provider answered: %+v", got)
	}
	if ev := log.take(); len(ev) != 1 || ev[0].Reachability.State != ReachOK {
		t.Fatalf("events: %+v", ev)
	}

	r.forget("prod")
	if got := r.get("prod"); got.State != ReachUnknown {
		t.Fatalf("after forget: %+v", got)
	}
}

func TestProbeTellsReachableFromUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }))
	defer srv.Close()
	state, detail, ok := probe(context.Background(), guise.Environment{Name: "up", BaseURL: srv.URL})
	if !ok || state != ReachOK || detail != "" {
		t.Fatalf("a server answering 401: %q %q %v", state, detail, ok)
	}

	closed := closedAddr(t)
	state, detail, ok = probe(context.Background(), guise.Environment{Name: "down", BaseURL: "http://" + closed})
	if !ok || state != ReachOffline || !strings.Contains(detail, "Cannot reach "+closed) {
		t.Fatalf("nothing listening: %q %q %v", state, detail, ok)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, ok := probe(ctx, guise.Environment{Name: "down", BaseURL: "http://" + closed}); ok {
		t.Fatal("a canceled probe claimed to know")
	}
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// The built-in Demo environment with its identity provider not running:
// sync and test say offline, the environment list shows it, and once the
// provider runs a sync says ok again.
func TestEnvironmentOfflineThenBackThroughTheApp(t *testing.T) {
	ctx := context.Background()
	a := New(Config{Home: t.TempDir(), DemoAddr: closedAddr(t)})
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	log := &statusLog{}
	a.events.Listen(log.listen)

	view := func() EnvView {
		t.Helper()
		envs, err := a.Environments.List()
		if err != nil || len(envs) != 1 {
			t.Fatalf("List: %v %v", envs, err)
		}
		return envs[0]
	}
	if got := view().Reachability.State; got != ReachUnknown {
		t.Fatalf("before any call: %s", got)
	}

	if _, err := a.SyncWith(ctx, DemoEnv, syncer.Options{}, nil); guise.ErrorCode(err) != guise.EUNAVAILABLE {
		t.Fatalf("sync with the Demo down: %v", err)
	}
	r := view().Reachability
	if r.State != ReachOffline || r.Detail == "" || r.Since == nil {
		t.Fatalf("after a failed sync: %+v", r)
	}
	if ev := log.take(); len(ev) != 1 || ev[0].Env != DemoEnv || ev[0].Reachability.State != ReachOffline {
		t.Fatalf("events: %+v", ev)
	}

	// Impersonating says why it cannot start, and the state stays offline.
	if err := a.Settings.SetAgent(guise.Agent{Email: "agent@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, err := a.Impersonation.Start(StartInput{Env: DemoEnv, User: "someone@example.com", Reason: "checking the invoice page"})
	if err == nil {
		t.Fatal("impersonation started with the provider down")
	}
	if code := guise.ErrorCode(err); code != guise.EUNAVAILABLE {
		t.Fatalf("impersonating with the provider down: %s %v", code, err)
	}
	if got := view().Reachability.State; got != ReachOffline {
		t.Fatalf("after a failed start: %s (%v)", got, err)
	}

	a.StartDemoServers(ctx)
	if _, err := a.SyncWith(ctx, DemoEnv, syncer.Options{}, nil); err != nil {
		t.Fatalf("sync with the Demo up: %v", err)
	}
	if r := view().Reachability; r.State != ReachOK || r.Detail != "" {
		t.Fatalf("after a good sync: %+v", r)
	}
	checks, err := a.Environments.Test(DemoEnv)
	if err != nil || len(checks) == 0 || !checks[0].OK {
		t.Fatalf("Test with the Demo up: %+v %v", checks, err)
	}
	if ev := log.take(); len(ev) != 1 || ev[0].Reachability.State != ReachOK {
		t.Fatalf("events after recovery: %+v", ev)
	}
}
