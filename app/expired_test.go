package app

import (
	"context"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/auth0/auth0fake"
	"github.com/guiseapp/guise/backend/guise"
)

// TestExpiryRevokesTheSessionAtTheProvider: when Guise's countdown ends an
// Auth0 impersonation (an Enterprise tenant, with the Sessions API), the
// user's tenant session, which would outlive it, is revoked too: off the
// path of the call that noticed the expiry, and Close waits for it.
func TestExpiryRevokesTheSessionAtTheProvider(t *testing.T) {
	a, fake, users := auth0App(t, auth0fake.Tenant{SessionsAPI: true})
	ctx := context.Background()
	svc, _ := a.Service()
	now := time.Now().UTC()
	svc.Now = func() time.Time { return now }
	s, err := a.Impersonation.Start(StartInput{Env: "acme", User: users[1].Email, Reason: "Customer cannot open the billing page", Minutes: 5})
	if err != nil {
		t.Fatal(err)
	}
	if live := fake.LiveSessions(users[1].UserID); len(live) != 1 {
		t.Fatalf("the tenant's sessions of the user after sign-in: %+v", live)
	}

	now = now.Add(6 * time.Minute)
	ended, err := svc.ExpireDue(ctx)
	if err != nil || len(ended) != 1 || ended[0].ID != s.ID || ended[0].EndReason != guise.EndExpired {
		t.Fatalf("expire: %+v %v", ended, err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if live := fake.LiveSessions(users[1].UserID); len(live) != 0 {
		t.Fatalf("the user's tenant session outlived the expired impersonation: %+v", live)
	}
}
