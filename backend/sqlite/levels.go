package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// The terms index has two levels. user_terms, the main one, is big: terms
// added to it land all over its key range, so even a few rewrite nearly
// every page. New terms go to user_terms_recent, small, and the end of a
// sync pass folds it into the main index once it is a quarter of its size.
// index_levels counts both, with every write. Search reads both levels.

// termTables are the levels of the terms index: the main one, then the
// recent terms not folded into it yet (see settleTerms).
var termTables = [...]string{"user_terms", "user_terms_recent"}

// indexTables are every table of the search index, each keyed by env first.
var indexTables = []string{termTables[0], termTables[1], "user_terms_stage", postingTables[0], postingTables[1]}

// rowQuerier is a *sql.DB or a *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// hasRows reports whether table, keyed by env first, holds any of env's rows.
func hasRows(ctx context.Context, q rowQuerier, table, env string) (bool, error) {
	var some bool
	err := q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+" WHERE env = ?)", env).Scan(&some)
	return some, err
}

// goneTerms deletes (term, rid) pairs from both levels of env's index.
type goneTerms [len(termTables)]*batch

func (d *DB) goneTerms(ctx context.Context, tx *sql.Tx, env string) goneTerms {
	var g goneTerms
	for i, table := range termTables {
		g[i] = d.newBatch(ctx, tx, "DELETE FROM "+table+" WHERE env = ? AND (term, rid) IN (VALUES ", 2, ")")
		g[i].prefix = []any{env}
	}
	return g
}

func (g goneTerms) add(term string, rid int64) {
	for _, b := range g {
		b.add(term, rid)
	}
}

// unstage deletes, by rid, users' staged terms from env's stage.
func (d *DB) unstage(ctx context.Context, tx *sql.Tx, env string) *batch {
	b := d.newBatch(ctx, tx, "DELETE FROM user_terms_stage WHERE env = ? AND rid IN (VALUES ", 1, ")")
	b.prefix = []any{env}
	return b
}

// mergeChunk is how many users' staged terms one statement sorts: the sort
// holds them in memory (about 50 bytes a term), and smaller sorts are faster.
const mergeChunk = 100000

// levelRatio sets when the recent terms fold into the main index: once
// they are a quarter as many, so the main one takes them in sorted sweeps
// of a quarter of its size.
const levelRatio = 4

// countTerms adds to env's counts of terms in the main and recent levels
// (index_levels), kept with every write so that settling counts nothing.
func countTerms(ctx context.Context, tx *sql.Tx, env string, main, recent int64) error {
	if main == 0 && recent == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO index_levels (env, terms, recent) VALUES (?, ?, ?)
		ON CONFLICT (env) DO UPDATE SET terms = terms + excluded.terms, recent = recent + excluded.recent`, env, main, recent)
	return err
}

// settleTerms ends a pass: it merges env's staged terms into the recent
// level, or into the main index when that is empty or when the recent level
// has grown to a quarter of it: then the recent level folds into the main
// index too, and the stage skips a level it would leave again at once.
func settleTerms(ctx context.Context, tx *sql.Tx, env string) error {
	var main, recent int64
	err := tx.QueryRowContext(ctx, "SELECT terms, recent FROM index_levels WHERE env = ?", env).Scan(&main, &recent)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	fold := recent > 0 && levelRatio*recent >= main
	if fold {
		// The recent level is in term order already: the main index takes
		// it in one sweep.
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO user_terms (env, term, rid)
			SELECT env, term, rid FROM user_terms_recent WHERE env = ? ORDER BY term, rid`, env)
		if err != nil {
			return err
		}
		folded, _ := res.RowsAffected()
		if err := clearEnv(ctx, tx, "user_terms_recent", env); err != nil {
			return err
		}
		main, recent = main+folded, 0
	}
	toMain := main == 0 || fold
	into := termTables[1]
	if toMain {
		into = termTables[0]
	}
	n, err := mergeStaged(ctx, tx, env, into)
	if err != nil {
		return err
	}
	if toMain {
		main += n
	} else {
		recent += n
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO index_levels (env, terms, recent) VALUES (?, ?, ?)
		ON CONFLICT (env) DO UPDATE SET terms = excluded.terms, recent = excluded.recent`, env, main, recent)
	return err
}

// settle ends a full pass of env: its staged terms merge into the index
// (settleTerms) and its recent lists fold into the main ones (foldPostings).
func (d *DB) settle(ctx context.Context, tx *sql.Tx, env string) error {
	if err := settleTerms(ctx, tx, env); err != nil {
		return err
	}
	return d.foldPostings(ctx, tx, env)
}

// mergeStaged moves env's staged terms into table (a level of the index) in
// term order, a chunk of users at a time, so each page is written about
// once a chunk however many terms land on it. It returns the terms added.
func mergeStaged(ctx context.Context, tx *sql.Tx, env, table string) (int64, error) {
	var added int64
	staged := false
	for from := int64(0); ; {
		var to int64
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(rid), -1) FROM (SELECT rid FROM user_terms_stage WHERE env = ? AND rid >= ? ORDER BY rid LIMIT ?)",
			env, from, mergeChunk).Scan(&to); err != nil {
			return 0, err
		}
		if to < 0 {
			break
		}
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO `+table+` (env, term, rid)
			SELECT s.env, j.value, s.rid FROM user_terms_stage s, json_each(s.terms) j WHERE s.env = ? AND s.rid BETWEEN ? AND ?
			ORDER BY j.value, s.rid`, env, from, to)
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		added, staged, from = added+n, true, to+1
	}
	if !staged {
		return 0, nil
	}
	return added, clearEnv(ctx, tx, "user_terms_stage", env)
}

// clearEnv deletes env's rows of table, a level of the index keyed by env
// first. When they are all its rows, SQLite's truncation frees the pages
// whole instead of deleting row by row.
func clearEnv(ctx context.Context, tx *sql.Tx, table, env string) error {
	var others bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+" WHERE env < ?1) OR EXISTS (SELECT 1 FROM "+table+" WHERE env > ?1)",
		env).Scan(&others); err != nil {
		return err
	}
	if others {
		_, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE env = ?", env)
		return err
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM "+table)
	return err
}

// ownRefs reads up to n of env's own terms in [lo, hi) with their rids, in
// term then rid order, from both levels of the index: SQLite merges the
// two ordered ranges and stops at n.
func (d *DB) ownRefs(ctx context.Context, env, lo, hi string, n int) ([]hitRef, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT term, rid FROM user_terms WHERE env = ? AND term >= ? AND term < ?"+
		" UNION ALL SELECT term, rid FROM user_terms_recent WHERE env = ? AND term >= ? AND term < ? ORDER BY 1, 2 LIMIT ?",
		env, lo, hi, env, lo, hi, n)
	if err != nil {
		return nil, internal(err, "searching users")
	}
	defer rows.Close()
	var out []hitRef
	for rows.Next() {
		var h hitRef
		if err := rows.Scan(&h.term, &h.rid); err != nil {
			return nil, internal(err, "searching users")
		}
		out = append(out, h)
	}
	return out, internal(rows.Err(), "searching users")
}
