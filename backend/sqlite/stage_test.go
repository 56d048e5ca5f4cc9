package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// termRows lists env's terms, of both levels of the index, as "term|user id".
func termRows(t *testing.T, db *DB, env string) []string {
	t.Helper()
	rows, err := db.db.Query(`SELECT t.term, u.id FROM (SELECT env, term, rid FROM user_terms UNION ALL SELECT env, term, rid FROM user_terms_recent) t
		JOIN users u ON u.rid = t.rid WHERE t.env = ? ORDER BY 1, 2`, env)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var term, id string
		if err := rows.Scan(&term, &id); err != nil {
			t.Fatal(err)
		}
		out = append(out, term+"|"+id)
	}
	return out
}

// postingRows lists env's posting lists as "term|user ids".
func postingRows(t *testing.T, db *DB, env string) []string {
	t.Helper()
	rows, err := db.db.Query("SELECT term, rids FROM user_postings WHERE env = ? ORDER BY term, first", env)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var term, rids string
		if err := rows.Scan(&term, &rids); err != nil {
			t.Fatal(err)
		}
		users, err := db.usersByRid(context.Background(), env, decodeRids(rids))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, term+"|"+strings.Join(ids(users), ","))
	}
	return out
}

func ids(users []guise.User) []string {
	var out []string
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out
}

// A full pass stages the terms of new users and merges them with its last
// page: the index ends exactly as when every page is indexed at once.
func TestFullPassStagesNewUsersTermsAndItsLastPageMergesThem(t *testing.T) {
	ctx := context.Background()
	staged, direct := openTemp(t), openTemp(t)
	addEnv(t, staged, "e")
	addEnv(t, direct, "e")
	user := func(i int, name string) guise.User {
		return guise.User{ID: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("P%d.Person@Org%d.test", i, i%3), Name: name,
			Orgs: []guise.Org{{ID: "o1", Name: "Acme"}}}
	}
	page1 := []guise.User{user(1, "Mary Ann Smith"), user(2, "Bob Stone"), user(3, "Carol Diaz")}
	page2 := []guise.User{user(2, "Bob Rivers"), user(4, "Dan Smith")} // u2 again, renamed while listed
	page3 := []guise.User{user(5, "Eve Adams")}

	if err := staged.SaveUsers(ctx, "e", page1, guise.SyncState{Gen: 1, Cursor: "p1"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := staged.SearchUsers(ctx, "e", "mary ann", 10); len(got) != 0 {
		t.Errorf("mid-pass, staged names are searchable already: %v", ids(got))
	}
	// Surnames, domains and organizations are posting lists, written with the page.
	for _, q := range []string{"smith", "org1.test", "acme"} {
		if got, _ := staged.SearchUsers(ctx, "e", q, 10); len(got) == 0 {
			t.Errorf("mid-pass, %q finds nobody", q)
		}
	}
	if got, _ := staged.SearchUsers(ctx, "e", "u3", 10); len(got) != 1 {
		t.Errorf("mid-pass, id search found %v", ids(got))
	}
	if u, err := staged.FindUser(ctx, "e", "p3.person@org0.test"); err != nil || u.ID != "u3" {
		t.Errorf("mid-pass, FindUser by email: %v %v", u.ID, err)
	}
	if got, _ := staged.SearchUsers(ctx, "e", "", 10); len(got) != 3 {
		t.Errorf("mid-pass, the empty query lists %v, want every user saved", ids(got))
	}
	if err := staged.SaveUsers(ctx, "e", page2, guise.SyncState{Gen: 1, Cursor: "p2"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := staged.SearchUsers(ctx, "e", "rivers", 10); !slices.Equal(ids(got), []string{"u2"}) {
		t.Errorf("a user updated mid-pass is indexed at once: %v", ids(got))
	}
	if err := staged.SaveUsers(ctx, "e", page3, guise.SyncState{Gen: 1}); err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]guise.User{page1, page2, page3} {
		if err := direct.SaveUsers(ctx, "e", p, guise.SyncState{Gen: 1}); err != nil {
			t.Fatal(err)
		}
	}
	got, want := append(termRows(t, staged, "e"), postingRows(t, staged, "e")...), append(termRows(t, direct, "e"), postingRows(t, direct, "e")...)
	if !slices.Equal(got, want) {
		t.Fatalf("staged then merged index:\n%s\nindexed at once:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var left int
	staged.db.QueryRow("SELECT count(*) FROM user_terms_stage").Scan(&left)
	if left != 0 {
		t.Errorf("%d staged rows left after the last page", left)
	}
	if got, _ := staged.SearchUsers(ctx, "e", "smith", 10); !slices.Equal(ids(got), []string{"u4", "u1"}) && !slices.Equal(ids(got), []string{"u1", "u4"}) {
		t.Errorf("after the pass, smith finds %v", ids(got))
	}
	if got, _ := staged.SearchUsers(ctx, "e", "bob stone", 10); len(got) != 0 {
		t.Errorf("the name a user had before the update is still found: %v", ids(got))
	}
	if got, _ := staged.SearchUsers(ctx, "e", "P5.PERSON@org2.test", 10); len(got) == 0 || got[0].ID != "u5" {
		t.Errorf("exact email after the pass: %v", ids(got))
	}
}

// An incremental run (RunSince set) indexes at once, and a sweep removes
// what a killed pass had staged for users it then did not see.
func TestIncrementalIndexesAtOnceAndSweepClearsStage(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	addEnv(t, db, "e")
	if err := db.SaveUsers(ctx, "e", []guise.User{{ID: "u1", Email: "a@x.test", Name: "Ann Lee"}},
		guise.SyncState{Gen: 1, Cursor: "c", RunSince: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.SearchUsers(ctx, "e", "lee", 10); len(got) != 1 {
		t.Errorf("incremental run: name not found at once: %v", ids(got))
	}
	if err := db.SaveUsers(ctx, "e", []guise.User{{ID: "u2", Email: "b@x.test", Name: "Ben Hall"}}, guise.SyncState{Gen: 2, Cursor: "c"}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.SweepUsers(ctx, "e", 3); err != nil || n != 2 {
		t.Fatalf("swept %d, %v", n, err)
	}
	var left int
	db.db.QueryRow("SELECT (SELECT count(*) FROM user_terms_stage) + (SELECT count(*) FROM user_terms) + (SELECT count(*) FROM user_terms_recent)").Scan(&left)
	if left != 0 {
		t.Errorf("%d index rows left after the sweep", left)
	}
}

// A cache written before version 6 finds its users by email afterwards.
func TestUpgradeToV6MakesEmailsTerms(t *testing.T) {
	ctx := context.Background()
	p := atVersion(t, 5,
		`INSERT INTO environments (name, provider, created_at) VALUES ('old', 'demo', '2026-01-01T00:00:00.000000000Z')`,
		`INSERT INTO users (rid, env, id, email, name) VALUES (1, 'old', 'u1', 'ann@acme.test', 'Ann Lee'), (2, 'old', 'u2', 'bo@acme.test', 'Bo Wu')`,
		`INSERT INTO user_terms (env, term, rid) VALUES ('old', 'ann lee', 1), ('old', 'lee', 1), ('old', 'bo wu', 2), ('old', 'wu', 2)`)
	db, err := Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if u, err := db.FindUser(ctx, "old", "ANN@acme.test"); err != nil || u.ID != "u1" {
		t.Errorf("FindUser by email after the upgrade: %v %v", u.ID, err)
	}
	if got, _ := db.SearchUsers(ctx, "old", "bo@", 10); !slices.Equal(ids(got), []string{"u2"}) {
		t.Errorf("email prefix after the upgrade: %v", ids(got))
	}
	if got, _ := db.SearchUsers(ctx, "old", "", 10); !slices.Equal(ids(got), []string{"u1", "u2"}) {
		t.Errorf("empty query lists by email: %v", ids(got))
	}
}

// A page longer than the chunks its rows are derived in (rowChunk) saves
// each user with its own row and terms, whether staged or not, and a user
// named twice keeps its last version.
func TestPagesLongerThanAChunkSaveEachUsersOwnRow(t *testing.T) {
	ctx := context.Background()
	for _, state := range []guise.SyncState{{Gen: 1}, {Gen: 1, RunSince: time.Now()}} {
		db := openTemp(t)
		addEnv(t, db, "e")
		page := people(0, 2*rowChunk+7, 1)
		again := person(rowChunk)
		again.Name = "Again Renamed"
		page = append(page, again)
		if err := db.SaveUsers(ctx, "e", page, state); err != nil {
			t.Fatal(err)
		}
		checkTerms(t, db, "e")
		checkPostings(t, db, "e")
		for _, want := range page[:len(page)-1] {
			if want.ID == again.ID {
				want = again
			}
			u, err := db.FindUser(ctx, "e", want.ID)
			if err != nil || u.Email != want.Email || u.Name != want.Name {
				t.Fatalf("%s is saved as %q %q (%v), want %q %q", want.ID, u.Email, u.Name, err, want.Email, want.Name)
			}
		}
		if got, _ := db.SearchUsers(ctx, "e", "again ren", 5); !slices.Equal(ids(got), []string{again.ID}) {
			t.Errorf("the last version's name finds %v", ids(got))
		}
		if got, _ := db.SearchUsers(ctx, "e", fmt.Sprintf("given%d family", 2*rowChunk+6), 5); !slices.Equal(ids(got), []string{person(2*rowChunk + 6).ID}) {
			t.Errorf("the page's last user's name finds %v", ids(got))
		}
	}
}
