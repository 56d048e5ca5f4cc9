package auth0_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/auth0"
	"github.com/guiseapp/guise/backend/auth0/auth0fake"
	"github.com/guiseapp/guise/backend/guise"
)

func TestReadActivityMapsLogTypesToPlainWords(t *testing.T) {
	fake := auth0fake.New(tenant())
	defer fake.Close()
	at := time.Date(2026, 1, 15, 12, 5, 0, 0, time.UTC)
	fake.AddLog(auth0fake.Log{Type: "s", UserID: "auth0|target", ClientID: "APP", ClientName: "Acme App", IP: "198.51.100.7", Date: at})
	fake.AddLog(auth0fake.Log{Type: "s", UserID: "auth0|someone-else", ClientName: "Acme App", Date: at})
	fake.AddLog(auth0fake.Log{Type: "fp", UserID: "auth0|target", Description: "Wrong email or password.", ClientID: "APP_ONLY_ID", Date: at.Add(time.Minute)})
	fake.AddLog(auth0fake.Log{Type: "slo", UserID: "auth0|target", ClientName: "Acme App", Date: at.Add(2 * time.Minute)})
	fake.AddLog(auth0fake.Log{Type: "zz_new", UserID: "auth0|target", Date: at.Add(3 * time.Minute)})
	p, _ := newProvider(t, fake, "m2m-secret", nil)

	var r guise.ActivityReader = p
	got, next, err := r.ReadActivity(context.Background(), "", []string{"auth0|target"})
	if err != nil || len(got) != 4 || next == "" {
		t.Fatalf("%d events, next %q, %v", len(got), next, err)
	}
	want := []struct{ kind, code, client string }{
		{"signed in", "s", "Acme App"},
		{"failed sign-in (wrong password)", "fp", "APP_ONLY_ID"}, // no name: the client id
		{"signed out", "slo", "Acme App"},
		{"Auth0 event zz_new", "zz_new", ""},
	}
	for i, w := range want {
		e := got[i]
		if e.Kind != w.kind || e.Code != w.code || e.Client != w.client || e.UserID != "auth0|target" || e.Env != "acme" || e.ID == "" {
			t.Errorf("event %d: %+v, want %+v", i, e, w)
		}
	}
	if got[0].IP != "198.51.100.7" || !got[0].At.Equal(at) || got[1].Description != "Wrong email or password." {
		t.Fatalf("fields: %+v", got[:2])
	}
	if auth0.LogKind("s") != "signed in" || auth0.LogKind("f") != "failed sign-in" {
		t.Fatal("the plain words of s and f")
	}
}

func TestReadActivityWithoutReadLogsNamesTheScope(t *testing.T) {
	tn := tenant()
	tn.Scopes = []string{"read:users", "read:organizations"}
	fake := auth0fake.New(tn)
	defer fake.Close()
	fake.AddLog(auth0fake.Log{Type: "s", UserID: "auth0|target"})
	p, _ := newProvider(t, fake, "m2m-secret", nil)
	got, next, err := p.ReadActivity(context.Background(), "", []string{"auth0|target"})
	if guise.ErrorCode(err) != guise.EUNAUTHORIZED || !strings.Contains(guise.ErrorMessage(err), "read:logs") || len(got) != 0 || next != "" {
		t.Fatalf("without read:logs: %d events, next %q, %v", len(got), next, err)
	}
}
