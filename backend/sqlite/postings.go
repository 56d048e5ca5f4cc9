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

// addPostings puts rids on their lists. Rids past a list's end (new users,
// the common case) fill its last row and then new rows; a rid inside the
// list goes into the row that covers it.
func (d *DB) addPostings(ctx context.Context, tx *sql.Tx, env string, add postings) error {
	if len(add) == 0 {
		return nil
	}
	terms := sortedTerms(add)
	last, err := lastPostingRows(ctx, tx, env, terms)
	if err != nil {
		return err
	}
	rows := d.newBatch(ctx, tx, "INSERT INTO user_postings (env, term, first, rids) VALUES ", 4,
		" ON CONFLICT (env, term, first) DO UPDATE SET rids = excluded.rids")
	for _, t := range terms {
		rids := slices.Compact(slices.Sorted(slices.Values(add[t])))
		cur, ok := last[t]
		if ok && rids[0] <= cur[len(cur)-1] {
			if err := editPostings(ctx, tx, env, t, rids, nil); err != nil {
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

// lastPostingRows reads the last row of each list, a statement per 500 lists.
func lastPostingRows(ctx context.Context, tx *sql.Tx, env string, terms []string) (map[string][]int64, error) {
	out := make(map[string][]int64, len(terms))
	for from := 0; from < len(terms); from += 500 {
		part := terms[from:min(from+500, len(terms))]
		args := envArgs(env, part)
		// A subquery per list, each one seek to the list's end.
		rows, err := tx.QueryContext(ctx, "SELECT v.column1, (SELECT rids FROM user_postings WHERE env = ?1 AND term = v.column1 ORDER BY first DESC LIMIT 1)"+
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

// removePostings takes rids off their lists.
func removePostings(ctx context.Context, tx *sql.Tx, env string, del postings) error {
	for _, t := range sortedTerms(del) {
		if err := editPostings(ctx, tx, env, t, nil, del[t]); err != nil {
			return err
		}
	}
	return nil
}

// editPostings adds and removes rids of one list by rewriting the rows that
// cover them: the row with the greatest first not past the rid, or the
// list's first row for a rid before it. Rows stay sorted and disjoint.
func editPostings(ctx context.Context, tx *sql.Tx, env, term string, add, del []int64) error {
	rows := map[int64][]int64{} // the rows changed, by their first rid as stored
	var orphans []int64         // rids added to a list that has no row yet
	cover := func(rid int64) (int64, bool, error) {
		var first int64
		var rids string
		err := tx.QueryRowContext(ctx, "SELECT first, rids FROM user_postings WHERE env = ? AND term = ? AND first <= ? ORDER BY first DESC LIMIT 1",
			env, term, rid).Scan(&first, &rids)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, "SELECT first, rids FROM user_postings WHERE env = ? AND term = ? ORDER BY first LIMIT 1",
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
		if _, err := tx.ExecContext(ctx, "DELETE FROM user_postings WHERE env = ? AND term = ? AND first = ?", env, term, first); err != nil {
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
			if _, err := tx.ExecContext(ctx, "INSERT INTO user_postings (env, term, first, rids) VALUES (?, ?, ?, ?)",
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

// postingRefs reads up to n users (distinct rids) from the posting rows a
// query selects (term, rids), in its order.
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
		if err := rows.Scan(&term, &rids); err != nil {
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
	rows, err := d.db.QueryContext(ctx, "SELECT term, rid FROM user_terms WHERE env = ? AND term >= ? AND term < ? ORDER BY term, rid LIMIT ?",
		env, prefix, prefixEnd(prefix), n)
	if err != nil {
		return nil, internal(err, "searching users")
	}
	var own []hitRef
	for rows.Next() {
		var h hitRef
		if err := rows.Scan(&h.term, &h.rid); err != nil {
			rows.Close()
			return nil, internal(err, "searching users")
		}
		own = append(own, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal(err, "searching users")
	}
	shared, err := d.postingRefs(ctx, n, "SELECT term, rids FROM user_postings WHERE env = ? AND term >= ? AND term < ? ORDER BY term, first",
		env, prefix, prefixEnd(prefix))
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
func (d *DB) reindexIfMarked(ctx context.Context) error {
	return d.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", reindexMark)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		for _, q := range []string{"DELETE FROM user_terms", "DELETE FROM user_terms_stage", "DELETE FROM user_postings"} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
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
// 10,000 users at a time, then merges the stage as a full pass's end does.
func (d *DB) reindexEnv(ctx context.Context, tx *sql.Tx, env string) error {
	type row struct {
		rid               int64
		email, name, orgs string
	}
	for after := int64(-1); ; {
		rows, err := tx.QueryContext(ctx, "SELECT rid, email, name, orgs FROM users WHERE env = ? AND rid > ? ORDER BY rid LIMIT 10000", env, after)
		if err != nil {
			return err
		}
		var page []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.rid, &r.email, &r.name, &r.orgs); err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page) == 0 {
			return mergeStaged(ctx, tx, env)
		}
		stage := d.newBatch(ctx, tx, "INSERT INTO user_terms_stage (env, rid, terms) VALUES ", 3, "")
		lists := postings{}
		for _, r := range page {
			terms, shared := userTerms(r.name, r.email, decodeOrgs(r.orgs))
			packed, _ := json.Marshal(terms) // strings: cannot fail
			stage.add(env, r.rid, string(packed))
			for _, t := range shared {
				lists.put(t, r.rid)
			}
		}
		if err := stage.flush(); err != nil {
			return err
		}
		if err := d.addPostings(ctx, tx, env, lists); err != nil {
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
