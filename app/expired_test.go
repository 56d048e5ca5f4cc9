package app

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/auth0/auth0fake"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/syncer"
)

// TestExpiryRevokesTheSessionAtTheProvider: when Guise's countdown ends an
// Auth0 impersonation (an Enterprise tenant, with the Sessions API), the user's tenant session (which would outlive it)
// is revoked too, off the path of the call that noticed the expiry, and
// Close waits for that revoke.
func TestExpiryRevokesTheSessionAtTheProvider(t *testing.T) {
	fake := auth0fake.New(auth0fake.Tenant{Domain: "acme.us.auth0.com", ClientID: "m2m", ClientSecret: "m2m-secret",
		Scopes: auth0fake.AllScopes, TargetClientID: "APP", LegacyImpersonation: true, SessionsAPI: true})
	defer fake.Close()
	users := fake.AddUsers(3, time.Now().Add(-time.Hour))
	t.Setenv("GUISE_SECRET_ACME", "m2m-secret")
	var mu sync.Mutex
	var opened []string
	a := New(Config{Home: t.TempDir(), DemoAddr: closedAddr(t), Open: func(_ context.Context, url string) error {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, url)
		return nil
	}})
	ctx := context.Background()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = a.Close()
		}
	})
	if _, err := a.Environments.Add(EnvInput{Name: "acme", Provider: guise.ProviderAuth0, BaseURL: fake.URL,
		Settings: map[string]string{"domain": "acme.us.auth0.com", "client_id": "m2m", "target_client_id": "APP", "impersonator_id": users[0].UserID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SyncWith(ctx, "acme", syncer.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Settings.SetAgent(guise.Agent{Email: "agent@support.test"}); err != nil {
		t.Fatal(err)
	}
	svc, _ := a.Service()
	now := time.Now().UTC()
	svc.Now = func() time.Time { return now }
	s, err := a.Impersonation.Start(StartInput{Env: "acme", User: users[1].Email, Reason: "Customer cannot open the billing page", Minutes: 5})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	link := opened[0]
	mu.Unlock()
	resp, err := http.Get(link) // the browser signs in: the tenant now has a session for the user
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if live := fake.LiveSessions(users[1].UserID); len(live) != 1 {
		t.Fatalf("the tenant's sessions of the user after sign-in: %+v", live)
	}

	now = now.Add(6 * time.Minute)
	ended, err := svc.ExpireDue(ctx)
	if err != nil || len(ended) != 1 || ended[0].ID != s.ID || ended[0].EndReason != guise.EndExpired {
		t.Fatalf("expire: %+v %v", ended, err)
	}
	closed = true
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if live := fake.LiveSessions(users[1].UserID); len(live) != 0 {
		t.Fatalf("the user's tenant session outlived the expired impersonation: %+v", live)
	}
}
