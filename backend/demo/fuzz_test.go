package demo

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/guise/guisetest"
)

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
		c, err := NewClient("http://127.0.0.1:1", key, WithHTTPClient(&http.Client{Transport: guisetest.Canned{Status: status, Body: body, Header: http.Header{"Retry-After": {"3"}}}, Timeout: time.Second}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		check := guisetest.Checker(t, key, status, body)
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
