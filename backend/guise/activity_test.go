package guise_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// logReader is a provider log: reads hand back the events after the cursor
// about the users asked for, and an error when set.
type logReader struct {
	log   []guise.ProviderEvent
	err   error
	calls [][]string // the user ids of each read
}

func (r *logReader) ReadActivity(_ context.Context, cursor string, ids []string) ([]guise.ProviderEvent, string, error) {
	r.calls = append(r.calls, ids)
	if r.err != nil && len(r.log) == 0 {
		return nil, cursor, r.err
	}
	var out []guise.ProviderEvent
	next := cursor
	for _, e := range r.log {
		if e.ID > cursor {
			next = e.ID
			if slices.Contains(ids, e.UserID) {
				out = append(out, e)
			}
		}
	}
	return out, next, r.err
}

func TestImportActivityReadsTheLogForImpersonatedUsersOnly(t *testing.T) {
	svc, _, now, _ := setup(t)
	ctx := context.Background()
	r := &logReader{log: []guise.ProviderEvent{
		{ID: "001", UserID: "u1", At: *now, Kind: "signed in", Code: "s"},
		{ID: "002", UserID: "u2", At: *now, Kind: "signed in", Code: "s"},
	}}
	// Nobody impersonated yet: nothing is read.
	if res, err := svc.ImportActivity(ctx, "prod", r); err != nil || res.Users != 0 || len(r.calls) != 0 {
		t.Fatalf("before any impersonation: %+v %v, %d reads", res, err, len(r.calls))
	}
	if _, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.ImportActivity(ctx, "prod", r)
	if err != nil || res.Users != 1 || res.Events != 1 || !slices.Equal(r.calls[0], []string{"u1"}) {
		t.Fatalf("import: %+v %v, read for %v", res, err, r.calls)
	}
	got, _ := svc.Store.UserActivity(ctx, "prod", "u1", 10)
	if len(got) != 1 || got[0].Env != "prod" || got[0].Kind != "signed in" {
		t.Fatalf("saved: %+v", got)
	}
	if st, _ := svc.Store.ActivityState(ctx, "prod"); st.Cursor != "002" || st.Denied != "" || !st.ReadAt.Equal(*now) {
		t.Fatalf("state: %+v", st)
	}
	// The next import goes on from the cursor.
	r.log = append(r.log, guise.ProviderEvent{ID: "003", UserID: "u1", At: now.Add(time.Minute), Kind: "signed out", Code: "slo"})
	if res, err := svc.ImportActivity(ctx, "prod", r); err != nil || res.Events != 1 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	if got, _ := svc.Store.UserActivity(ctx, "prod", "u1", 10); len(got) != 2 || got[0].Kind != "signed out" {
		t.Fatalf("after the second import: %+v", got)
	}
}

func TestImportActivityKeepsWhatWasReadBeforeAFailure(t *testing.T) {
	svc, _, now, _ := setup(t)
	ctx := context.Background()
	if _, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"}); err != nil {
		t.Fatal(err)
	}
	r := &logReader{log: []guise.ProviderEvent{{ID: "001", UserID: "u1", At: *now, Kind: "signed in"}},
		err: guise.Errorf(guise.EUNAVAILABLE, "Auth0 failed (HTTP 503); try again shortly.")}
	res, err := svc.ImportActivity(ctx, "prod", r)
	if guise.ErrorCode(err) != guise.EUNAVAILABLE || res.Events != 1 {
		t.Fatalf("a failure after a page: %+v %v", res, err)
	}
	if st, _ := svc.Store.ActivityState(ctx, "prod"); st.Cursor != "001" {
		t.Fatalf("the cursor must stand after what was saved: %+v", st)
	}
}

func TestImportActivityWithoutAccessIsNoFailureAndSaidOnce(t *testing.T) {
	svc, _, _, _ := setup(t)
	ctx := context.Background()
	if _, err := svc.Impersonate(ctx, guise.Request{Env: "prod", User: "u1", Reason: "checking the invoices"}); err != nil {
		t.Fatal(err)
	}
	const why = "The Auth0 application is missing the scope read:logs."
	r := &logReader{err: guise.Errorf(guise.EUNAUTHORIZED, why)}
	res, err := svc.ImportActivity(ctx, "prod", r)
	if err != nil || res.Denied != why || !res.NewlyDenied || res.Events != 0 {
		t.Fatalf("denied: %+v %v", res, err)
	}
	if res, err := svc.ImportActivity(ctx, "prod", r); err != nil || res.Denied != why || res.NewlyDenied {
		t.Fatalf("denied again must not be news: %+v %v", res, err)
	}
	if st, _ := svc.Store.ActivityState(ctx, "prod"); st.Denied != why || st.Cursor != "" {
		t.Fatalf("state: %+v", st)
	}
	// Granted later: the note clears.
	r.err = nil
	if res, err := svc.ImportActivity(ctx, "prod", r); err != nil || res.Denied != "" {
		t.Fatalf("granted: %+v %v", res, err)
	}
	if st, _ := svc.Store.ActivityState(ctx, "prod"); st.Denied != "" {
		t.Fatalf("state after the grant: %+v", st)
	}
}
