package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

func activityEvents(base time.Time) []guise.ProviderEvent {
	var out []guise.ProviderEvent
	for i := range 5 {
		user := "auth0|a"
		if i%2 == 1 {
			user = "auth0|b"
		}
		out = append(out, guise.ProviderEvent{ID: fmt.Sprintf("900%03d", i+1), UserID: user, At: base.Add(time.Duration(i) * time.Minute),
			Kind: "signed in", Code: "s", Description: "Successful login", Client: "Acme App", IP: "198.51.100.7"})
	}
	return out
}

func TestActivityRoundTripNewestFirstAndIdempotent(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	addEnv(t, db, "acme")
	if st, err := db.ActivityState(ctx, "acme"); err != nil || st.Cursor != "" || st.Env != "acme" {
		t.Fatalf("never imported: %+v %v", st, err)
	}
	base := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	events := activityEvents(base)
	readAt := base.Add(time.Hour)
	if err := db.SaveActivity(ctx, "acme", events, guise.ActivityState{Cursor: "900005", ReadAt: readAt}); err != nil {
		t.Fatal(err)
	}
	got, err := db.UserActivity(ctx, "acme", "auth0|a", 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("user a: %+v %v", got, err)
	}
	if got[0].ID != "900005" || got[2].ID != "900001" || !got[0].At.Equal(base.Add(4*time.Minute)) {
		t.Fatalf("not newest first: %+v", got)
	}
	want := events[4]
	want.Env = "acme"
	if got[0] != want {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got[0], want)
	}
	if lim, _ := db.UserActivity(ctx, "acme", "auth0|a", 1); len(lim) != 1 || lim[0].ID != "900005" {
		t.Fatalf("limit 1: %+v", lim)
	}
	st, err := db.ActivityState(ctx, "acme")
	if err != nil || st.Cursor != "900005" || !st.ReadAt.Equal(readAt) || st.Denied != "" {
		t.Fatalf("state: %+v %v", st, err)
	}

	// Importing the same events again (a cursor that did not move, a retried
	// run) changes nothing.
	if err := db.SaveActivity(ctx, "acme", events, guise.ActivityState{Cursor: "900005", ReadAt: readAt}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.db.QueryRowContext(ctx, "SELECT count(*) FROM provider_events WHERE env = 'acme'").Scan(&n); err != nil || n != 5 {
		t.Fatalf("after re-import: %d events (%v), want 5", n, err)
	}
	// A denial keeps the cursor the caller passes and says why.
	if err := db.SaveActivity(ctx, "acme", nil, guise.ActivityState{Cursor: "900005", Denied: "missing read:logs", ReadAt: readAt}); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.ActivityState(ctx, "acme"); st.Denied != "missing read:logs" || st.Cursor != "900005" {
		t.Fatalf("denied state: %+v", st)
	}
}

func TestActivityGoesWithTheEnvironment(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	addEnv(t, db, "acme")
	addEnv(t, db, "other")
	base := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	for _, env := range []string{"acme", "other"} {
		if err := db.SaveActivity(ctx, env, activityEvents(base), guise.ActivityState{Cursor: "900005", ReadAt: base}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteEnvironment(ctx, "acme", guise.AuditRecord{At: base, Kind: guise.AuditEnvRemoved, Env: "acme"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SELECT count(*) FROM provider_events WHERE env = 'acme'", "SELECT count(*) FROM provider_activity_state WHERE env = 'acme'"} {
		var n int
		if err := db.db.QueryRowContext(ctx, q).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s: %d (%v), want 0", q, n, err)
		}
	}
	if got, err := db.UserActivity(ctx, "other", "auth0|b", 10); err != nil || len(got) != 2 {
		t.Fatalf("another environment's activity must stay: %+v %v", got, err)
	}
	// Re-adding the name starts from scratch: no stale cursor.
	addEnv(t, db, "acme")
	if st, err := db.ActivityState(ctx, "acme"); err != nil || st.Cursor != "" {
		t.Fatalf("re-added: %+v %v", st, err)
	}
}
