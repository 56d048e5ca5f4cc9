package auth0

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/guise/guisetest"
)

// grantToken answers the client-credentials grant, so the fuzzed answer
// reaches the Management API calls behind it.
func grantToken(r *http.Request) (int, []byte, bool) {
	if !strings.HasSuffix(r.URL.Path, "/oauth/token") {
		return 0, nil, false
	}
	return 200, []byte(`{"access_token":"at_fuzz","token_type":"Bearer","expires_in":86400,"scope":"read:users read:user_idp_tokens read:organizations read:sessions delete:sessions read:logs read:tenant_settings create:users"}`), true
}

// FuzzAdapterDecodesAnything: whatever the Management API (or something in
// its place) answers, the adapter does not panic, and a failure is a coded
// error in plain words that never carries the client secret.
func FuzzAdapterDecodesAnything(f *testing.F) {
	for _, s := range []string{
		`{"start":0,"limit":100,"length":1,"total":1,"users":[{"user_id":"auth0|1","email":"a@b.test","name":"A","blocked":false,"updated_at":"2026-11-21T09:00:00.000Z"}]}`,
		`[{"user_id":"auth0|1","email":"a@b.test"}]`, `{"users":"x"}`, `{"total":-1,"users":[]}`,
		`{"statusCode":400,"error":"Bad Request","message":"You can only page through the first 1000 records.","errorCode":"invalid_paging"}`,
		`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:users","errorCode":"insufficient_scope"}`,
		`{"id":"job_1","status":"completed","location":"https://x/export.json.gz"}`, `{"sessions":[{"id":"s1","created_at":"bad"}]}`,
		`https://tenant.auth0.com/login/callback?state=x`, `null`, ``, `{`, `<html>502</html>`,
	} {
		for _, st := range []int{200, 400, 401, 403, 404, 429, 500} {
			f.Add(st, []byte(s))
		}
	}
	const secret = "m2m-fuzz-client-secret"
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		env := guise.Environment{Name: "fz", Provider: guise.ProviderAuth0, BaseURL: "https://fz.eu.auth0.com",
			Settings: map[string]string{SettingDomain: "fz.eu.auth0.com", SettingClientID: "cid", SettingTargetClientID: "tid", SettingImpersonatorID: "auth0|agent"}}
		p, err := New(env, secret, WithHTTPClient(&http.Client{Transport: guisetest.Canned{Status: status, Body: body, Grant: grantToken}, Timeout: time.Second}),
			WithSleep(func(context.Context, time.Duration) error { return nil }), WithPollInterval(time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		p.Client().Retries = 0
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		check := guisetest.Checker(t, secret, status, body)
		_, err = p.ListUsers(ctx, "", time.Time{})
		check("list users", err)
		_, err = p.GetUser(ctx, "auth0|1")
		check("get user", err)
		_, err = p.StartImpersonation(ctx, guise.StartRequest{UserID: "auth0|1", Agent: guise.Agent{Email: "a@s.test"}, Reason: "r", Duration: time.Minute})
		check("start", err)
		_, err = p.StopImpersonation(ctx, "auth0|1|2026-11-21T09:00:00Z")
		check("stop", err)
		_ = p.Check(ctx)
	})
}
