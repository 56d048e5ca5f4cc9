package demo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/guiseapp/guise/backend/guise"
)

func firstUsers(t *testing.T, s *Server, n int) []apiUser {
	t.Helper()
	users := allUsers(t, s, "")
	if len(users) < n {
		t.Fatalf("only %d users", len(users))
	}
	return users[:n]
}

func TestSeedIsDeterministic(t *testing.T) {
	a := firstUsers(t, startServer(t, Config{Seed: 7}), 20)
	b := firstUsers(t, startServer(t, Config{Seed: 7}), 20)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different users:\n%+v\n%+v", a[0], b[0])
	}
	c := firstUsers(t, startServer(t, Config{Seed: 8}), 20)
	same := 0
	for i := range a {
		if a[i].Email == c[i].Email {
			same++
		}
	}
	if same > 2 {
		t.Fatalf("seeds 7 and 8 share %d of 20 emails", same)
	}
}

// TestDefaultSeedHasEveryKindEarly pins what demos and other packages' tests
// rely on: with the default seed the first 50 users include each kind.
func TestDefaultSeedHasEveryKindEarly(t *testing.T) {
	s := startServer(t, Config{Users: DefaultUsers})
	users := allUsers(t, s, "")
	first := users[:50]
	single := findUser(t, first, "active member with one org", isSingleOrgMember)
	multi := findUser(t, first, "active member with 2+ orgs", isMultiOrgMember)
	admin := findUser(t, first, "admin", func(u apiUser) bool { return u.Role == roleAdmin })
	susp := findUser(t, first, "suspended user", func(u apiUser) bool { return u.Status == statusSuspend })
	t.Logf("default seed: single-org %s (%s), multi-org %s (%d orgs), admin %s, suspended %s",
		single.ID, single.Email, multi.ID, len(multi.Organizations), admin.ID, susp.ID)

	emails := map[string]bool{}
	var admins, suspended, multiOrg int
	for _, u := range users {
		if emails[u.Email] || !strings.HasSuffix(u.Email, ".test") || u.FirstName == "" || u.LastName == "" {
			t.Fatalf("bad or duplicate user %+v", u)
		}
		emails[u.Email] = true
		if len(u.Organizations) == 0 {
			t.Fatalf("user %s has no organization", u.ID)
		}
		if u.Role == roleAdmin {
			admins++
		}
		if u.Status == statusSuspend {
			suspended++
		}
		if len(u.Organizations) > 1 {
			multiOrg++
		}
	}
	if admins != DefaultUsers/50 || suspended != DefaultUsers/50 {
		t.Fatalf("%d admins and %d suspended of %d, want 2%% each", admins, suspended, DefaultUsers)
	}
	if share := float64(multiOrg) / DefaultUsers; share < 0.12 || share > 0.28 {
		t.Fatalf("%.0f%% of users are in 2+ orgs, want about a fifth", share*100)
	}
}

func TestEmailsStayUniqueBeyondTheNamePairs(t *testing.T) {
	w := newWorld(3, 25_000, 40) // 2.5 times the 10,000 first/last pairs
	seen := make(map[string]bool, w.users)
	for i := 1; i <= w.users; i++ {
		u := w.user(i)
		if seen[u.email] {
			t.Fatalf("user %d repeats email %s", i, u.email)
		}
		seen[u.email] = true
	}
}

func TestIDsSortNumerically(t *testing.T) {
	w := newWorld(1, 1_000_000, 40)
	if a, b := w.userID(999_999), w.userID(1_000_000); a >= b || w.userID(1) != "user_0000001" {
		t.Fatalf("ids %s, %s, %s do not sort numerically", w.userID(1), a, b)
	}
	w = newWorld(1, 500, 40)
	if w.userID(1) != "user_000001" || w.orgID(1) != "org_0001" {
		t.Fatalf("default ids = %s, %s", w.userID(1), w.orgID(1))
	}
	if names := newWorld(1, 10, 1000).orgNames; len(names) != 1000 || names[0] == names[900] {
		t.Fatalf("org names repeat past the word combinations: %q", names[900])
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if _, err := StoredAPIKey(path); guise.ErrorCode(err) != guise.ENOSECRET {
		t.Fatalf("StoredAPIKey of a missing db = %v, want ENOSECRET", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("StoredAPIKey created the db")
	}

	s := startServer(t, Config{DBPath: path, Users: 80})
	key := s.APIKey()
	if !strings.HasPrefix(key, "demo_sk_") {
		t.Fatalf("generated key %q", key)
	}
	u := findUser(t, allUsers(t, s, ""), "single-org member", isSingleOrgMember)
	var st apiStarted
	call(t, s, "POST", "/admin/v1/impersonations", startReq(u, ""), &st)
	call(t, s, "PATCH", "/admin/v1/users/user_000002", map[string]string{"last_name": "Kept"}, nil)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got, err := StoredAPIKey(path); err != nil || got != key {
		t.Fatalf("StoredAPIKey = %q, %v; want the server's key", got, err)
	}

	s2 := startServer(t, Config{DBPath: path, Users: 80})
	if s2.APIKey() != key {
		t.Fatal("the API key changed across a restart")
	}
	var im apiImpersonation
	if resp := call(t, s2, "GET", "/admin/v1/impersonations/"+st.ID, nil, &im); resp.StatusCode != 200 || im.UserID != u.ID {
		t.Fatalf("impersonation after restart = %d %+v", resp.StatusCode, im)
	}
	var kept apiUser
	call(t, s2, "GET", "/admin/v1/users/user_000002", nil, &kept)
	if kept.LastName != "Kept" {
		t.Fatal("the same world was re-seeded on restart, losing a change")
	}
	s2.Close()

	// Another size is another world: it is re-seeded, the key is kept.
	s3 := startServer(t, Config{DBPath: path, Users: 90})
	if got := allUsers(t, s3, ""); len(got) != 90 || s3.APIKey() != key {
		t.Fatalf("re-seed gave %d users (key kept: %v)", len(got), s3.APIKey() == key)
	}
	wantError(t, s3, "GET", "/admin/v1/impersonations/"+st.ID, nil, 404, codeNotFound)
}

func TestConfiguredAPIKeyWins(t *testing.T) {
	s := startServer(t, Config{Users: 10, APIKey: "demo_sk_fixed"})
	if s.APIKey() != "demo_sk_fixed" {
		t.Fatalf("APIKey = %q", s.APIKey())
	}
	if resp := callKey(t, s, "demo_sk_fixed", "GET", "/admin/v1/users", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("configured key refused: %d", resp.StatusCode)
	}
}

func TestStartReportsBindError(t *testing.T) {
	a := startServer(t, Config{Users: 10})
	b, err := NewServer(Config{DBPath: filepath.Join(t.TempDir(), "b.db"), Users: 10, Addr: strings.TrimPrefix(a.URL(), "http://")})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Start(); err == nil {
		t.Fatal("Start on a taken port succeeded")
	}
}

func TestStoredAPIKeyOfForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := StoredAPIKey(path)
	var ge *guise.Error
	if !errors.As(err, &ge) || ge.Code != guise.ENOSECRET {
		t.Fatalf("StoredAPIKey of an empty file = %v", err)
	}
}

func BenchmarkSeed100k(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		db, err := openDB(filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Exec(schemaMeta); err != nil {
			b.Fatal(err)
		}
		if err := seedWorld(context.Background(), db, newWorld(1, n, 400), func(string, ...any) {}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "users/s")
}
