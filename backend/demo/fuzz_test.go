package demo

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// canned answers every request with one status and body: whatever the
// server sends, the client must not panic, and a failure must be a coded
// error in plain words that never carries the key.
type canned struct {
	status int
	body   []byte
}

func (c canned) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: c.status, Header: http.Header{"Retry-After": {"3"}},
		Body: io.NopCloser(bytes.NewReader(c.body))}, nil
}

func FuzzClientDecodesAnything(f *testing.F) {
	for _, s := range []string{
		`{"data":[{"id":"user_1","email":"a@b.test","organizations":[{"id":"org_1","name":"Acme"}]}],"next_cursor":"c2"}`,
		`{"data":[],"next_cursor":null}`, `{"data":"x"}`, `{"data":[{"id":7}]}`, `[]`, `null`, ``, `{`, `<html>502</html>`,
		`{"error":{"code":"user_suspended","message":"suspended"}}`, `{"id":"imp_1","url":"http://x/app/signin?ticket=t","expires_at":"2026-11-21T10:00:00Z"}`,
		`{"id":"imp_1"}`, `{"updated_at":"not a time"}`,
	} {
		for _, st := range []int{200, 404, 422, 429, 500} {
			f.Add(st, []byte(s))
		}
	}
	const key = "demo_sk_fuzz_secret"
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		c, err := NewClient("http://127.0.0.1:1", key, WithHTTPClient(&http.Client{Transport: canned{status, body}, Timeout: time.Second}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		check := func(what string, err error) {
			if err == nil {
				return
			}
			e := guise.AsError(err)
			if e.Code == "" || e.Message == "" || strings.Contains(e.Message, key) {
				t.Fatalf("%s: status %d body %q: bad error %+v", what, status, body, e)
			}
		}
		_, err = c.ListUsers(ctx, "", time.Time{})
		check("list users", err)
		_, err = c.GetUser(ctx, "user_1")
		check("get user", err)
		_, err = c.StartImpersonation(ctx, guise.StartRequest{UserID: "user_1", Agent: guise.Agent{Email: "a@s.test"}, Reason: "r", Duration: time.Minute})
		check("start", err)
		_, err = c.StopImpersonation(ctx, "imp_1")
		check("stop", err)
		_, _, err = c.ListOrgs(ctx, "")
		check("orgs", err)
	})
}
