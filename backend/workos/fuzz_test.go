package workos

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/guise/guisetest"
)

// FuzzAdapterDecodesAnything: whatever WorkOS (or something in its place)
// answers, the adapter does not panic, and a failure is a coded error in
// plain words that never carries the API key.
func FuzzAdapterDecodesAnything(f *testing.F) {
	for _, s := range []string{
		`{"data":[{"object":"user","id":"user_01E4ZCR3C56J083X43JQXF3JK5","first_name":"Marcelina","last_name":"Davis","name":"Marcelina Davis","profile_picture_url":null,"email":"marcelina.davis@example.com","email_verified":true,"external_id":null,"metadata":{},"last_sign_in_at":"2025-06-25T19:07:33.155Z","locale":"en-US","created_at":"2026-01-15T12:00:00.000Z","updated_at":"2026-01-15T12:00:00.000Z"}],"list_metadata":{"before":null,"after":null}}`,
		`{"data":[{"object":"organization_membership","id":"om_1","user_id":"user_1","organization_id":"org_1","organization_name":"Acme Corp","status":"active","role":{"slug":"admin"},"roles":[{"slug":"admin"}]}],"list_metadata":{"before":null,"after":"om_1"}}`,
		`{"data":[{"object":"event","id":"event_1","event":"session.created","data":{"object":"session","id":"session_1","impersonator":{"email":"agent@ourcompany.com","reason":"Ticket #4711"},"organization_id":"org_1","user_id":"user_1","auth_method":"impersonation","status":"active","expires_at":"2026-01-15T13:00:00.000Z","ended_at":null,"created_at":"2026-01-15T12:00:00.000Z"},"created_at":"2026-01-15T12:00:00.000Z"}],"list_metadata":{"after":"event_1"}}`,
		`{"data":[{"event":"session.created","data":{"impersonator":null}}],"list_metadata":{}}`,
		`{"object":"user","id":"user_1","email":"a@b.test","metadata":{"role":"admin"}}`,
		`{"code":"rate_limit_exceeded","message":"Too many requests"}`, `{"error":"invalid_client","error_description":"Invalid client secret."}`,
		`{"code":"invalid_request_parameters","message":"bad","errors":["a","b"]}`, `{"errors":[{"message":"x"}]}`,
		`{"data":"x"}`, `{"data":[{"created_at":"yesterday"}]}`, `{"metadata":{"n":1}}`, `{}`, `null`, ``, `{`, `<html>502</html>`,
	} {
		for _, st := range []int{200, 201, 400, 401, 403, 404, 422, 429, 500, 503} {
			f.Add(st, []byte(s))
		}
	}
	const secret = "sk_test_fuzz_workos_key"
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		env := guise.Environment{Name: "fz", Provider: guise.ProviderWorkOS, BaseURL: "https://api.workos.test",
			Settings: map[string]string{SettingEnvironmentID: "environment_fz"}}
		p, err := New(env, secret, WithHTTPClient(&http.Client{Transport: guisetest.Canned{Status: status, Body: body, Header: http.Header{"X-Request-Id": {"req_fuzz"}}}, Timeout: time.Second}),
			WithSleep(func(context.Context, time.Duration) error { return nil }), WithRetries(1, time.Minute),
			WithClock(func() time.Time { return time.Date(2026, 1, 15, 13, 0, 0, 0, time.UTC) }))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		check := guisetest.Checker(t, secret, status, body)
		_, err = p.ListUsers(ctx, "", time.Time{})
		check("list users", err)
		_, err = p.GetUser(ctx, "user_1")
		check("get user", err)
		_, err = p.StartImpersonation(ctx, guise.StartRequest{UserID: "user_1", OrgID: "org_1", Agent: guise.Agent{Email: "a@s.test"}, Reason: "r", Duration: time.Minute})
		check("start", err)
		_, err = p.StopImpersonation(ctx, "session_1")
		check("stop", err)
		_, err = p.Reconcile(ctx, time.Time{}, []guise.Session{{ID: "ses_1", UserID: "user_1", AgentEmail: "agent@ourcompany.com"}})
		check("reconcile", err)
		for _, r := range p.Check(ctx) {
			if r.Name == "" || r.Detail == "" || strings.Contains(r.Detail, secret) {
				t.Fatalf("check: status %d body %q: %+v", status, body, r)
			}
		}
	})
}
