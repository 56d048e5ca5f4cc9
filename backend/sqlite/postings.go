package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/guiseapp/guise/backend/guise"
)

// Posting lists hold the search keys many users share (userTerms): the
// later words of names ("smith"), an organization (orgMark and its id), an
// email domain (domainMark and the domain). A list is rows of up to
// postingChunk rids, ascending, each row keyed by its first rid, so a page
// of new users (whose rids are past every list's end) costs a write per
// list it touches instead of an index row per user.
//
// Lists have two levels, like the terms: the main lists (user_postings)
// hold the rids up to the environment's folded rid (index_levels), the
// recent ones (user_postings_recent) the later rids. A pass appends to the
// recent lists, short and packed on few pages, and its end folds them into
// the main lists with one write per list (foldPostings).
const (
	postingChunk = 64
	orgMark      = "#"
	domainMark   = "@"
)

// postings maps a list to rids to put in it or take out of it.
type postings map[string][]int64

func (p postings) put(term string, rid int64) { p[term] = append(p[term], rid) }

func encodeRids(rids []int64) string {
	b := make([]byte, 0, len(rids)*8)
	for i, r := range rids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, r, 10)
	}
	return string(b)
}

func decodeRids(s string) []int64 {
	out := make([]int64, 0, strings.Count(s, ",")+1)
	for f := range strings.SplitSeq(s, ",") {
		if r, err := strconv.ParseInt(f, 10, 64); err == nil {
			out = append(out, r)
		}
	}
	return out
}

func sortedTerms(p postings) []string {
	terms := make([]string, 0, len(p))
	for t := range p {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	return terms
}

// postingTables are the levels of the posting lists: main, then recent.
var postingTables = [...]string{"user_postings", "user_postings_recent"}

// foldedRid is the rid up to which env's list entries are in the main lists.
func foldedRid(ctx context.Context, tx *sql.Tx, env string) (int64, error) {
	var folded int64
	err := tx.QueryRowContext(ctx, "SELECT folded FROM index_levels WHERE env = ?", env).Scan(&folded)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // never folded: every entry is recent
	}
	return folded, err
}

// byLevel splits p into the entries of the main lists (rids up to folded)
// and those of the recent ones.
func byLevel(p postings, folded int64) [len(postingTables)]postings {
	out := [len(postingTables)]postings{{}, {}}
	for t, rids := range p {
		for _, r := range rids {
			level := 0
			if r > folded {
				level = 1
			}
			out[level].put(t, r)
		}
	}
	return out
}

// addPostings puts rids on env's lists, each in its level (folded is
// foldedRid's).
func (d *DB) addPostings(ctx context.Context, tx *sql.Tx, env string, folded int64, add postings) error {
	for i, p := range byLevel(add, folded) {
		if err := d.putPostings(ctx, tx, postingTables[i], env, p); err != nil {
			return err
		}
	}
	return nil
}

// putPostings puts rids on table's lists. Rids past a list's end (new
// users, the common case) fill its last row and then new rows; a rid inside
// the list goes into the row that covers it.
func (d *DB) putPostings(ctx context.Context, tx *sql.Tx, table, env string, add postings) error {
	if len(add) == 0 {
		return nil
	}
	terms := sortedTerms(add)
	last, err := lastPostingRows(ctx, tx, table, env, terms)
	if err != nil {
		return err
	}
	rows := d.newBatch(ctx, tx, "INSERT INTO "+table+" (env, term, first, rids) VALUES ", 4,
		" ON CONFLICT (env, term, first) DO UPDATE SET rids = excluded.rids")
	for _, t := range terms {
		rids := slices.Compact(slices.Sorted(slices.Values(add[t])))
		cur, ok := last[t]
		if ok && rids[0] <= cur[len(cur)-1] {
			if err := editPostings(ctx, tx, table, env, t, rids, nil); err != nil {
				return err
			}
			continue
		}
		fresh := false // cur holds rids not written yet
		for _, r := range rids {
			if len(cur) >= postingChunk {
				if fresh {
					rows.add(env, t, cur[0], encodeRids(cur))
				}
				cur, fresh = make([]int64, 0, postingChunk), false
			}
			cur, fresh = append(cur, r), true
		}
		rows.add(env, t, cur[0], encodeRids(cur))
	}
	return rows.flush()
}

// foldChunk is how many rows of recent lists a fold reads at a time.
const foldChunk = 2000

// foldPostings appends env's recent lists to its main lists (their rids
// are all later), empties the recent level and moves the folded rid to the
// newest user.
func (d *DB) foldPostings(ctx context.Context, tx *sql.Tx, env string) error {
	indexed, err := hasRows(ctx, tx, postingTables[0], env)
	if err != nil {
		return err
	}
	if !indexed { // a first pass: the recent rows are the lists as they are
		// OR IGNORE (nothing can conflict) spares the statement a journal,
		// which temp_store(MEMORY) would hold in memory: 50 MB at a million users.
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO user_postings SELECT env, term, first, rids FROM user_postings_recent WHERE env = ? ORDER BY term, first", env); err != nil {
			return err
		}
	}
	for term, first := "", int64(-1); indexed; {
		rows, err := tx.QueryContext(ctx, "SELECT term, first, rids FROM user_postings_recent WHERE env = ? AND (term, first) > (?, ?) ORDER BY term, first LIMIT ?",
			env, term, first, foldChunk)
		if err != nil {
			return err
		}
		chunk, n := postings{}, 0
		for rows.Next() {
			var rids string
			if err := rows.Scan(&term, &first, &rids); err != nil {
				rows.Close()
				return err
			}
			chunk[term] = append(chunk[term], decodeRids(rids)...)
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := d.putPostings(ctx, tx, postingTables[0], env, chunk); err != nil {
			return err
		}
		if n < foldChunk {
			break
		}
	}
	if err := clearEnv(ctx, tx, "user_postings_recent", env); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO index_levels (env, folded) VALUES (?, (SELECT coalesce(max(rid), 0) FROM users))
		ON CONFLICT (env) DO UPDATE SET folded = excluded.folded`, env)
	return err
}

// lastPostingRows reads the last row of each of table's lists, a statement
// per lookupBatch lists.
func lastPostingRows(ctx context.Context, tx *sql.Tx, table, env string, terms []string) (map[string][]int64, error) {
	out := make(map[string][]int64, len(terms))
	for part := range slices.Chunk(terms, lookupBatch) {
		args := envArgs(env, part)
		// A subquery per list, each one seek to the list's end.
		rows, err := tx.QueryContext(ctx, "SELECT v.column1, (SELECT rids FROM "+table+" WHERE env = ?1 AND term = v.column1 ORDER BY first DESC LIMIT 1)"+
			" FROM (VALUES (?)"+strings.Repeat(",(?)", len(part)-1)+") v", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var t string
			var rids sql.NullString
			if err := rows.Scan(&t, &rids); err != nil {
				rows.Close()
				return nil, err
			}
			if r := decodeRids(rids.String); rids.Valid && len(r) > 0 {
				out[t] = r
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// removePostings takes rids off env's lists, each from its level (folded
// is foldedRid's).
func removePostings(ctx context.Context, tx *sql.Tx, env string, folded int64, del postings) error {
	for i, p := range byLevel(del, folded) {
		for _, t := range sortedTerms(p) {
			if err := editPostings(ctx, tx, postingTables[i], env, t, nil, p[t]); err != nil {
				return err
			}
		}
	}
	return nil
}

// editPostings adds and removes rids of one list by rewriting the rows that
// cover them: the row with the greatest first not past the rid, or the
// list's first row for a rid before it. Rows stay sorted and disjoint.
func editPostings(ctx context.Context, tx *sql.Tx, table, env, term string, add, del []int64) error {
	rows := map[int64][]int64{} // the rows changed, by their first rid as stored
	var orphans []int64         // rids added to a list that has no row yet
	cover := func(rid int64) (int64, bool, error) {
		var first int64
		var rids string
		err := tx.QueryRowContext(ctx, "SELECT first, rids FROM "+table+" WHERE env = ? AND term = ? AND first <= ? ORDER BY first DESC LIMIT 1",
			env, term, rid).Scan(&first, &rids)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, "SELECT first, rids FROM "+table+" WHERE env = ? AND term = ? ORDER BY first LIMIT 1",
				env, term).Scan(&first, &rids)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		if _, ok := rows[first]; !ok {
			rows[first] = decodeRids(rids)
		}
		return first, true, nil
	}
	for _, r := range add {
		first, ok, err := cover(r)
		if err != nil {
			return err
		}
		if !ok {
			orphans = append(orphans, r)
			continue
		}
		if i, found := slices.BinarySearch(rows[first], r); !found {
			rows[first] = slices.Insert(rows[first], i, r)
		}
	}
	for _, r := range del {
		first, ok, err := cover(r)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if i, found := slices.BinarySearch(rows[first], r); found {
			rows[first] = slices.Delete(rows[first], i, i+1)
		}
	}
	// Delete every changed row before writing its pieces: a piece may keep
	// the first rid its row had.
	for first := range rows {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE env = ? AND term = ? AND first = ?", env, term, first); err != nil {
			return err
		}
	}
	pieces := [][]int64{slices.Compact(slices.Sorted(slices.Values(orphans)))}
	for _, rids := range rows {
		pieces = append(pieces, rids)
	}
	for _, rids := range pieces {
		for len(rids) > 0 {
			n := min(len(rids), postingChunk)
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (env, term, first, rids) VALUES (?, ?, ?, ?)",
				env, term, rids[0], encodeRids(rids[:n])); err != nil {
				return err
			}
			rids = rids[n:]
		}
	}
	return nil
}

// hitRef is a user (by rid) found through a term.
type hitRef struct {
	term string
	rid  int64
}

// listRows selects the rows (term, first, rids) of both levels of lists
// that match cond (numbered parameters), in term then rid order.
func listRows(cond string) string {
	return "SELECT term, first, rids FROM user_postings WHERE " + cond +
		" UNION ALL SELECT term, first, rids FROM user_postings_recent WHERE " + cond + " ORDER BY 1, 2"
}

// postingRefs reads up to n users (distinct rids) from the posting rows a
// query selects (term, first, rids; see listRows), in its order.
func (d *DB) postingRefs(ctx context.Context, n int, query string, args ...any) ([]hitRef, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal(err, "searching users")
	}
	defer rows.Close()
	var out []hitRef
	seen := map[int64]bool{}
	for len(out) < n && rows.Next() {
		var term, rids string
		var first int64
		if err := rows.Scan(&term, &first, &rids); err != nil {
			return nil, internal(err, "searching users")
		}
		for _, r := range decodeRids(rids) {
			if len(out) < n && !seen[r] {
				seen[r] = true
				out = append(out, hitRef{term, r})
			}
		}
	}
	return out, internal(rows.Err(), "searching users")
}

// termRefs finds up to n users of env with a term or a list starting with
// prefix, in term then rid order: user_terms and the posting lists merged.
func (d *DB) termRefs(ctx context.Context, env, prefix string, n int) ([]hitRef, error) {
	own, err := d.ownRefs(ctx, env, prefix, prefixEnd(prefix), n)
	if err != nil {
		return nil, err
	}
	shared, err := d.postingRefs(ctx, n, listRows("env = ?1 AND term >= ?2 AND term < ?3"), env, prefix, prefixEnd(prefix))
	if err != nil {
		return nil, err
	}
	all := append(own, shared...)
	slices.SortStableFunc(all, func(a, b hitRef) int {
		if c := strings.Compare(a.term, b.term); c != 0 {
			return c
		}
		return cmp.Compare(a.rid, b.rid)
	})
	seen := map[int64]bool{}
	out := all[:0]
	for _, h := range all {
		if len(out) < n && !seen[h.rid] {
			seen[h.rid] = true
			out = append(out, h)
		}
	}
	return out, nil
}

func refRids(refs []hitRef) []int64 {
	out := make([]int64, len(refs))
	for i, h := range refs {
		out[i] = h.rid
	}
	return out
}

// reindexMark is the setting a migration leaves when the index must be
// rebuilt from the users (Go computes the terms, SQL cannot).
const reindexMark = "sqlite/reindex"

// reindexIfMarked rebuilds every environment's terms and posting lists from
// its users when a migration asked for it, and clears the mark with them.
// It looks for the mark before taking the write lock, as migrate reads the
// version first: opening an up-to-date cache must not wait for a sync.
func (d *DB) reindexIfMarked(ctx context.Context) error {
	var marked bool
	if err := d.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM settings WHERE key = ?)", reindexMark).Scan(&marked); err != nil || !marked {
		return err
	}
	return d.write(ctx, func(tx *sql.Tx) error {
		// The DELETE's count, not the read above, decides: another process
		// may have rebuilt the index while this one waited for the lock.
		res, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", reindexMark)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		for _, table := range append(indexTables, "index_levels") {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				return err
			}
		}
		var envs []string
		rows, err := tx.QueryContext(ctx, "SELECT DISTINCT env FROM users")
		if err != nil {
			return err
		}
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				rows.Close()
				return err
			}
			envs = append(envs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, env := range envs {
			if err := d.reindexEnv(ctx, tx, env); err != nil {
				return err
			}
		}
		return nil
	})
}

// reindexEnv stages the terms of env's users and fills their posting lists,
// 10,000 users at a time, then settles them as a full pass's end does.
func (d *DB) reindexEnv(ctx context.Context, tx *sql.Tx, env string) error {
	folded, err := foldedRid(ctx, tx, env)
	if err != nil {
		return err
	}
	for after := int64(-1); ; {
		page, err := queryStored(ctx, tx, "env = ? AND rid > ? ORDER BY rid LIMIT 10000", env, after)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return d.settle(ctx, tx, env)
		}
		stage := d.newBatch(ctx, tx, "INSERT INTO user_terms_stage (env, rid, terms) VALUES ", 3, "")
		lists := postings{}
		for _, r := range page {
			terms, shared := userTerms(r.name, r.email, decodeOrgs(r.orgs))
			stage.add(env, r.rid, packTerms(terms))
			for _, t := range shared {
				lists.put(t, r.rid)
			}
		}
		if err := stage.flush(); err != nil {
			return err
		}
		if err := d.addPostings(ctx, tx, env, folded, lists); err != nil {
			return err
		}
		after = page[len(page)-1].rid
	}
}

// decodeOrgs reads a user's orgs column; a damaged value reads as none.
func decodeOrgs(s string) []guise.Org {
	var orgs []guise.Org
	if json.Unmarshal([]byte(s), &orgs) != nil || orgs == nil {
		return []guise.Org{}
	}
	return orgs
}
