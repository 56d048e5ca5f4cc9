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

// TestBackgroundSyncImportsProviderActivity: the window's path. After a
// background sync (Sync.Start) of an Auth0 environment, the panel's
// UserDetail carries the impersonated user's sign-in from the tenant log.
func TestBackgroundSyncImportsProviderActivity(t *testing.T) {
	fake := auth0fake.New(auth0fake.Tenant{Domain: "acme.us.auth0.com", ClientID: "m2m", ClientSecret: "m2m-secret",
		Scopes: auth0fake.AllScopes, TargetClientID: "APP", LegacyImpersonation: true})
	defer fake.Close()
	users := fake.AddUsers(5, time.Now().Add(-time.Hour))
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
	t.Cleanup(func() { _ = a.Close() })
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
	if _, err := a.Impersonation.Start(StartInput{Env: "acme", User: users[1].Email, Reason: "Customer cannot open the billing page"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	link := opened[0]
	mu.Unlock()
	resp, err := http.Get(link) // the browser uses the one-time link; the tenant logs the sign-in
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	if d, err := a.Users.Get("acme", users[1].Email); err != nil || len(d.Activity) != 0 {
		t.Fatalf("before the background sync: %+v %v", d.Activity, err)
	}
	tokens := fake.Calls("POST /oauth/token")
	if err := a.Sync.Start("acme"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := a.Users.Get("acme", users[1].Email)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Activity) == 1 && d.Activity[0].Kind == "signed in" && d.Activity[0].Client == "Target App" && d.ActivityNote == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no activity after the background sync: %+v", d.Activity)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The import reads the log with the sync's own provider: one token.
	if n := fake.Calls("POST /oauth/token") - tokens; n != 1 {
		t.Fatalf("a sync and its activity import asked Auth0 for %d tokens", n)
	}
}
