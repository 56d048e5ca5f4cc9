package clerk

import (
	"context"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/guise/guisetest"
)

// FuzzAdapterDecodesAnything: whatever Clerk (or something in its place)
// answers, the adapter does not panic, and a failure is a coded error in
// plain words that never carries the secret key.
func FuzzAdapterDecodesAnything(f *testing.F) {
	for _, s := range []string{
		`[{"id":"user_1","email_addresses":[{"id":"idn_1","email_address":"a@b.test"}],"primary_email_address_id":"idn_1","banned":false,"updated_at":1732180000000}]`,
		`{"object":"total_count","total_count":3}`, `{"data":[],"total_count":0}`,
		`{"data":[{"organization":{"id":"org_1","name":"Acme"},"role":"org:admin","public_user_data":{"user_id":"user_1"}}],"total_count":1}`,
		`{"id":"act_1","status":"pending","url":"https://x/v1/tickets/accept?ticket=t","token":"t"}`,
		`{"errors":[{"code":"form_param_missing","message":"missing","long_message":"user_id is missing","meta":{"param_name":"user_id"}}]}`,
		`{"errors":"x"}`, `[{"id":7}]`, `null`, ``, `{`, `<html>502</html>`,
	} {
		for _, st := range []int{200, 400, 401, 402, 422, 429, 500} {
			f.Add(st, []byte(s))
		}
	}
	const key = "sk_test_fuzzsecretkey"
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		env := guise.Environment{Name: "fz", Provider: guise.ProviderClerk, BaseURL: "https://clerk.test/v1", Settings: map[string]string{SettingActorUserID: "user_support"}}
		p, err := New(env, key, WithTransport(guisetest.Canned{Status: status, Body: body}), WithRetries(0, time.Millisecond),
			WithSleep(func(context.Context, time.Duration) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		check := guisetest.Checker(t, key, status, body)
		_, err = p.ListUsers(ctx, "", time.Time{})
		check("list users", err)
		_, err = p.GetUser(ctx, "user_1")
		check("get user", err)
		_, err = p.CountUsers(ctx)
		check("count", err)
		_, err = p.StartImpersonation(ctx, guise.StartRequest{UserID: "user_1", Agent: guise.Agent{Email: "a@s.test"}, Reason: "r", Duration: time.Minute})
		check("start", err)
		_, err = p.StopSession(ctx, guise.Session{ProviderRef: "act_1", UserID: "user_1", AgentEmail: "a@s.test"})
		check("stop", err)
	})
}
