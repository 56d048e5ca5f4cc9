package asgardeo

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/guise/guisetest"
)

// grantToken answers the client-credentials grant (only that: the token
// exchange is fuzzed like everything else).
func grantToken(r *http.Request) (int, []byte, bool) {
	if !strings.HasSuffix(r.URL.Path, "/oauth2/token") || r.Method != http.MethodPost || r.Body == nil {
		return 0, nil, false
	}
	b, _ := io.ReadAll(r.Body)
	if !strings.Contains(string(b), "client_credentials") {
		return 0, nil, false
	}
	return 200, []byte(`{"access_token":"61985b0e-26c3-38b7-acff-b18ad934eafc","scope":"internal_user_mgt_list internal_user_mgt_view","token_type":"Bearer","expires_in":3600}`), true
}

// FuzzAdapterDecodesAnything: whatever Asgardeo (or something in its place)
// answers — SCIM pages, organization pages, sessions, JWKS, token and
// revoke answers — the adapter does not panic, a failure is a coded error in
// plain words that never carries the client secret, and no token decoded
// from a hostile answer is trusted.
func FuzzAdapterDecodesAnything(f *testing.F) {
	for _, s := range []string{
		`{"totalResults":1,"startIndex":1,"itemsPerPage":1,"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[{"id":"32bc4697","userName":"DEFAULT/jane@example.com","name":{"givenName":"Jane","familyName":"Doe"},"emails":["jane@example.com"],"meta":{"lastModified":"2026-01-15T12:00:00Z"}}]}`,
		`{"totalResults":2,"Resources":[{"id":"a","emails":[{"value":"a@b.test","primary":true}],"urn:scim:wso2:schema":{"accountLocked":true}}]}`,
		`{"totalResults":-5,"Resources":null}`, `{"Resources":[{"emails":[1,2]}]}`, `{"Resources":"x"}`,
		`{"schemas":"urn:ietf:params:scim:api:messages:2.0:Error","detail":"No user with the id : x in the user store.","status":"404"}`,
		`{"code":"AAA-00000","message":"Some Error Message","description":"Some Error Description","traceId":"e0fb"}`,
		`{"links":[{"href":"/t/acme/api/server/v1/users/x/shared-organizations?limit=10&after=MjAy","rel":"next"}],"sharedOrganizations":[{"orgId":"b0","orgName":"Acme EU"}]}`,
		`{"links":[{"href":"::::","rel":"next"}],"sharedOrganizations":[{"orgId":"b0"}]}`,
		`{"userId":"x","sessions":[{"id":"30e7","loginTime":"99999999999999999999","applications":[]}]}`,
		`{"keys":[{"kty":"RSA","kid":"k","n":"AQAB","e":"AQAB"}]}`, `{"error":"invalid_grant","error_description":"bad"}`,
		`{"access_token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.","token_type":"Bearer","expires_in":3600}`,
		`null`, ``, `{`, `<html>502</html>`,
	} {
		for _, st := range []int{200, 400, 401, 403, 404, 429, 500} {
			f.Add(st, []byte(s))
		}
	}
	const secret = "asgardeo-fuzz-client-secret"
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		env := guise.Environment{Name: "fz", Provider: guise.ProviderAsgardeo, BaseURL: "https://api.asgardeo.io/t/fz",
			Settings: map[string]string{SettingOrg: "fz", SettingClientID: "cid", SettingRateLimit: "0", SettingSignInTimeout: "1s"}}
		mem := NewMemory()
		p, err := New(env, secret, WithHTTPClient(&http.Client{Transport: guisetest.Canned{Status: status, Body: body, Grant: grantToken}, Timeout: time.Second}),
			WithSleep(func(context.Context, time.Duration) error { return nil }), WithMemory(mem))
		if err != nil {
			t.Fatal(err)
		}
		p.Client().Retries = 0
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		check := guisetest.Checker(t, secret, status, body)
		_, err = p.ListUsers(ctx, "", time.Time{})
		check("list users", err)
		_, err = p.ListUsers(ctx, "101", time.Now())
		check("list users since", err)
		_, err = p.GetUser(ctx, "32bc4697")
		check("get user", err)
		_, err = p.CountUsers(ctx)
		check("count", err)
		// Whatever the body, a token is only trusted with a verified signature.
		if c, err := p.verify(ctx, string(body), "a token"); err == nil {
			t.Fatalf("trusted an unverifiable token %q: %+v", body, c)
		} else {
			check("verify", err)
		}
		mem.set("ses_1", `{"access_token":"tok","org_token":"org"}`)
		_, err = p.StopImpersonation(ctx, "m:ses_1:1700000000:1700003600:32bc4697")
		check("stop", err)
		_ = p.Check(ctx)
	})
}

// FuzzRef: a session's ref read back from the database never panics, and
// what Guise writes reads back the same.
func FuzzRef(f *testing.F) {
	f.Add("k:ses_abc:1700000000:1700003600:32bc4697-ed0f")
	f.Add("m::1:2:")
	f.Add("x:y:z")
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := parseRef(s)
		if !ok {
			return
		}
		again, ok := parseRef(r.String())
		if !ok || again != r {
			t.Fatalf("%q → %+v → %q", s, r, r.String())
		}
	})
}
