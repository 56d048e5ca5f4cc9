package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode"

	"github.com/guiseapp/guise/backend/guise"
)

// SaveUsers upserts a page of users with their organizations, search terms
// and posting lists, stamped with state.Gen, and records the sync state, all
// in one transaction: a sync killed at any moment resumes after the last
// page saved and never leaves half of one. A page costs a handful of
// multi-row statements, not a few per user: that is what makes a million
// users an affair of seconds.
//
// The index has two levels, main and recent (see settleTerms and
// foldPostings): pages write to the recent one, and the pass's last page
// (state.Cursor empty) settles them in its transaction. During a full pass
// (state.RunSince zero), the search terms of users new to the cache are
// staged rather than inserted at random places, and that last page merges
// them, sorted. Until then SearchUsers finds those users by id, surname,
// domain and organization (and lists them for an empty query), FindUser by
// id and email.
func (d *DB) SaveUsers(ctx context.Context, env string, users []guise.User, state guise.SyncState) error {
	stage := state.RunSince.IsZero()
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		if err := d.saveUsers(ctx, tx, env, users, state.Gen, stage); err != nil {
			return err
		}
		if state.Cursor == "" {
			if err := d.settle(ctx, tx, env); err != nil {
				return err
			}
		}
		state.Env = env
		return saveSyncState(ctx, tx, state)
	}), "saving users")
}

// stored is what an update needs of a user's previous version.
type stored struct {
	rid               int64
	name, email, orgs string
}

// queryStored reads the users matching where (a condition on users, and
// what may follow it) as stored.
func queryStored(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]stored, error) {
	rows, err := tx.QueryContext(ctx, "SELECT rid, name, email, orgs FROM users WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stored
	for rows.Next() {
		var s stored
		if err := rows.Scan(&s.rid, &s.name, &s.email, &s.orgs); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
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
	rows := deriveRows(page, stage)
	old, err := storedUsers(ctx, tx, env, page)
	if err != nil {
		return err
	}
	var next int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(rid), 0) FROM users").Scan(&next); err != nil {
		return err
	}

	// Users seen before may have staged terms (met earlier in this pass):
	// their terms go to the index directly, so the staged ones go.
	staged := false
	if stage && len(old) > 0 {
		if staged, err = hasRows(ctx, tx, "user_terms_stage", env); err != nil {
			return err
		}
	}
	if staged {
		unstage := d.unstage(ctx, tx, env)
		for _, u := range page {
			if o, ok := old[u.ID]; ok {
				unstage.add(o.rid)
			}
		}
		if err := unstage.flush(); err != nil {
			return err
		}
	}

	userRows := d.newBatch(ctx, tx, `INSERT INTO users (rid, env, id, email, name, role, status, metadata, updated_at, gen, orgs) VALUES `, 11,
		` ON CONFLICT (rid) DO UPDATE SET email = excluded.email, name = excluded.name, role = excluded.role,
			status = excluded.status, metadata = excluded.metadata, updated_at = excluded.updated_at, gen = excluded.gen, orgs = excluded.orgs`)
	termRows := d.newBatch(ctx, tx, "INSERT OR IGNORE INTO user_terms_recent (env, term, rid) VALUES ", 3, "")
	stageRows := d.newBatch(ctx, tx, "INSERT OR IGNORE INTO user_terms_stage (env, rid, terms) VALUES ", 3, "")
	gone := d.goneTerms(ctx, tx, env)
	orgRows := d.orgUpserts(ctx, tx, env)
	join, leave := postings{}, postings{}

	for i, u := range page {
		r := rows.get(i)
		terms, lists := r.terms, r.lists
		o, exists := old[u.ID]
		rid := o.rid
		if !exists {
			next++
			rid = next
		}
		userRows.add(rid, env, u.ID, r.email, u.Name, u.Role, u.Status, r.meta, r.updated, gen, r.orgs)
		if !exists {
			for _, t := range lists {
				join.put(t, rid)
			}
			if stage {
				stageRows.add(env, rid, r.packedTerms)
			} else {
				for _, t := range terms {
					termRows.add(env, t, rid)
				}
			}
		} else {
			wasTerms, wasLists := userTerms(o.name, o.email, decodeOrgs(o.orgs))
			for _, t := range wasLists {
				if !slices.Contains(lists, t) {
					leave.put(t, rid)
				}
			}
			for _, t := range lists {
				if !slices.Contains(wasLists, t) {
					join.put(t, rid)
				}
			}
			for _, t := range wasTerms {
				if !slices.Contains(terms, t) {
					gone.add(t, rid)
				}
			}
			for _, t := range terms {
				// Unchanged terms are in the index already, unless they
				// were staged (and just unstaged above).
				if staged || !slices.Contains(wasTerms, t) {
					termRows.add(env, t, rid)
				}
			}
		}
		for _, org := range u.Orgs {
			orgRows.put(org)
		}
	}
	for _, b := range append(gone[:], userRows, termRows, stageRows, orgRows.batch) {
		if err := b.flush(); err != nil {
			return err
		}
	}
	if err := countTerms(ctx, tx, env, -gone[0].affected, termRows.affected-gone[1].affected); err != nil {
		return err
	}
	folded, err := foldedRid(ctx, tx, env)
	if err != nil {
		return err
	}
	if err := removePostings(ctx, tx, env, folded, leave); err != nil {
		return err
	}
	return d.addPostings(ctx, tx, env, folded, join)
}

// derived is what a user's row and index entries hold, derived from the
// user alone: the part of saving a user that needs no database.
type derived struct {
	email, meta, orgs, updated string
	terms, lists               []string
	packedTerms                string // terms as JSON, as the stage holds them (when staging)
}

// rowChunk is how many users' derived rows deriveRows hands over at a time.
const rowChunk = 250

// derivedRows are a page's derived rows, made on another goroutine while the
// saving one writes the rows before them, so the Go work and SQLite's
// overlap on two cores.
type derivedRows struct {
	ready <-chan []derived
	rows  []derived
}

func deriveRows(page []guise.User, stage bool) *derivedRows {
	// Buffered for every chunk, so the goroutine ends even if the save
	// stops early.
	ready := make(chan []derived, (len(page)+rowChunk-1)/rowChunk)
	go func() {
		defer close(ready)
		for chunk := range slices.Chunk(page, rowChunk) {
			rows := make([]derived, len(chunk))
			for i, u := range chunk {
				rows[i] = deriveRow(u, stage)
			}
			ready <- rows
		}
	}()
	return &derivedRows{ready: ready}
}

// get returns the row of the page's i-th user; i counts up from 0.
func (d *derivedRows) get(i int) derived {
	if i%rowChunk == 0 {
		d.rows = <-d.ready
	}
	return d.rows[i%rowChunk]
}

func deriveRow(u guise.User, stage bool) derived {
	email := strings.ToLower(strings.TrimSpace(u.Email))
	meta, _ := json.Marshal(u.Metadata) // a map of strings: cannot fail
	orgs := slices.SortedStableFunc(slices.Values(u.Orgs), func(a, b guise.Org) int { return strings.Compare(a.Name, b.Name) })
	if orgs == nil {
		orgs = []guise.Org{}
	}
	packedOrgs, _ := json.Marshal(orgs) // strings: cannot fail
	r := derived{email: email, meta: string(meta), orgs: string(packedOrgs), updated: fmtTime(u.UpdatedAt)}
	r.terms, r.lists = userTerms(u.Name, email, orgs)
	if stage {
		r.packedTerms = packTerms(r.terms)
	}
	return r
}

// packTerms is a user's terms as user_terms_stage holds them: a JSON array.
func packTerms(terms []string) string {
	packed, _ := json.Marshal(terms) // strings: cannot fail
	return string(packed)
}

// storedUsers reads the previous version of the page's users that are cached.
func storedUsers(ctx context.Context, tx *sql.Tx, env string, page []guise.User) (map[string]stored, error) {
	out := map[string]stored{}
	for chunk := range slices.Chunk(page, lookupBatch) {
		ids := make([]string, len(chunk))
		for i, u := range chunk {
			ids[i] = u.ID
		}
		args := envArgs(env, ids)
		rows, err := tx.QueryContext(ctx, "SELECT rid, id, name, email, orgs FROM users WHERE env = ? AND id IN (?"+strings.Repeat(",?", len(chunk)-1)+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var s stored
			var id string
			if err := rows.Scan(&s.rid, &id, &s.name, &s.email, &s.orgs); err != nil {
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

// lookupBatch is how many keys one lookup statement binds (its IN or VALUES
// list), well under SQLite's limit of variables.
const lookupBatch = 500

// envArgs are the arguments of a query on env's rows with some of vals.
func envArgs[T any](env string, vals []T) []any {
	args := make([]any, 0, len(vals)+1)
	args = append(args, env)
	for _, v := range vals {
		args = append(args, v)
	}
	return args
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
	affected     int64 // rows the flushed statements changed
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
	var res sql.Result
	var err error
	if rows < batchRows {
		res, err = b.tx.ExecContext(b.ctx, q, args...)
	} else {
		var st *sql.Stmt
		if st, err = b.d.stmt(b.ctx, q); err == nil {
			res, err = b.tx.StmtContext(b.ctx, st).ExecContext(b.ctx, args...)
		}
	}
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	b.affected += n
	return err
}

// emailMark starts the term of a user's whole email: no word starts with it.
const emailMark = "="

// userTerms are the keys SearchUsers finds a user by, besides the id. The
// terms are the user's own, nearly unique, and go to user_terms: the email
// itself (after emailMark) and the words of the name ("mary ann smith"), or
// of the email's local part for a user without a name. The lists are shared
// by many users and go to posting lists: the name's later word tails ("ann
// smith", "smith"), the local part's where they add something ("smith3" of
// "mary.smith3"), the email's domain and each organization. A named user's
// whole local part is no term: the email prefix finds it. The email is a
// term rather than an index of users so that a full pass stages it with the
// rest: no index is written in random order then.
func userTerms(name, email string, orgs []guise.Org) (terms, lists []string) {
	if email != "" {
		terms = append(terms, emailMark+email)
	}
	local, domain, _ := strings.Cut(email, "@")
	tails, more := wordTails(name), wordTails(local)
	if len(tails) == 0 {
		tails, more = more, nil
	} else if len(more) > 0 {
		more = more[1:]
	}
	if len(tails) > 0 {
		terms = append(terms, tails[0])
		tails = tails[1:]
	}
	add := func(t string) {
		if !slices.Contains(terms, t) && !slices.Contains(lists, t) {
			lists = append(lists, t)
		}
	}
	for _, t := range append(tails, more...) {
		add(t)
	}
	if domain != "" {
		add(domainMark + domain)
	}
	for _, o := range orgs {
		if o.ID != "" {
			add(orgMark + o.ID)
		}
	}
	return terms, lists
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

// SweepUsers deletes the users of env that the full pass of generation gen
// did not see: they were deleted at the provider. Their sessions stay in
// the history. It returns how many were removed.
func (d *DB) SweepUsers(ctx context.Context, env string, gen int64) (int, error) {
	var n int
	err := d.write(ctx, func(tx *sql.Tx) error {
		all, err := queryStored(ctx, tx, "env = ? AND gen < ?", env, gen)
		if err != nil {
			return err
		}
		terms := d.goneTerms(ctx, tx, env)
		staged := d.unstage(ctx, tx, env)
		users := d.newBatch(ctx, tx, "DELETE FROM users WHERE rid IN (VALUES ", 1, ")")
		lists := postings{}
		for _, g := range all {
			own, shared := userTerms(g.name, g.email, decodeOrgs(g.orgs))
			for _, t := range own {
				terms.add(t, g.rid)
			}
			for _, t := range shared {
				lists.put(t, g.rid)
			}
			staged.add(g.rid)
			users.add(g.rid)
		}
		for _, b := range append(terms[:], staged, users) {
			if err := b.flush(); err != nil {
				return err
			}
		}
		if err := countTerms(ctx, tx, env, -terms[0].affected, -terms[1].affected); err != nil {
			return err
		}
		folded, err := foldedRid(ctx, tx, env)
		if err != nil {
			return err
		}
		if err := removePostings(ctx, tx, env, folded, lists); err != nil {
			return err
		}
		n = len(all)
		return nil
	})
	return n, internal(err, "removing users deleted at the provider")
}

// SaveOrgs upserts organizations.
func (d *DB) SaveOrgs(ctx context.Context, env string, orgs []guise.Org) error {
	return internal(d.write(ctx, func(tx *sql.Tx) error {
		b := d.orgUpserts(ctx, tx, env)
		for _, o := range orgs {
			b.put(o)
		}
		return b.flush()
	}), "saving organizations")
}

// orgUpserts saves env's organizations, each once (a page names the same
// organization for many of its users), renaming those whose name changed.
type orgUpserts struct {
	*batch
	env  string
	seen map[string]bool
}

func (d *DB) orgUpserts(ctx context.Context, tx *sql.Tx, env string) orgUpserts {
	b := d.newBatch(ctx, tx, "INSERT INTO organizations (env, id, name) VALUES ", 3,
		" ON CONFLICT (env, id) DO UPDATE SET name = excluded.name WHERE name <> excluded.name")
	return orgUpserts{batch: b, env: env, seen: map[string]bool{}}
}

func (o orgUpserts) put(org guise.Org) {
	if !o.seen[org.ID] {
		o.seen[org.ID] = true
		o.add(o.env, org.ID, org.Name)
	}
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
