package sqlite

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// keys are what a cached user is found by (userTerms).
type keys struct{ terms, lists []string }

// cachedKeys computes the keys of env's cached users, by rid.
func cachedKeys(t *testing.T, db *DB, env string) map[int64]keys {
	t.Helper()
	rows, err := db.db.Query("SELECT rid, email, name, orgs FROM users WHERE env = ?", env)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]keys{}
	for rows.Next() {
		var rid int64
		var email, name, orgs string
		if err := rows.Scan(&rid, &email, &name, &orgs); err != nil {
			t.Fatal(err)
		}
		terms, lists := userTerms(name, email, decodeOrgs(orgs))
		out[rid] = keys{terms, lists}
	}
	return out
}

// checkPostings compares env's posting lists with the lists its users
// should be on (userTerms of each cached user), and checks the rows' shape:
// each keyed by its first rid, ascending, at most postingChunk long, a
// list's rows disjoint and in order, main rows up to the folded rid and
// recent rows past it.
func checkPostings(t *testing.T, db *DB, env string) {
	t.Helper()
	want := map[string][]int64{}
	for rid, k := range cachedKeys(t, db, env) {
		for _, l := range k.lists {
			want[l] = append(want[l], rid)
		}
	}
	for _, rids := range want {
		slices.Sort(rids)
	}

	var folded int64
	db.db.QueryRow("SELECT folded FROM index_levels WHERE env = ?", env).Scan(&folded)
	got := map[string][]int64{}
	for level, table := range postingTables {
		rows, err := db.db.Query("SELECT term, first, rids FROM "+table+" WHERE env = ? ORDER BY term, first", env)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var term, rids string
			var first int64
			if err := rows.Scan(&term, &first, &rids); err != nil {
				t.Fatal(err)
			}
			r := decodeRids(rids)
			switch {
			case len(r) == 0 || len(r) > postingChunk:
				t.Errorf("%s: %s row %d holds %d rids", table, term, first, len(r))
			case r[0] != first:
				t.Errorf("%s: %s row %d starts at %d", table, term, first, r[0])
			case !slices.IsSorted(r) || len(slices.Compact(slices.Clone(r))) != len(r):
				t.Errorf("%s: %s row %d is not ascending: %v", table, term, first, r)
			case len(got[term]) > 0 && got[term][len(got[term])-1] >= first:
				t.Errorf("%s: %s row %d overlaps the row before", table, term, first)
			case level == 0 && r[len(r)-1] > folded, level == 1 && first <= folded:
				t.Errorf("%s: %s row %d is on the wrong side of the folded rid %d: %v", table, term, first, folded, r)
			}
			got[term] = append(got[term], r...)
		}
		rows.Close()
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if !slices.Equal(got[k], want[k]) {
				t.Errorf("list %s = %v, want %v", k, got[k], want[k])
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("list %s = %v, want none", k, got[k])
			}
		}
	}
}

func member(i int, org string) guise.User {
	return guise.User{ID: fmt.Sprintf("m%03d", i), Email: fmt.Sprintf("m%d@acme.test", i), Name: fmt.Sprintf("Member %d Jones", i),
		Orgs: []guise.Org{{ID: org, Name: strings.ToUpper(org) + " Team"}}}
}

// Lists longer than a row grow page by page, and stay exact when users
// change domain or organization, join a list in its middle, or are swept.
func TestPostingListsStayExactThroughPagesUpdatesAndSweeps(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	addEnv(t, db, "e")
	var all []guise.User
	for i := range 300 {
		all = append(all, member(i, "o1"))
	}
	// A full pass in pages of 70 (past a row's 64), then its last page.
	for from := 0; from < len(all); from += 70 {
		page := all[from:min(from+70, len(all))]
		cursor := "more"
		if from+70 >= len(all) {
			cursor = ""
		}
		if err := db.SaveUsers(ctx, "e", page, guise.SyncState{Gen: 1, Cursor: cursor}); err != nil {
			t.Fatal(err)
		}
		checkPostings(t, db, "e")
	}
	var rowsOfO1 int
	db.db.QueryRow("SELECT count(*) FROM user_postings WHERE env = 'e' AND term = '#o1'").Scan(&rowsOfO1)
	if rowsOfO1 != 5 { // 300 users, 64 a row
		t.Errorf("org o1 takes %d rows, want 5", rowsOfO1)
	}

	// Incremental changes: a move to another domain and org, a second org
	// whose list lies after the user (a join in the middle), a rename.
	now := time.Now()
	moved := member(10, "o2")
	moved.Email = "m10@globex.test"
	both := member(5, "o1")
	both.Orgs = append(both.Orgs, guise.Org{ID: "o2", Name: "O2 Team"})
	renamed := member(200, "o1")
	renamed.Name = "Member Two Hundred Smith"
	if err := db.SaveUsers(ctx, "e", []guise.User{moved, member(299, "o2")}, guise.SyncState{Gen: 1, RunSince: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveUsers(ctx, "e", []guise.User{both, renamed}, guise.SyncState{Gen: 1, RunSince: now}); err != nil {
		t.Fatal(err)
	}
	checkPostings(t, db, "e")
	search := func(q string) []string {
		got, err := db.SearchUsers(ctx, "e", q, 500)
		if err != nil {
			t.Fatal(err)
		}
		return ids(got)
	}
	if got := search("globex.test"); !slices.Equal(got, []string{"m010"}) {
		t.Errorf("domain globex.test finds %v", got)
	}
	if got := search("o2 team"); !slices.Equal(got, []string{"m005", "m010", "m299"}) {
		t.Errorf("org O2 Team finds %v", got)
	}
	if got := search("acme.test"); len(got) != 299 || slices.Contains(got, "m010") {
		t.Errorf("domain acme.test finds %d users (m010 among them: %v)", len(got), slices.Contains(got, "m010"))
	}
	if got := search("smith"); !slices.Equal(got, []string{"m200"}) {
		t.Errorf("a surname after a rename finds %v", got)
	}

	// A second full pass that sees only the first hundred sweeps the rest.
	if err := db.SaveUsers(ctx, "e", all[:100], guise.SyncState{Gen: 2}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.SweepUsers(ctx, "e", 2); err != nil || n != 200 {
		t.Fatalf("swept %d, %v", n, err)
	}
	checkPostings(t, db, "e")
	checkTerms(t, db, "e")
	if got := search("o2 team"); len(got) != 0 {
		t.Errorf("org O2 Team after the sweep finds %v", got)
	}
	if got := search("jones"); len(got) != 100 {
		t.Errorf("surname jones after the sweep finds %d users", len(got))
	}
}

// A damaged list entry (a rid of another user) shows nobody who does not
// match: the search checks what the list claims.
func TestSearchIgnoresListEntriesThatDoNotMatch(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	addEnv(t, db, "e")
	if err := db.SaveUsers(ctx, "e", []guise.User{member(1, "o1"), {ID: "x", Email: "x@other.test", Name: "Xavier"}}, guise.SyncState{}); err != nil {
		t.Fatal(err)
	}
	var stranger int64
	db.db.QueryRow("SELECT rid FROM users WHERE id = 'x'").Scan(&stranger)
	if _, err := db.db.Exec("UPDATE user_postings SET rids = rids || ',' || ? WHERE term IN ('#o1', '@acme.test')", stranger); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"acme.test", "o1 team"} {
		if got, _ := db.SearchUsers(ctx, "e", q, 10); !slices.Equal(ids(got), []string{"m001"}) {
			t.Errorf("%q finds %v", q, ids(got))
		}
	}
}

// A cache written at version 8 (memberships, the domain and the whole local
// part as terms) is rebuilt on open: organizations move into the users,
// domains and organizations into posting lists, and the mark goes.
func TestUpgradeToV9RebuildsTheIndex(t *testing.T) {
	ctx := context.Background()
	p := atVersion(t, 8,
		`INSERT INTO environments (name, provider, created_at) VALUES ('old', 'demo', '2026-01-01T00:00:00.000000000Z')`,
		`INSERT INTO users (rid, env, id, email, name) VALUES (1, 'old', 'u1', 'al.lee@acme.test', 'Ann Lee'), (2, 'old', 'u2', 'bo.wu@globex.test', '')`,
		`INSERT INTO user_terms (env, term, rid) VALUES ('old', '=al.lee@acme.test', 1), ('old', 'ann lee', 1), ('old', 'lee', 1), ('old', 'al lee', 1), ('old', '@acme.test', 1),
			('old', '=bo.wu@globex.test', 2), ('old', 'bo wu', 2), ('old', 'wu', 2), ('old', '@globex.test', 2)`,
		`INSERT INTO organizations (env, id, name) VALUES ('old', 'o1', 'Zeta Labs'), ('old', 'o2', 'Acme Robotics')`,
		`INSERT INTO memberships (env, user_id, org_id, org_name, role) VALUES ('old', 'u1', 'o1', 'Zeta Labs', 'admin'), ('old', 'u1', 'o2', 'Acme Robotics', '')`)
	db, err := Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkPostings(t, db, "old")
	checkTerms(t, db, "old")
	u, err := db.FindUser(ctx, "old", "al.lee@acme.test")
	if err != nil || !slices.Equal([]guise.Org{{ID: "o2", Name: "Acme Robotics"}, {ID: "o1", Name: "Zeta Labs", Role: "admin"}}, u.Orgs) {
		t.Fatalf("organizations after the upgrade: %+v %v", u.Orgs, err)
	}
	cases := map[string][]string{"zeta": {"u1"}, "globex.test": {"u2"}, "lee": {"u1"}, "bo wu": {"u2"}, "ann": {"u1"}, "al.l": {"u1"}, "al lee": {"u1"}}
	for q, want := range cases {
		if got, _ := db.SearchUsers(ctx, "old", q, 10); !slices.Equal(ids(got), want) {
			t.Errorf("%q after the upgrade finds %v, want %v", q, ids(got), want)
		}
	}
	if got := termRows(t, db, "old"); !slices.Contains(got, "ann lee|u1") || slices.Contains(got, "al lee|u1") || slices.Contains(got, "@acme.test|u1") {
		t.Errorf("terms after the upgrade: %v", got)
	}
	var marks int
	db.db.QueryRow("SELECT count(*) FROM settings WHERE key = ?", reindexMark).Scan(&marks)
	if marks != 0 {
		t.Error("the reindex mark stays after the rebuild")
	}
}
