package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"unicode"

	"github.com/guiseapp/guise/backend/guise"
)

// SaveUsers upserts a page of users with their memberships and search terms,
// stamped with state.Gen, and records the sync state, all in one transaction:
// a sync killed at any moment resumes after the last page saved and never
// leaves half of one. A page costs a handful of multi-row statements, not a
// few per user: that is what makes a million users an affair of seconds.
//
// During a full pass (state.RunSince zero) with pages still to come
// (state.Cursor set), the search terms of users new to the cache are staged
// rather than inserted at random places of the index; the pass's last page
// (state.Cursor empty) merges them, sorted, in its transaction. Until then
// SearchUsers finds those users by id only (and lists them for an empty
// query), FindUser by id and email.
func (d *DB) SaveUsers(ctx context.Context, env string, users []guise.User, state guise.SyncState) error {
	stage := state.Cursor != "" && state.RunSince.IsZero()
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		if err := d.saveUsers(ctx, tx, env, users, state.Gen, stage); err != nil {
			return err
		}
		if state.Cursor == "" {
			if err := mergeStaged(ctx, tx, env); err != nil {
				return err
			}
		}
		state.Env = env
		return saveSyncState(ctx, tx, state)
	}), "saving users")
}

// mergeChunk is how many users' staged terms one statement sorts: the sort
// holds them in memory (about 50 bytes a term), and smaller sorts are faster.
const mergeChunk = 50000

// mergeStaged moves env's staged terms into the index in term order, a chunk
// of users at a time, so each index page is written about once a chunk
// however many terms land on it.
func mergeStaged(ctx context.Context, tx *sql.Tx, env string) error {
	var some bool
	if err := tx.QueryRowContext(ctx, "SELECT count(*) > 0 FROM (SELECT 1 FROM user_terms_stage WHERE env = ? LIMIT 1)", env).Scan(&some); err != nil || !some {
		return err
	}
	for from := int64(0); ; {
		var to int64
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(rid), -1) FROM (SELECT rid FROM user_terms_stage WHERE env = ? AND rid >= ? ORDER BY rid LIMIT ?)",
			env, from, mergeChunk).Scan(&to); err != nil {
			return err
		}
		if to < 0 {
			break
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO user_terms (env, term, rid)
			SELECT s.env, j.value, s.rid FROM user_terms_stage s, json_each(s.terms) j WHERE s.env = ? AND s.rid BETWEEN ? AND ?
			ORDER BY j.value, s.rid`, env, from, to); err != nil {
			return err
		}
		from = to + 1
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM user_terms_stage WHERE env = ?", env)
	return err
}

// stored is what an update needs of a user's previous version.
type stored struct {
	rid         int64
	name, email string
}

func (d *DB) saveUsers(ctx context.Context, tx *sql.Tx, env string, users []guise.User, gen int64, stage bool) error {
	if len(users) == 0 {
		return nil
	}
	// A page may name a user twice (updated while being listed): the last wins.
	idx := make(map[string]int, len(users))
	page := make([]guise.User, 0, len(users))
	for _, u := range users {
		if i, ok := idx[u.ID]; ok {
			page[i] = u
			continue
		}
		idx[u.ID] = len(page)
		page = append(page, u)
	}
	old, err := storedUsers(ctx, tx, env, page)
	if err != nil {
		return err
	}
	var next int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(rid), 0) FROM users").Scan(&next); err != nil {
		return err
	}

	// Memberships are replaced wholesale: only users seen before can have
	// any. Users seen before may also have staged terms (met earlier in this
	// pass): their terms go to the index directly, so the staged ones go.
	gone := d.newBatch(ctx, tx, "DELETE FROM memberships WHERE env = ? AND user_id IN (VALUES ", 1, ")")
	gone.prefix = []any{env}
	unstage := d.newBatch(ctx, tx, "DELETE FROM user_terms_stage WHERE env = ? AND rid IN (VALUES ", 1, ")")
	unstage.prefix = []any{env}
	staged := false
	if stage && len(old) > 0 {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) > 0 FROM (SELECT 1 FROM user_terms_stage WHERE env = ? LIMIT 1)", env).Scan(&staged); err != nil {
			return err
		}
	}
	for _, u := range page {
		if o, ok := old[u.ID]; ok {
			gone.add(u.ID)
			if staged {
				unstage.add(o.rid)
			}
		}
	}
	for _, b := range []*batch{gone, unstage} {
		if err := b.flush(); err != nil {
			return err
		}
	}

	userRows := d.newBatch(ctx, tx, `INSERT INTO users (rid, env, id, email, name, role, status, metadata, updated_at, gen) VALUES `, 10,
		` ON CONFLICT (rid) DO UPDATE SET email = excluded.email, name = excluded.name, role = excluded.role,
			status = excluded.status, metadata = excluded.metadata, updated_at = excluded.updated_at, gen = excluded.gen`)
	termRows := d.newBatch(ctx, tx, "INSERT OR IGNORE INTO user_terms (env, term, rid) VALUES ", 3, "")
	stageRows := d.newBatch(ctx, tx, "INSERT OR IGNORE INTO user_terms_stage (env, rid, terms) VALUES ", 3, "")
	goneTerms := d.newBatch(ctx, tx, "DELETE FROM user_terms WHERE env = ? AND (term, rid) IN (VALUES ", 2, ")")
	goneTerms.prefix = []any{env}
	memberRows := d.newBatch(ctx, tx, "INSERT OR REPLACE INTO memberships (env, user_id, org_id, org_name, role) VALUES ", 5, "")
	orgRows := d.newBatch(ctx, tx, "INSERT INTO organizations (env, id, name) VALUES ", 3,
		" ON CONFLICT (env, id) DO UPDATE SET name = excluded.name WHERE name <> excluded.name")
	orgSeen := map[string]bool{}

	for _, u := range page {
		email := strings.ToLower(strings.TrimSpace(u.Email))
		meta, _ := json.Marshal(u.Metadata) // a map of strings: cannot fail
		o, exists := old[u.ID]
		rid := o.rid
		if !exists {
			next++
			rid = next
		}
		userRows.add(rid, env, u.ID, email, u.Name, u.Role, u.Status, string(meta), fmtTime(u.UpdatedAt), gen)
		terms := searchTerms(u.Name, email)
		switch {
		case !exists && stage:
			packed, _ := json.Marshal(terms) // strings: cannot fail
			stageRows.add(env, rid, string(packed))
		case !exists:
			for _, t := range terms {
				termRows.add(env, t, rid)
			}
		default:
			was := searchTerms(o.name, o.email)
			for _, t := range was {
				if !contains(terms, t) {
					goneTerms.add(t, rid)
				}
			}
			for _, t := range terms {
				// Unchanged terms are in the index already, unless they
				// were staged (and just unstaged above).
				if staged || !contains(was, t) {
					termRows.add(env, t, rid)
				}
			}
		}
		for _, org := range u.Orgs {
			memberRows.add(env, u.ID, org.ID, org.Name, org.Role)
			if !orgSeen[org.ID] {
				orgSeen[org.ID] = true
				orgRows.add(env, org.ID, org.Name)
			}
		}
	}
	for _, b := range []*batch{goneTerms, userRows, termRows, stageRows, memberRows, orgRows} {
		if err := b.flush(); err != nil {
			return err
		}
	}
	return nil
}

// storedUsers reads the previous version of the page's users that are cached.
func storedUsers(ctx context.Context, tx *sql.Tx, env string, page []guise.User) (map[string]stored, error) {
	out := map[string]stored{}
	for from := 0; from < len(page); from += 500 {
		chunk := page[from:min(from+500, len(page))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, env)
		for _, u := range chunk {
			args = append(args, u.ID)
		}
		rows, err := tx.QueryContext(ctx, "SELECT rid, id, name, email FROM users WHERE env = ? AND id IN (?"+strings.Repeat(",?", len(chunk)-1)+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var s stored
			var id string
			if err := rows.Scan(&s.rid, &id, &s.name, &s.email); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// batch accumulates the rows of one multi-row statement (up to batchRows a
// statement), so a page costs a few statements instead of a few per row.
type batch struct {
	ctx          context.Context
	d            *DB
	tx           *sql.Tx
	head, tail   string
	cols         int
	prefix, args []any
	err          error
}

const batchRows = 200

func (d *DB) newBatch(ctx context.Context, tx *sql.Tx, head string, cols int, tail string) *batch {
	return &batch{ctx: ctx, d: d, tx: tx, head: head, cols: cols, tail: tail}
}

func (b *batch) add(vals ...any) {
	b.args = append(b.args, vals...)
	if len(b.args) >= batchRows*b.cols && b.err == nil {
		b.err = b.flush()
	}
}

func (b *batch) flush() error {
	if b.err != nil || len(b.args) == 0 {
		return b.err
	}
	rows := len(b.args) / b.cols
	tuple := "(?" + strings.Repeat(",?", b.cols-1) + ")"
	q := b.head + tuple + strings.Repeat(","+tuple, rows-1) + b.tail
	args := append(b.prefix, b.args...)
	b.args = b.args[:0]
	if rows < batchRows {
		_, err := b.tx.ExecContext(b.ctx, q, args...)
		return err
	}
	st, err := b.d.stmt(b.ctx, q)
	if err != nil {
		return err
	}
	_, err = b.tx.StmtContext(b.ctx, st).ExecContext(b.ctx, args...)
	return err
}

// emailMark starts the term of a user's whole email: no word starts with it.
const emailMark = "="

// searchTerms are the keys SearchUsers finds a user by, besides the id:
// the email itself (after emailMark), every tail of the words of the name
// ("mary ann smith", "ann smith", "smith"), the same of the email's local
// part where it adds something ("jsmith"), and "@" + the email's domain.
// The email is a term rather than an index of users so that a full pass
// stages it with the rest: no index is written in random order then.
func searchTerms(name, email string) []string {
	var terms []string
	if email != "" {
		terms = append(terms, emailMark+email)
	}
	add := func(t string) {
		if t != "" && !contains(terms, t) {
			terms = append(terms, t)
		}
	}
	for _, t := range wordTails(name) {
		add(t)
	}
	local, domain, ok := strings.Cut(email, "@")
	for _, t := range wordTails(local) {
		add(t)
	}
	if ok && domain != "" {
		add("@" + domain)
	}
	return terms
}

// maxTerm bounds a term: longer names are found by their first words.
const maxTerm = 80

func wordTails(s string) []string {
	words := words(s)
	tails := make([]string, 0, len(words))
	for i := range words {
		t := strings.Join(words[i:], " ")
		if len(t) > maxTerm {
			t = t[:maxTerm]
		}
		tails = append(tails, t)
	}
	return tails
}

// words splits text into lower-case words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SweepUsers deletes the users of env that the full pass of generation gen
// did not see: they were deleted at the provider. Their sessions stay in
// the history. It returns how many were removed.
func (d *DB) SweepUsers(ctx context.Context, env string, gen int64) (int, error) {
	var n int
	err := d.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT rid, id, name, email FROM users WHERE env = ? AND gen < ?", env, gen)
		if err != nil {
			return err
		}
		type gone struct {
			stored
			id string
		}
		var all []gone
		for rows.Next() {
			var g gone
			if err := rows.Scan(&g.rid, &g.id, &g.name, &g.email); err != nil {
				rows.Close()
				return err
			}
			all = append(all, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		terms := d.newBatch(ctx, tx, "DELETE FROM user_terms WHERE env = ? AND (term, rid) IN (VALUES ", 2, ")")
		terms.prefix = []any{env}
		staged := d.newBatch(ctx, tx, "DELETE FROM user_terms_stage WHERE env = ? AND rid IN (VALUES ", 1, ")")
		staged.prefix = []any{env}
		members := d.newBatch(ctx, tx, "DELETE FROM memberships WHERE env = ? AND user_id IN (VALUES ", 1, ")")
		members.prefix = []any{env}
		users := d.newBatch(ctx, tx, "DELETE FROM users WHERE rid IN (VALUES ", 1, ")")
		for _, g := range all {
			for _, t := range searchTerms(g.name, g.email) {
				terms.add(t, g.rid)
			}
			staged.add(g.rid)
			members.add(g.id)
			users.add(g.rid)
		}
		for _, b := range []*batch{terms, staged, members, users} {
			if err := b.flush(); err != nil {
				return err
			}
		}
		n = len(all)
		return nil
	})
	return n, internal(err, "removing users deleted at the provider")
}

// SaveOrgs upserts organizations.
func (d *DB) SaveOrgs(ctx context.Context, env string, orgs []guise.Org) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		b := d.newBatch(ctx, tx, "INSERT INTO organizations (env, id, name) VALUES ", 3,
			" ON CONFLICT (env, id) DO UPDATE SET name = excluded.name WHERE name <> excluded.name")
		seen := map[string]bool{}
		for _, o := range orgs {
			if !seen[o.ID] {
				seen[o.ID] = true
				b.add(env, o.ID, o.Name)
			}
		}
		return b.flush()
	}), "saving organizations")
}

// SyncState returns the environment's sync state (zero when never synced).
func (d *DB) SyncState(ctx context.Context, env string) (guise.SyncState, error) {
	s := guise.SyncState{Env: env}
	var runSince, high, last, lastFull string
	err := d.db.QueryRowContext(ctx, `SELECT cursor, run_since, high_water, last_synced_at, gen, last_full_at, users, orgs, last_error
		FROM sync_state WHERE env = ?`, env).Scan(&s.Cursor, &runSince, &high, &last, &s.Gen, &lastFull, &s.Users, &s.Orgs, &s.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	s.RunSince, s.HighWater, s.LastSyncedAt, s.LastFullAt = parseTime(runSince), parseTime(high), parseTime(last), parseTime(lastFull)
	return s, internal(err, "reading the sync state")
}

// SaveSyncState records the sync state.
func (d *DB) SaveSyncState(ctx context.Context, s guise.SyncState) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error { return saveSyncState(ctx, tx, s) }), "saving the sync state")
}

func saveSyncState(ctx context.Context, tx *sql.Tx, s guise.SyncState) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sync_state (env, cursor, run_since, high_water, last_synced_at, gen, last_full_at, users, orgs, last_error)
		VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (env) DO UPDATE SET cursor = excluded.cursor, run_since = excluded.run_since,
		high_water = excluded.high_water, last_synced_at = excluded.last_synced_at, gen = excluded.gen,
		last_full_at = excluded.last_full_at, users = excluded.users, orgs = excluded.orgs, last_error = excluded.last_error`,
		s.Env, s.Cursor, fmtTime(s.RunSince), fmtTime(s.HighWater), fmtTime(s.LastSyncedAt), s.Gen, fmtTime(s.LastFullAt), s.Users, s.Orgs, s.LastError)
	return err
}

// CountUsers counts an environment's cached users.
func (d *DB) CountUsers(ctx context.Context, env string) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE env = ?", env).Scan(&n)
	return n, internal(err, "counting users")
}
