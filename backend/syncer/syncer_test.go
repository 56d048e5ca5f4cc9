package syncer_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/sqlite"
	"github.com/guiseapp/guise/backend/syncer"
)

type limited struct{ wait time.Duration }

func (l *limited) Error() string             { return "rate limited" }
func (l *limited) RetryAfter() time.Duration { return l.wait }

// pagedProvider serves n users, 10 a page, with scripted failures per call.
type pagedProvider struct {
	users []guise.User
	fail  map[int]error // call number → error
	calls int
}

func newPaged(n int) *pagedProvider {
	p := &pagedProvider{fail: map[int]error{}}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		p.users = append(p.users, guise.User{ID: fmt.Sprintf("u%03d", i), Email: fmt.Sprintf("u%03d@x.test", i), Name: "U",
			Status: "active", UpdatedAt: base.Add(time.Duration(i) * time.Second), Orgs: []guise.Org{{ID: "o1", Name: "Org"}}})
	}
	return p
}

func (p *pagedProvider) Check(context.Context) []guise.CheckResult { return nil }
func (p *pagedProvider) ListOrgs(context.Context, string) ([]guise.Org, string, error) {
	return []guise.Org{{ID: "o1", Name: "Org"}}, "", nil
}
func (p *pagedProvider) ListUsers(_ context.Context, cursor string, since time.Time) (guise.UserPage, error) {
	p.calls++
	if err := p.fail[p.calls]; err != nil {
		return guise.UserPage{}, err
	}
	var match []guise.User
	for _, u := range p.users {
		if u.UpdatedAt.After(since) {
			match = append(match, u)
		}
	}
	start, _ := strconv.Atoi(cursor)
	end := min(start+10, len(match))
	page := guise.UserPage{Users: match[start:end]}
	if end < len(match) {
		page.Next = strconv.Itoa(end)
	}
	return page, nil
}
func (p *pagedProvider) GetUser(context.Context, string) (guise.User, error) {
	return guise.User{}, nil
}
func (p *pagedProvider) StartImpersonation(context.Context, guise.StartRequest) (guise.Started, error) {
	return guise.Started{}, nil
}
func (p *pagedProvider) StopImpersonation(context.Context, string) (guise.Stopped, error) {
	return guise.Stopped{}, nil
}

func setup(t *testing.T) (*sqlite.DB, *syncer.Syncer, *[]time.Duration) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "guise.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateEnvironment(context.Background(), guise.Environment{Name: "e", Provider: "demo", CreatedAt: time.Now()}, guise.AuditRecord{Kind: guise.AuditEnvAdded}); err != nil {
		t.Fatal(err)
	}
	var slept []time.Duration
	s := syncer.New(db)
	s.Retries = 2
	s.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	return db, s, &slept
}

func TestRateLimitIsRetriedAfterTheProvidersWait(t *testing.T) {
	db, s, slept := setup(t)
	prov := newPaged(25)
	prov.fail[2] = &guise.Error{Code: guise.ERATELIMIT, Message: "slow down", Err: &limited{7 * time.Second}}
	p, err := s.Sync(context.Background(), "e", prov, nil)
	if err != nil || p.Users != 25 || !p.Full || !p.Done {
		t.Fatalf("sync: %+v %v", p, err)
	}
	if len(*slept) != 1 || (*slept)[0] != 7*time.Second {
		t.Fatalf("waited %v, want the provider's 7s", *slept)
	}
	if n, _ := db.CountUsers(context.Background(), "e"); n != 25 {
		t.Fatalf("cached %d", n)
	}
}

func TestFailedSyncKeepsProgressAndResumes(t *testing.T) {
	db, s, _ := setup(t)
	ctx := context.Background()
	prov := newPaged(35)
	down := guise.Errorf(guise.EUNAVAILABLE, "Cannot reach the provider.")
	prov.fail[3], prov.fail[4], prov.fail[5] = down, down, down // page 3 fails past the 2 retries
	p, err := s.Sync(ctx, "e", prov, nil)
	if guise.ErrorCode(err) != guise.EUNAVAILABLE || p.Users != 20 || p.Error == nil {
		t.Fatalf("failed sync: %+v %v", p, err)
	}
	st, _ := db.SyncState(ctx, "e")
	if st.Cursor != "20" || st.LastError == "" || !st.LastSyncedAt.IsZero() {
		t.Fatalf("state after failure: %+v", st)
	}
	p, err = s.Sync(ctx, "e", prov, nil)
	if err != nil || !p.Resumed || p.Users != 15 {
		t.Fatalf("resumed sync fetched %+v %v; want the 15 not yet fetched", p, err)
	}
	st, _ = db.SyncState(ctx, "e")
	if st.Cursor != "" || st.Users != 35 || st.LastError != "" || st.LastSyncedAt.IsZero() {
		t.Fatalf("state after resume: %+v", st)
	}

	// Incremental: only users changed since the newest seen come back.
	prov.users[3].UpdatedAt = prov.users[34].UpdatedAt.Add(time.Hour)
	prov.users[3].Name = "Changed"
	p, err = s.Sync(ctx, "e", prov, nil)
	if err != nil || p.Full || p.Users != 1 {
		t.Fatalf("incremental: %+v %v", p, err)
	}
	if u, _ := db.FindUser(ctx, "e", "u003"); u.Name != "Changed" {
		t.Fatalf("change not applied: %+v", u)
	}
}

// countedProvider also says how many users it has, like Clerk's count endpoint.
type countedProvider struct{ *pagedProvider }

func (c countedProvider) CountUsers(context.Context) (int, error) { return len(c.users), nil }

func TestProviderTotalDrivesProgress(t *testing.T) {
	_, s, _ := setup(t)
	var mu sync.Mutex // the fetching goroutine reads the clock too
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { // one second a call
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}
	var seen []syncer.Progress
	p, err := s.Sync(context.Background(), "e", countedProvider{newPaged(40)}, func(p syncer.Progress) { seen = append(seen, p) })
	if err != nil || p.Total != 40 || p.ETASeconds != 0 {
		t.Fatalf("sync: %+v %v", p, err)
	}
	// Every report knows the size of the pass from the provider's count.
	for _, r := range seen {
		if r.Total != 40 || (r.Users < 40 && r.ETASeconds <= 0) {
			t.Fatalf("progress without the provider's total or the time left: %+v", seen)
		}
	}
	// Without a counter the time left stays unknown.
	seen = nil
	if _, err := s.Sync(context.Background(), "e", newPaged(0), func(p syncer.Progress) { seen = append(seen, p) }); err != nil {
		t.Fatal(err)
	}
	if seen[0].Total != 0 {
		t.Fatalf("total without a counter: %+v", seen[0])
	}
}
