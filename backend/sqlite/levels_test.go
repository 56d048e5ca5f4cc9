package sqlite

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// checkTerms compares env's terms with the terms its users should have
// (userTerms of each cached user), and checks that no term is in both
// levels of the index and that index_levels counts each level right.
func checkTerms(t *testing.T, db *DB, env string) {
	t.Helper()
	want := map[string]bool{}
	for rid, k := range cachedKeys(t, db, env) {
		for _, term := range k.terms {
			want[fmt.Sprintf("%s|%d", term, rid)] = true
		}
	}
	got := map[string]bool{}
	var counted [len(termTables)]int
	db.db.QueryRow("SELECT terms, recent FROM index_levels WHERE env = ?", env).Scan(&counted[0], &counted[1])
	for i, table := range termTables {
		n := 0
		rows, err := db.db.Query("SELECT term, rid FROM "+table+" WHERE env = ?", env)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var term string
			var rid int64
			if err := rows.Scan(&term, &rid); err != nil {
				t.Fatal(err)
			}
			k := fmt.Sprintf("%s|%d", term, rid)
			if got[k] {
				t.Errorf("%s is in both levels", k)
			}
			got[k] = true
			n++
		}
		rows.Close()
		if n != counted[i] {
			t.Errorf("%s holds %d terms, index_levels says %d", table, n, counted[i])
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("terms:\n%v\nwant:\n%v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
}

// levelSizes counts env's terms in the main and the recent level.
func levelSizes(t *testing.T, db *DB, env string) (main, recent int) {
	t.Helper()
	if err := db.db.QueryRow("SELECT (SELECT count(*) FROM user_terms WHERE env = ?1), (SELECT count(*) FROM user_terms_recent WHERE env = ?1)",
		env).Scan(&main, &recent); err != nil {
		t.Fatal(err)
	}
	return main, recent
}

// person i has the email a<i>@x.test: even and odd people sort together.
func person(i int) guise.User {
	return guise.User{ID: fmt.Sprintf("p%04d", i), Email: fmt.Sprintf("a%04d@x.test", i), Name: fmt.Sprintf("Given%d Family%d", i, i)}
}

func people(from, to, step int) []guise.User {
	var out []guise.User
	for i := from; i < to; i += step {
		out = append(out, person(i))
	}
	return out
}

// Terms added after the main index was built go to the recent level, are
// found at once beside the main ones, in order, and fold into the main
// index at the end of the pass after the one that makes them a quarter of
// its size.
func TestRecentTermsAreSearchableAndFoldIntoTheMainIndex(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	addEnv(t, db, "e")
	save := func(users []guise.User, state guise.SyncState) {
		t.Helper()
		if err := db.SaveUsers(ctx, "e", users, state); err != nil {
			t.Fatal(err)
		}
		checkTerms(t, db, "e")
	}
	search := func(q string, limit int) []string {
		t.Helper()
		got, err := db.SearchUsers(ctx, "e", q, limit)
		if err != nil {
			t.Fatal(err)
		}
		return ids(got)
	}
	levelsAre := func(main, recent int) {
		t.Helper()
		if m, r := levelSizes(t, db, "e"); m != main || r != recent {
			t.Errorf("levels hold %d main and %d recent terms, want %d and %d", m, r, main, recent)
		}
	}

	// 200 people (even numbers) in a first full pass: into the empty main index.
	save(people(0, 400, 2), guise.SyncState{Gen: 1})
	levelsAre(400, 0)
	// 20 more in an incremental pass, 10 in a full one (staged): recent.
	save(people(1, 41, 2), guise.SyncState{Gen: 1, RunSince: time.Now()})
	levelsAre(400, 40)
	save(people(41, 61, 2), guise.SyncState{Gen: 1})
	levelsAre(400, 60)

	if got, want := search("", 10), []string{"p0000", "p0001", "p0002", "p0003", "p0004", "p0005", "p0006", "p0007", "p0008", "p0009"}; !slices.Equal(got, want) {
		t.Errorf("the empty query lists %v, want %v (both levels by email)", got, want)
	}
	if got, want := search("a005", 20), []string{"p0050", "p0051", "p0052", "p0053", "p0054", "p0055", "p0056", "p0057", "p0058", "p0059"}; !slices.Equal(got, want) {
		t.Errorf("email prefix a005 finds %v, want %v", got, want)
	}
	if got := search("a0057@x.test", 5); len(got) == 0 || got[0] != "p0057" {
		t.Errorf("a recent user's exact email finds %v", got)
	}
	if u, err := db.FindUser(ctx, "e", "A0033@x.test"); err != nil || u.ID != "p0033" {
		t.Errorf("FindUser by a recent user's email: %q %v", u.ID, err)
	}
	if got := search("given33 fam", 5); !slices.Equal(got, []string{"p0033"}) {
		t.Errorf("a recent user's name finds %v", got)
	}
	if got := search("given5", 20); !slices.Equal(got, []string{"p0005", "p0050", "p0051", "p0052", "p0053", "p0054", "p0055", "p0056", "p0057", "p0058", "p0059"}) {
		t.Errorf("a name prefix over both levels finds %v", got)
	}
	if got := search("a0005 given5", 5); !slices.Equal(got, []string{"p0005"}) {
		t.Errorf("all words of a recent user find %v", got)
	}

	// Renames leave no term behind, in either level.
	renamed, moved := person(10), person(11)
	renamed.Name, moved.Email = "Renamed Main", "zz11@x.test"
	save([]guise.User{renamed, moved}, guise.SyncState{Gen: 1, RunSince: time.Now()})
	levelsAre(399, 61)
	if got := search("given10 family10", 50); slices.Contains(got, "p0010") {
		t.Errorf("the old name of a renamed user finds %v", got)
	}
	if got := search("renamed", 5); !slices.Equal(got, []string{"p0010"}) {
		t.Errorf("the new name finds %v", got)
	}
	if got := search("a0011@", 5); len(got) != 0 {
		t.Errorf("the old email of a moved user finds %v", got)
	}

	// A full pass that misses a main user and a recent one sweeps both.
	seen := slices.DeleteFunc(append(people(0, 61, 1), people(62, 400, 2)...), func(u guise.User) bool { return u.ID == "p0012" || u.ID == "p0013" })
	seen[slices.IndexFunc(seen, func(u guise.User) bool { return u.ID == "p0010" })] = renamed
	seen[slices.IndexFunc(seen, func(u guise.User) bool { return u.ID == "p0011" })] = moved
	save(seen, guise.SyncState{Gen: 2})
	if n, err := db.SweepUsers(ctx, "e", 2); err != nil || n != 2 {
		t.Fatalf("swept %d, %v", n, err)
	}
	checkTerms(t, db, "e")
	levelsAre(397, 59)

	// 40 more new users: their 80 staged terms go to the recent level,
	// which is now more than a quarter of the main index's 397 terms.
	save(people(61, 141, 2), guise.SyncState{Gen: 2})
	levelsAre(397, 139)
	// So the next pass folds it in, and its own staged terms go straight
	// to the main index.
	save(people(141, 161, 2), guise.SyncState{Gen: 2})
	levelsAre(556, 0)
	if got := search("a0012", 5); len(got) != 0 {
		t.Errorf("a swept user is found: %v", got)
	}
	if got := search("given159 fam", 5); !slices.Equal(got, []string{"p0159"}) {
		t.Errorf("a user of the folding pass finds %v", got)
	}
	all, err := db.SearchUsers(ctx, "e", "", 500)
	if err != nil {
		t.Fatal(err)
	}
	emails := make([]string, len(all))
	for i, u := range all {
		emails[i] = u.Email
	}
	if len(all) != 278 || !slices.IsSorted(emails) || emails[277] != "zz11@x.test" {
		t.Errorf("after the fold the empty query lists %d users, by email: %v", len(all), slices.IsSorted(emails))
	}
}

// List entries of users newer than the last fold go to the recent lists,
// are found beside the main ones, can change there mid-pass, and the end
// of the pass appends them to the main lists, filling their last rows.
func TestRecentListEntriesFoldIntoTheMainListsAtTheEndOfAPass(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	addEnv(t, db, "e")
	save := func(users []guise.User, cursor string) {
		t.Helper()
		if err := db.SaveUsers(ctx, "e", users, guise.SyncState{Gen: 1, Cursor: cursor, RunSince: time.Now()}); err != nil {
			t.Fatal(err)
		}
		checkPostings(t, db, "e")
	}
	search := func(q string) []string {
		t.Helper()
		got, err := db.SearchUsers(ctx, "e", q, 500)
		if err != nil {
			t.Fatal(err)
		}
		return ids(got)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var first []guise.User
	for i := range 100 {
		first = append(first, member(i, "o1"))
	}
	save(first, "")
	if n := count("SELECT count(*) FROM user_postings_recent"); n != 0 {
		t.Errorf("%d recent rows after a whole pass", n)
	}

	// A pass in three pages: new members (recent), a main member moving
	// to a new organization (main), then changes to recent entries.
	moved := member(7, "o2")
	var news []guise.User
	for i := 100; i < 110; i++ {
		news = append(news, member(i, "o1"))
	}
	save(append(news, moved, member(110, "o2")), "p1")
	if n := count("SELECT count(*) FROM user_postings_recent WHERE term IN ('#o1', '#o2', 'jones')"); n != 3 {
		t.Errorf("mid-pass, %d recent rows for o1, o2 and jones, want 3", n)
	}
	if got := search("o2 team"); !slices.Equal(got, []string{"m007", "m110"}) {
		t.Errorf("mid-pass, o2 finds %v (a main entry, then a recent one)", got)
	}
	if got := search("o1 team"); len(got) != 109 || slices.Contains(got, "m007") || got[108] != "m109" {
		t.Errorf("mid-pass, o1 finds %d users: %v", len(got), got)
	}
	renamed, joined := member(105, "o1"), member(110, "o2")
	renamed.Name = "Member 105 Smith"
	joined.Orgs = append(joined.Orgs, guise.Org{ID: "o1", Name: "O1 Team"})
	save([]guise.User{renamed, joined}, "p2")
	if got := search("smith"); !slices.Equal(got, []string{"m105"}) {
		t.Errorf("mid-pass, a renamed recent user: smith finds %v", got)
	}
	save([]guise.User{member(111, "o1")}, "")
	if n := count("SELECT count(*) FROM user_postings_recent"); n != 0 {
		t.Errorf("%d recent rows after the pass", n)
	}
	if n := count("SELECT count(*) FROM user_postings WHERE term = '#o1'"); n != 2 {
		t.Errorf("o1's 111 members take %d rows, want 2: the fold fills the last row", n)
	}
	if got := search("o1 team"); len(got) != 111 || slices.Contains(got, "m007") || !slices.Contains(got, "m110") {
		t.Errorf("after the fold, o1 finds %d users", len(got))
	}
	if got := search("jones"); len(got) != 111 || slices.Contains(got, "m105") {
		t.Errorf("after the fold, jones finds %d users", len(got))
	}
}

// A version 9 cache has every list entry in the main lists: the upgrade
// folds at its newest user, so changes to those entries find them there.
func TestUpgradeToV10KeepsTheListsInTheMainLevel(t *testing.T) {
	ctx := context.Background()
	p := atVersion(t, 9,
		`DELETE FROM settings WHERE key = 'sqlite/reindex'`, // the index below is what version 9 built
		`INSERT INTO environments (name, provider, created_at) VALUES ('old', 'demo', '2026-01-01T00:00:00.000000000Z')`,
		`INSERT INTO users (rid, env, id, email, name) VALUES (1, 'old', 'u1', 'al@acme.test', 'Al Lee'), (2, 'old', 'u2', 'bo@acme.test', 'Bo Lee')`,
		`INSERT INTO user_terms (env, term, rid) VALUES ('old', '=al@acme.test', 1), ('old', 'al lee', 1), ('old', '=bo@acme.test', 2), ('old', 'bo lee', 2)`,
		`INSERT INTO user_postings (env, term, first, rids) VALUES ('old', '@acme.test', 1, '1,2'), ('old', 'lee', 1, '1,2')`)
	db, err := Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkPostings(t, db, "old")
	moved := guise.User{ID: "u1", Email: "al@globex.test", Name: "Al Lee"}
	if err := db.SaveUsers(ctx, "old", []guise.User{moved, {ID: "u3", Email: "cy@acme.test", Name: "Cy Lee"}}, guise.SyncState{Gen: 1, RunSince: time.Now()}); err != nil {
		t.Fatal(err)
	}
	checkPostings(t, db, "old")
	checkTerms(t, db, "old")
	got, err := db.SearchUsers(ctx, "old", "acme.test", 10)
	if err != nil || !slices.Equal(ids(got), []string{"u2", "u3"}) {
		t.Errorf("acme.test after the move finds %v %v", ids(got), err)
	}
}

// Settling one environment's levels leaves another's, mid-pass, alone.
func TestSettlingAnEnvironmentKeepsAnothersLevels(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	addEnv(t, db, "a")
	addEnv(t, db, "b")
	save := func(env string, users []guise.User, state guise.SyncState) {
		t.Helper()
		if err := db.SaveUsers(ctx, env, users, state); err != nil {
			t.Fatal(err)
		}
	}
	save("a", people(0, 20, 1), guise.SyncState{Gen: 1})
	save("a", people(20, 40, 1), guise.SyncState{Gen: 1})
	save("b", people(0, 20, 1), guise.SyncState{Gen: 1})
	// b mid-pass: a user staged by a full pass, one in the recent levels.
	save("b", people(20, 21, 1), guise.SyncState{Gen: 1, Cursor: "more"})
	save("b", people(21, 22, 1), guise.SyncState{Gen: 1, Cursor: "more", RunSince: time.Now()})
	// a's pass folds all its levels.
	if m, r := levelSizes(t, db, "a"); m != 40 || r != 40 {
		t.Errorf("before its fold, a holds %d main and %d recent terms, want 40 and 40", m, r)
	}
	save("a", people(40, 41, 1), guise.SyncState{Gen: 1})
	if m, r := levelSizes(t, db, "a"); m != 82 || r != 0 {
		t.Errorf("a holds %d main and %d recent terms, want 82 and 0", m, r)
	}
	checkTerms(t, db, "a")
	for _, env := range []string{"a", "b"} {
		checkPostings(t, db, env)
	}
	var staged int
	db.db.QueryRow("SELECT count(*) FROM user_terms_stage WHERE env = 'b'").Scan(&staged)
	if m, r := levelSizes(t, db, "b"); m != 40 || r != 2 || staged != 1 {
		t.Errorf("b holds %d main, %d recent and %d staged terms, want 40, 2 and 1", m, r, staged)
	}
	if got, _ := db.SearchUsers(ctx, "b", "given21 family", 5); !slices.Equal(ids(got), []string{"p0021"}) {
		t.Errorf("b's recent user finds %v", ids(got))
	}
	if got, _ := db.SearchUsers(ctx, "b", "family20", 5); !slices.Equal(ids(got), []string{"p0020"}) {
		t.Errorf("b's staged user finds %v by surname", ids(got))
	}
	save("b", nil, guise.SyncState{Gen: 1})
	checkTerms(t, db, "b")
	if got, _ := db.SearchUsers(ctx, "b", "given20 family", 5); !slices.Equal(ids(got), []string{"p0020"}) {
		t.Errorf("after b's pass, its staged user finds %v", ids(got))
	}
}
