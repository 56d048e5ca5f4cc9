package guise_test

import (
	"context"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Service.Expired hears of each session ExpireDue ends, once, with its ref,
// and the provider hears the session's id at the start (adapters keep
// tokens under it).
func TestExpiredHookHearsEachExpiryOnce(t *testing.T) {
	svc, _, now, _ := setup(t)
	ctx := context.Background()
	var heard []guise.Session
	svc.Expired = func(_ context.Context, s guise.Session) { heard = append(heard, s) }
	s, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices", Duration: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ExpireDue(ctx); err != nil || len(heard) != 0 {
		t.Fatalf("before expiry: %v %v", heard, err)
	}
	*now = now.Add(11 * time.Minute)
	for range 2 {
		if _, err := svc.ExpireDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(heard) != 1 || heard[0].ID != s.ID || heard[0].ProviderRef != "imp_u1" {
		t.Fatalf("heard %+v", heard)
	}
}

type sessionIDProvider struct {
	fakeProvider
	got string
}

func (p *sessionIDProvider) StartImpersonation(ctx context.Context, r guise.StartRequest) (guise.Started, error) {
	p.got = r.SessionID
	return p.fakeProvider.StartImpersonation(ctx, r)
}

func TestStartRequestCarriesTheSessionID(t *testing.T) {
	svc, prov, _, _ := setup(t)
	p := &sessionIDProvider{fakeProvider: *prov}
	svc.Providers = func(guise.Environment, string) (guise.Provider, error) { return p, nil }
	s, err := svc.Impersonate(context.Background(), guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"})
	if err != nil {
		t.Fatal(err)
	}
	if p.got == "" || p.got != s.ID {
		t.Fatalf("the provider got session id %q, the session is %s", p.got, s.ID)
	}
}
