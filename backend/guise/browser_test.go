package guise_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// sessionBrowser records what the Service asks of a SessionBrowser.
type sessionBrowser struct {
	opened  map[string]string // session → URL
	closed  []string
	openErr error
}

func (b *sessionBrowser) OpenSession(_ context.Context, id, url string) error {
	if b.openErr != nil {
		return b.openErr
	}
	b.opened[id] = url
	return nil
}

func (b *sessionBrowser) CloseSession(id string) error {
	b.closed = append(b.closed, id)
	return nil
}

func withSessionBrowser(t *testing.T) (*guise.Service, *fakeProvider, *time.Time, *sessionBrowser) {
	svc, prov, now, opened := setup(t)
	b := &sessionBrowser{opened: map[string]string{}}
	svc.Browser = b
	t.Cleanup(func() {
		if len(*opened) != 0 {
			t.Errorf("Open was used although a SessionBrowser is set: %d URLs", len(*opened))
		}
	})
	return svc, prov, now, b
}

func TestSessionBrowserIsClosedWhenTheSessionExpires(t *testing.T) {
	svc, _, now, b := withSessionBrowser(t)
	ctx := context.Background()
	s, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices", Duration: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if b.opened[s.ID] != "http://idp.test/signin?ticket=secret" {
		t.Fatalf("opened %v, want the launch URL for %s", b.opened, s.ID)
	}
	*now = now.Add(9 * time.Minute)
	if _, err := svc.ExpireDue(ctx); err != nil || len(b.closed) != 0 {
		t.Fatalf("closed %v before the expiry (%v)", b.closed, err)
	}
	*now = now.Add(2 * time.Minute)
	if ended, err := svc.ExpireDue(ctx); err != nil || len(ended) != 1 {
		t.Fatalf("expire: %v %v", ended, err)
	}
	if !slices.Equal(b.closed, []string{s.ID}) {
		t.Fatalf("closed %v at expiry, want [%s]", b.closed, s.ID)
	}
	if _, err := svc.ExpireDue(ctx); err != nil || len(b.closed) != 1 {
		t.Fatalf("a second pass closed again: %v %v", b.closed, err)
	}
}

func TestSessionBrowserIsClosedOnStopAndStopAll(t *testing.T) {
	svc, prov, _, b := withSessionBrowser(t)
	ctx := context.Background()
	prov.users["u2"] = guise.User{ID: "u2", Email: "bo@acme.test", Status: "active"}
	s1, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if err != nil {
		t.Fatal(err)
	}
	// A stop the provider does not confirm keeps the session, and its browser.
	prov.stopErr = guise.Errorf(guise.EUNAVAILABLE, "Cannot reach the provider.")
	if _, err := svc.Stop(ctx, s1.ID); guise.ErrorCode(err) != guise.EPENDING || len(b.closed) != 0 {
		t.Fatalf("pending stop: %v, closed %v", err, b.closed)
	}
	prov.stopErr = nil
	if _, err := svc.Stop(ctx, s1.ID); err != nil || !slices.Equal(b.closed, []string{s1.ID}) {
		t.Fatalf("stop: %v, closed %v", err, b.closed)
	}
	s2, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u2", Reason: "checking the invoices"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StopAll(ctx); err != nil || !slices.Equal(b.closed, []string{s1.ID, s2.ID}) {
		t.Fatalf("stop all: %v, closed %v", err, b.closed)
	}
}

func TestSessionBrowserThatCannotOpenFailsTheSession(t *testing.T) {
	svc, prov, _, b := withSessionBrowser(t)
	ctx := context.Background()
	b.openErr = errors.New("no display")
	_, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if guise.ErrorCode(err) != guise.EUNAVAILABLE {
		t.Fatalf("open failure: %v", err)
	}
	list, _ := svc.Store.Sessions(ctx, guise.SessionFilter{})
	if len(list) != 1 || list[0].EndReason != guise.EndFailed || len(prov.stopped) != 1 {
		t.Fatalf("sessions %+v, revoked %v", list, prov.stopped)
	}
	// Whatever the browser left half-open is cleaned up.
	if !slices.Equal(b.closed, []string{list[0].ID}) {
		t.Fatalf("closed %v, want [%s]", b.closed, list[0].ID)
	}
}
