package app

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/auth0/auth0fake"
	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/syncer"
)

// auth0App starts an app with "acme", an Auth0 environment on a fake
// tenant of 5 users, synced, with the agent set.
func auth0App(t *testing.T, tenant auth0fake.Tenant) (*App, *auth0fake.Server, []*auth0fake.User) {
	t.Helper()
	tenant.Domain, tenant.ClientID, tenant.ClientSecret, tenant.TargetClientID = "acme.us.auth0.com", "m2m", "m2m-secret", "APP"
	tenant.Scopes, tenant.LegacyImpersonation = auth0fake.AllScopes, true
	fake := auth0fake.New(tenant)
	t.Cleanup(fake.Close)
	users := fake.AddUsers(5, time.Now().Add(-time.Hour))
	t.Setenv("GUISE_SECRET_ACME", "m2m-secret")
	a := New(Config{Home: t.TempDir(), DemoAddr: closedAddr(t), Open: followLink})
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
	return a, fake, users
}

// followLink opens a launch URL as the browser would: the one-time link
// signs the user in, and the tenant logs it.
func followLink(_ context.Context, url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// TestBackgroundSyncImportsProviderActivity: the window's path. After a
// background sync (Sync.Start) of an Auth0 environment, the panel's
// UserDetail carries the impersonated user's sign-in from the tenant log.
func TestBackgroundSyncImportsProviderActivity(t *testing.T) {
	a, fake, users := auth0App(t, auth0fake.Tenant{})
	if _, err := a.Impersonation.Start(StartInput{Env: "acme", User: users[1].Email, Reason: "Customer cannot open the billing page"}); err != nil {
		t.Fatal(err)
	}

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
