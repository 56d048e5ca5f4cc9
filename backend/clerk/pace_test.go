package clerk

import (
	"context"
	"testing"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/guise/guisetest"
	"golang.org/x/time/rate"
)

// TestPacedAfterTheFirst429: requests go freely until Clerk answers 429, then
// at 90% of the instance's published limit.
func TestPacedAfterTheFirst429(t *testing.T) {
	env := guise.Environment{Name: "p", Provider: guise.ProviderClerk, BaseURL: "https://clerk.test/v1", Settings: map[string]string{SettingActorUserID: "user_support"}}
	for _, c := range []struct {
		key  string
		want rate.Limit
	}{{"sk_test_x", 9}, {"sk_live_x", 90}} {
		p, err := New(env, c.key, WithTransport(guisetest.Canned{Status: 200, Body: []byte(`{"object":"total_count","total_count":3}`)}))
		if err != nil {
			t.Fatal(err)
		}
		tr := p.http
		if _, err := p.CountUsers(context.Background()); err != nil || tr.limit.Limit() != rate.Inf {
			t.Fatalf("%s: before any 429 the pace must be free: %v %v", c.key, tr.limit.Limit(), err)
		}
		tr.next = guisetest.Canned{Status: 429, Body: []byte(`{"errors":[{"code":"too_many_requests","message":"Too many requests"}]}`)}
		tr.retries = 0
		if _, err := p.CountUsers(context.Background()); guise.ErrorCode(err) != guise.ERATELIMIT {
			t.Fatalf("%s: %v", c.key, err)
		}
		if tr.limit.Limit() != c.want || tr.limit.Burst() == 0 {
			t.Fatalf("%s: after a 429 the pace is %v (burst %d), want %v", c.key, tr.limit.Limit(), tr.limit.Burst(), c.want)
		}
	}
}
