package guise_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// sessionStopper also wants the whole session to stop it, like Clerk.
type sessionStopper struct {
	*fakeProvider
	got []guise.Session
}

func (s *sessionStopper) StopSession(_ context.Context, sess guise.Session) (guise.Stopped, error) {
	s.got = append(s.got, sess)
	return guise.Stopped{Detail: "ended the provider session of " + sess.UserID}, nil
}

func TestMonthCountAndQuotaRefusal(t *testing.T) {
	svc, prov, now, _ := setup(t)
	ctx := context.Background()
	req := guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"}

	// Last month's session does not count; this month's stopped one does.
	*now = time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)
	s, err := svc.Impersonate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Stop(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	*now = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	if s, err = svc.Impersonate(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Stop(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	prov.startErr = guise.Errorf(guise.EQUOTA, "The plan allows no more.")
	_, err = svc.Impersonate(ctx, req)
	if guise.ErrorCode(err) != guise.EQUOTA || !strings.Contains(guise.ErrorMessage(err), "recorded 1 impersonation(s) in prod since 1 November") {
		t.Fatalf("quota refusal: %v", err)
	}
	// The failed start is not counted either.
	if n, err := svc.ImpersonationsThisMonth(ctx, "prod"); err != nil || n != 1 {
		t.Fatalf("this month: %d %v", n, err)
	}
	prov.startErr = guise.Errorf(guise.EUNAVAILABLE, "down")
	if _, err = svc.Impersonate(ctx, req); strings.Contains(guise.ErrorMessage(err), "recorded") {
		t.Fatalf("only quota refusals carry the count: %v", err)
	}
}

func TestStopPrefersSessionStopper(t *testing.T) {
	svc, prov, _, _ := setup(t)
	ss := &sessionStopper{fakeProvider: prov}
	svc.Providers = func(guise.Environment, string) (guise.Provider, error) { return ss, nil }
	ctx := context.Background()
	s, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Stop(ctx, s.ID)
	if err != nil || len(ss.got) != 1 || ss.got[0].UserID != "u1" || ss.got[0].ProviderRef != s.ProviderRef || len(prov.stopped) != 0 || r.Detail != "ended the provider session of u1" {
		t.Fatalf("stop: %+v %v; StopSession got %+v, StopImpersonation got %v", r, err, ss.got, prov.stopped)
	}
}
