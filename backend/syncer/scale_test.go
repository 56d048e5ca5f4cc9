package syncer_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/sqlite"
	"github.com/guiseapp/guise/backend/syncer"
)

// crashingStore dies (returns without writing) on write number crashAt,
// as a process killed between two pages would; it counts the rows written.
type crashingStore struct {
	syncer.Store
	crashAt, writes, rows int
}

var errCrash = errors.New("killed")

func (c *crashingStore) SaveUsers(ctx context.Context, env string, users []guise.User, st guise.SyncState) error {
	c.writes++
	if c.writes == c.crashAt {
		return errCrash
	}
	c.rows += len(users)
	return c.Store.SaveUsers(ctx, env, users, st)
}

// cursorLog records the cursors a provider was asked for.
type cursorLog struct {
	*pagedProvider
	mu      sync.Mutex
	cursors []string
}

func (c *cursorLog) ListUsers(ctx context.Context, cursor string, since time.Time) (guise.UserPage, error) {
	c.mu.Lock()
	c.cursors = append(c.cursors, cursor)
	c.mu.Unlock()
	return c.pagedProvider.ListUsers(ctx, cursor, since)
}

func TestResumesAfterACrashBetweenPagesWithoutLosingOrRepeatingAny(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "guise.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateEnvironment(ctx, guise.Environment{Name: "e", Provider: "demo", CreatedAt: time.Now()}, guise.AuditRecord{Kind: guise.AuditEnvAdded}); err != nil {
		t.Fatal(err)
	}
	prov := &cursorLog{pagedProvider: newPaged(55)} // 6 pages of 10
	crash := &crashingStore{Store: db, crashAt: 4}
	s := syncer.New(crash)
	s.MaxBatch = 1 // one page a write, so the crash falls between pages
	if _, err := s.Sync(ctx, "e", prov, nil); !errors.Is(err, errCrash) {
		t.Fatalf("the crash did not stop the sync: %v", err)
	}
	db.Close() // the process is gone; a new one opens the file

	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, _ := db.CountUsers(ctx, "e"); n != 30 {
		t.Fatalf("after the crash the cache holds %d users, want the 3 pages written (30)", n)
	}
	st, _ := db.SyncState(ctx, "e")
	if st.Cursor != "30" || st.Gen != 1 {
		t.Fatalf("state after the crash %+v: want the cursor after page 3 and generation 1", st)
	}
	prov.cursors = nil
	p, err := syncer.New(db).Sync(ctx, "e", prov, nil)
	if err != nil || !p.Resumed || !p.Full || p.Users != 25 || p.Pages != 3 || p.Swept != 0 {
		t.Fatalf("resumed run %+v %v: want the 25 users of the last 3 pages", p, err)
	}
	if prov.cursors[0] != "30" {
		t.Fatalf("the resumed run asked for %v, want it to start at cursor 30", prov.cursors)
	}
	if n, _ := db.CountUsers(ctx, "e"); n != 55 {
		t.Fatalf("cache holds %d users, want 55", n)
	}
	for _, id := range []string{"u000", "u029", "u030", "u054"} {
		if _, err := db.FindUser(ctx, "e", id); err != nil {
			t.Errorf("%s missing: %v", id, err)
		}
	}
}

func TestFullPassSweepsUsersDeletedAtTheProviderKeepingTheirHistory(t *testing.T) {
	db, s, _ := setup(t)
	ctx := context.Background()
	prov := newPaged(35)
	if _, err := s.Sync(ctx, "e", prov, nil); err != nil {
		t.Fatal(err)
	}
	gone := prov.users[7]
	sess := guise.Session{ID: "ses_1", Env: "e", Provider: "demo", UserID: gone.ID, UserEmail: gone.Email, AgentEmail: "ag@x.test",
		Reason: "a good reason", StartedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.ReserveSession(ctx, sess, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	prov.users = append(prov.users[:5:5], prov.users[10:]...) // u005…u009 deleted at the provider

	// An incremental run cannot see deletions: nothing is swept.
	p, err := s.Sync(ctx, "e", prov, nil)
	if err != nil || p.Full || p.Swept != 0 {
		t.Fatalf("incremental run %+v %v", p, err)
	}
	if n, _ := db.CountUsers(ctx, "e"); n != 35 {
		t.Fatalf("incremental run changed the count to %d", n)
	}

	p, err = s.Run(ctx, "e", prov, syncer.Options{Full: true}, nil)
	if err != nil || !p.Full || p.Swept != 5 || p.Users != 30 {
		t.Fatalf("full pass %+v %v: want 30 users seen and 5 swept", p, err)
	}
	if n, _ := db.CountUsers(ctx, "e"); n != 30 {
		t.Fatalf("cache holds %d users after the sweep, want 30", n)
	}
	if _, err := db.FindUser(ctx, "e", gone.ID); guise.ErrorCode(err) != guise.ENOTFOUND {
		t.Fatalf("deleted user still cached: %v", err)
	}
	if got, _ := db.SearchUsers(ctx, "e", gone.Email, 10); len(got) != 0 {
		t.Fatalf("deleted user still found by search: %+v", got)
	}
	if _, err := db.Session(ctx, "ses_1"); err != nil {
		t.Fatalf("the deleted user's history is gone: %v", err)
	}
	st, _ := db.SyncState(ctx, "e")
	if st.Gen != 2 || st.LastFullAt.IsZero() || st.Users != 30 {
		t.Fatalf("state after the full pass: %+v", st)
	}
}

func TestIncrementalRunTouchesOnlyChangedUsers(t *testing.T) {
	db, _, _ := setup(t)
	ctx := context.Background()
	prov := &cursorLog{pagedProvider: newPaged(200)}
	count := &crashingStore{Store: db}
	s := syncer.New(count)
	if _, err := s.Sync(ctx, "e", prov, nil); err != nil {
		t.Fatal(err)
	}
	newest := prov.users[len(prov.users)-1].UpdatedAt
	for i, k := range []int{3, 77, 150} {
		prov.users[k].Name = "Changed"
		prov.users[k].UpdatedAt = newest.Add(time.Duration(i+1) * time.Minute)
	}
	prov.cursors, count.rows = nil, 0
	p, err := s.Sync(ctx, "e", prov, nil)
	if err != nil || p.Full || p.Users != 3 || p.Pages != 1 {
		t.Fatalf("incremental run %+v %v: want 3 users in 1 page", p, err)
	}
	if len(prov.cursors) != 1 || count.rows != 3 {
		t.Fatalf("incremental run fetched %d pages and wrote %d rows; want 1 and 3", len(prov.cursors), count.rows)
	}
	if u, _ := db.FindUser(ctx, "e", "u077"); u.Name != "Changed" {
		t.Fatalf("change not applied: %+v", u)
	}
}

// clock is a fake time shared by the syncer and a fake provider: sleeping
// advances it, so rate limits are tested exactly and instantly.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// windowed enforces "limit requests per second" in fixed one-second
// windows, like the Demo (and answers 429 with Retry-After beyond it).
type windowed struct {
	*pagedProvider
	clock            *clock
	limit            int
	mu               sync.Mutex
	window           int64
	inWindow, denied int
}

func (w *windowed) take() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	sec := w.clock.Now().Unix()
	if sec != w.window {
		w.window, w.inWindow = sec, 0
	}
	if w.inWindow >= w.limit {
		w.denied++
		return &guise.Error{Code: guise.ERATELIMIT, Message: "slow down", Err: &limited{time.Second}}
	}
	w.inWindow++
	return nil
}

func (w *windowed) ListOrgs(ctx context.Context, c string) ([]guise.Org, string, error) {
	if err := w.take(); err != nil {
		return nil, "", err
	}
	return w.pagedProvider.ListOrgs(ctx, c)
}

func (w *windowed) ListUsers(ctx context.Context, c string, since time.Time) (guise.UserPage, error) {
	if err := w.take(); err != nil {
		return guise.UserPage{}, err
	}
	return w.pagedProvider.ListUsers(ctx, c, since)
}

// published adds the published limit to a windowed provider.
type published struct{ *windowed }

func (p published) RateLimit() (float64, int) { return float64(p.limit), 1 }

func TestLimiterKeepsUnderThePublishedLimit(t *testing.T) {
	run := func(t *testing.T, publish bool) (syncer.Progress, *windowed) {
		db, _, _ := setup(t)
		c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		w := &windowed{pagedProvider: newPaged(600), clock: c, limit: 10}
		var prov guise.Provider = w
		if publish {
			prov = published{w}
		}
		s := syncer.New(db)
		s.Now, s.Sleep, s.Retries = c.Now, c.Sleep, 100
		p, err := s.Sync(context.Background(), "e", prov, nil)
		if err != nil || p.Users != 600 {
			t.Fatalf("sync %+v %v", p, err)
		}
		return p, w
	}
	p, w := run(t, true)
	if w.denied != 0 || p.Throttled != 0 {
		t.Fatalf("with the limit known the provider refused %d requests (%d seen)", w.denied, p.Throttled)
	}
	// 61 requests at 90% of 10/s take about 6.7 s of the fake clock.
	if p.Rate > 100 || p.Rate < 80 {
		t.Fatalf("rate %.1f users/s; want about 90 (9 pages of 10 a second)", p.Rate)
	}
	// The control: without the limit, the same sync is refused and backs off.
	p, w = run(t, false)
	if w.denied == 0 || p.Throttled != w.denied {
		t.Fatalf("without the limit the provider refused %d requests (%d seen); the test cannot tell", w.denied, p.Throttled)
	}
}

// blocking serves one page, then blocks until the run is canceled.
type blocking struct {
	*pagedProvider
	started chan struct{}
	once    sync.Once
}

func (b *blocking) ListUsers(ctx context.Context, c string, since time.Time) (guise.UserPage, error) {
	if c == "" {
		return b.pagedProvider.ListUsers(ctx, c, since)
	}
	b.once.Do(func() { close(b.started) })
	<-ctx.Done()
	return guise.UserPage{}, guise.Wrap(guise.ECANCELED, ctx.Err(), "canceled")
}

func TestEngineRunsInTheBackgroundAndCancels(t *testing.T) {
	db, s, _ := setup(t)
	prov := &blocking{pagedProvider: newPaged(30), started: make(chan struct{})}
	done := make(chan syncer.Progress, 10)
	e := &syncer.Engine{Syncer: s,
		Provider: func(context.Context, string) (guise.Provider, error) { return prov, nil },
		Interval: func() time.Duration { return time.Hour },
		Report: func(p syncer.Progress) {
			if p.Done {
				done <- p
			}
		}}
	defer e.Close()
	e.Start("e")
	<-prov.started
	if !e.Running("e") {
		t.Fatal("the background sync is not running")
	}
	// Cancel once the first page is committed (bounded polling, no sleeps as assertions).
	for i := 0; ; i++ {
		if st, _ := db.SyncState(context.Background(), "e"); st.Cursor == "10" {
			break
		}
		if i == 500 {
			t.Fatal("the first page was never saved")
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.Cancel("e")
	p := <-done
	if p.Error == nil || p.Error.Code != guise.ECANCELED || p.Users != 10 {
		t.Fatalf("canceled run %+v: want ECANCELED after the first page", p)
	}
	st, _ := db.SyncState(context.Background(), "e")
	if st.Cursor != "10" {
		t.Fatalf("cursor %q after cancel, want 10 (resumable)", st.Cursor)
	}
	// A foreground run of the same environment resumes and finishes.
	prov.pagedProvider.fail = map[int]error{}
	e.Provider = func(context.Context, string) (guise.Provider, error) { return prov.pagedProvider, nil }
	fp, err := e.Run(context.Background(), "e", syncer.Options{}, nil)
	if err != nil || !fp.Resumed || fp.Users != 20 {
		t.Fatalf("foreground run %+v %v", fp, err)
	}
	e.Stop("e")
	if e.Running("e") {
		t.Fatal("still running after Stop")
	}
}
