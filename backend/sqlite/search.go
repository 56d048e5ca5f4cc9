package sqlite

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/guiseapp/guise/backend/guise"
)

// Tiers of a search, best first.
const (
	tierExact  = iota // the email or the id itself
	tierEmail         // a prefix of the email
	tierName          // a prefix of the name's words (or the email's local part)
	tierID            // a prefix of the id
	tierDomain        // a prefix of the email's domain
	tierOrg           // a prefix of a word of an organization's name
	tierWords         // every word of the query starts a word of the user
)

// multiWordBudget bounds the candidates a multi-word query filters.
const multiWordBudget = 1000

const userCols = "rid, id, email, name, role, status, metadata, updated_at"

// termCols are a user's columns when reached through user_terms.
const termCols = "u.rid, u.id, u.email, u.name, u.role, u.status, u.metadata, u.updated_at"

// prefixEnd is the upper bound of the strings starting with p.
func prefixEnd(p string) string { return p + "\U0010FFFF" }

// SearchUsers answers as-you-type queries with index ranges only, tier by
// tier, best first: the exact email or id, email prefixes, name prefixes,
// id prefixes, email domains, organization names, then queries whose every
// word starts some word of the user. It stops as soon as limit users are
// found, so a one-letter query over a million users costs one short range.
func (d *DB) SearchUsers(ctx context.Context, env, query string, limit int) ([]guise.User, error) {
	if limit <= 0 || limit > 100000 {
		limit = 50
	}
	raw := strings.TrimSpace(query)
	q := strings.ToLower(raw)
	if q == "" {
		query, args := "SELECT "+termCols+" FROM user_terms t JOIN users u ON u.rid = t.rid"+
			" WHERE t.env = ? AND t.term >= ? AND t.term < ? ORDER BY t.term LIMIT ?", []any{env, emailMark, prefixEnd(emailMark), limit}
		staged, err := d.staging(ctx, env)
		if err != nil {
			return nil, err
		}
		if staged { // a full pass under way: list everyone, sorting without an index
			query, args = "SELECT "+userCols+" FROM users WHERE env = ? ORDER BY email LIMIT ?", []any{env, limit}
		}
		all, err := d.queryUsers(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		return all, d.loadOrgs(ctx, env, all)
	}
	s := &search{d: d, ctx: ctx, env: env, limit: limit, seen: map[string]bool{}}
	qw := words(q)
	phrase := strings.Join(qw, " ")
	steps := []func() error{
		func() error {
			return s.add(tierExact, "SELECT "+userCols+" FROM users WHERE env = ? AND id = ? UNION ALL SELECT "+termCols+
				" FROM user_terms t JOIN users u ON u.rid = t.rid WHERE t.env = ? AND t.term = ?", env, raw, env, emailMark+q)
		},
		func() error {
			return s.add(tierEmail, "SELECT "+termCols+" FROM user_terms t JOIN users u ON u.rid = t.rid"+
				" WHERE t.env = ? AND t.term >= ? AND t.term < ? ORDER BY t.term LIMIT ?", env, emailMark+q, prefixEnd(emailMark+q), s.want())
		},
		func() error {
			if phrase == "" {
				return nil
			}
			return s.add(tierName, "SELECT "+termCols+" FROM user_terms t JOIN users u ON u.rid = t.rid"+
				" WHERE t.env = ? AND t.term >= ? AND t.term < ? ORDER BY t.term LIMIT ?", env, phrase, prefixEnd(phrase), s.want())
		},
		func() error {
			return s.add(tierID, "SELECT "+userCols+" FROM users WHERE env = ? AND id >= ? AND id < ? ORDER BY id LIMIT ?",
				env, raw, prefixEnd(raw), s.want())
		},
		func() error {
			dom := "@" + strings.TrimPrefix(q, "@")
			return s.add(tierDomain, "SELECT "+termCols+" FROM user_terms t JOIN users u ON u.rid = t.rid"+
				" WHERE t.env = ? AND t.term >= ? AND t.term < ? ORDER BY t.term LIMIT ?", env, dom, prefixEnd(dom), s.want())
		},
		func() error { return s.orgs(qw) },
		func() error { return s.allWords(qw) },
	}
	for _, step := range steps {
		if len(s.found) >= limit {
			break
		}
		if err := step(); err != nil {
			return nil, err
		}
	}
	found := s.found
	slices.SortStableFunc(found, func(a, b hit) int { return a.tier - b.tier })
	if len(found) > limit {
		found = found[:limit]
	}
	out := make([]guise.User, len(found))
	for i, h := range found {
		out[i] = h.User
	}
	return out, d.loadOrgs(ctx, env, out)
}

type hit struct {
	guise.User
	tier int
}

// search collects the hits of one query, each user once, at its best tier.
type search struct {
	d     *DB
	ctx   context.Context
	env   string
	limit int
	seen  map[string]bool
	found []hit
}

// want is how many rows a step fetches: enough to fill the page even when
// every user found so far comes again.
func (s *search) want() int { return s.limit + len(s.found) }

func (s *search) add(tier int, query string, args ...any) error {
	users, err := s.d.queryUsers(s.ctx, query, args...)
	if err != nil {
		return err
	}
	s.keep(tier, users)
	return nil
}

func (s *search) keep(tier int, users []guise.User) {
	for _, u := range users {
		if !s.seen[u.ID] {
			s.seen[u.ID] = true
			s.found = append(s.found, hit{u, tier})
		}
	}
}

// has reports whether a tier found anyone.
func (s *search) has(tier int) bool {
	for _, h := range s.found {
		if h.tier == tier {
			return true
		}
	}
	return false
}

// orgs finds the members of organizations whose name has a word starting
// with the query. Organizations are few next to users: they are filtered here.
func (s *search) orgs(qw []string) error {
	if len(qw) == 0 {
		return nil
	}
	// LIKE (case-blind for ASCII) skips most organizations before Go looks at words.
	longest := slices.MaxFunc(qw, func(a, b string) int { return len(a) - len(b) })
	pattern := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(longest) + "%"
	rows, err := s.d.db.QueryContext(s.ctx, `SELECT id, name FROM organizations WHERE env = ? AND name LIKE ? ESCAPE '\'`, s.env, pattern)
	if err != nil {
		return internal(err, "searching organizations")
	}
	var ids []any
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return internal(err, "searching organizations")
		}
		if matchesAll(qw, words(name)) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return internal(err, "searching organizations")
	}
	if len(ids) > 500 {
		ids = ids[:500]
	}
	args := append([]any{s.env}, ids...)
	return s.add(tierOrg, "SELECT DISTINCT u.rid, u.id, u.email, u.name, u.role, u.status, u.metadata, u.updated_at FROM memberships m"+
		" JOIN users u ON u.env = m.env AND u.id = m.user_id WHERE m.env = ? AND m.org_id IN (?"+strings.Repeat(",?", len(ids)-1)+
		") LIMIT ?", append(args, s.want())...)
}

// allWords serves queries of several words that no single range answers
// ("mary acme"): candidates come from the rarest-looking (longest) word's
// range, bounded, and must have every word start one of their words.
func (s *search) allWords(qw []string) error {
	if len(qw) < 2 || s.has(tierName) { // the phrase matched names: no need to look further
		return nil
	}
	longest := slices.MaxFunc(qw, func(a, b string) int { return len(a) - len(b) })
	cands, err := s.d.queryUsers(s.ctx, "SELECT DISTINCT u.rid, u.id, u.email, u.name, u.role, u.status, u.metadata, u.updated_at FROM user_terms t"+
		" JOIN users u ON u.rid = t.rid WHERE t.env = ? AND t.term >= ? AND t.term < ? LIMIT ?",
		s.env, longest, prefixEnd(longest), multiWordBudget)
	if err != nil {
		return err
	}
	if err := s.d.loadOrgs(s.ctx, s.env, cands); err != nil {
		return err
	}
	var keep []guise.User
	for _, u := range cands {
		w := append(words(u.Name), words(u.Email)...)
		w = append(w, words(u.ID)...)
		for _, o := range u.Orgs {
			w = append(w, words(o.Name)...)
		}
		if matchesAll(qw, w) {
			keep = append(keep, u)
		}
	}
	s.keep(tierWords, keep)
	return nil
}

// matchesAll reports whether every query word starts one of the words.
func matchesAll(query, words []string) bool {
	for _, q := range query {
		ok := false
		for _, w := range words {
			if strings.HasPrefix(w, q) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// FindUser finds a cached user by id or email.
func (d *DB) FindUser(ctx context.Context, env, sel string) (guise.User, error) {
	email := strings.ToLower(strings.TrimSpace(sel))
	users, err := d.queryUsers(ctx, "SELECT "+userCols+" FROM users WHERE env = ? AND id = ? UNION ALL SELECT "+termCols+
		" FROM user_terms t JOIN users u ON u.rid = t.rid WHERE t.env = ? AND t.term = ? LIMIT 1", env, sel, env, emailMark+email)
	if err != nil {
		return guise.User{}, err
	}
	if len(users) == 0 && email != "" {
		// A full pass under way may have staged the user's terms: look at
		// the emails themselves (a scan, but only of a miss mid-pass).
		staged, err := d.staging(ctx, env)
		if err != nil {
			return guise.User{}, err
		}
		if staged {
			if users, err = d.queryUsers(ctx, "SELECT "+userCols+" FROM users WHERE env = ? AND email = ? LIMIT 1", env, email); err != nil {
				return guise.User{}, err
			}
		}
	}
	if len(users) == 0 {
		return guise.User{}, guise.Errorf(guise.ENOTFOUND, "No user %q in %s. Check the id or email, or run a sync.", sel, env)
	}
	return users[0], d.loadOrgs(ctx, env, users)
}

// staging reports whether a full pass of env has staged terms not merged yet.
func (d *DB) staging(ctx context.Context, env string) (bool, error) {
	var staged bool
	err := d.db.QueryRowContext(ctx, "SELECT count(*) > 0 FROM (SELECT 1 FROM user_terms_stage WHERE env = ? LIMIT 1)", env).Scan(&staged)
	return staged, internal(err, "searching users")
}

func (d *DB) queryUsers(ctx context.Context, query string, args ...any) ([]guise.User, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal(err, "searching users")
	}
	defer rows.Close()
	var out []guise.User
	for rows.Next() {
		var u guise.User
		var rid int64
		var meta, updated string
		if err := rows.Scan(&rid, &u.ID, &u.Email, &u.Name, &u.Role, &u.Status, &meta, &updated); err != nil {
			return nil, internal(err, "searching users")
		}
		_ = json.Unmarshal([]byte(meta), &u.Metadata)
		u.UpdatedAt = parseTime(updated)
		out = append(out, u)
	}
	return out, internal(rows.Err(), "searching users")
}

// orgBatch bounds the variables of one membership query.
const orgBatch = 500

// loadOrgs fills the organizations of users, a batch of users a query.
func (d *DB) loadOrgs(ctx context.Context, env string, users []guise.User) error {
	for len(users) > orgBatch {
		if err := d.loadOrgs(ctx, env, users[:orgBatch]); err != nil {
			return err
		}
		users = users[orgBatch:]
	}
	if len(users) == 0 {
		return nil
	}
	idx := make(map[string]int, len(users))
	args := []any{env}
	for i := range users {
		users[i].Env = env
		users[i].Orgs = []guise.Org{}
		idx[users[i].ID] = i
		args = append(args, users[i].ID)
	}
	rows, err := d.db.QueryContext(ctx, "SELECT user_id, org_id, org_name, role FROM memberships WHERE env = ? AND user_id IN (?"+
		strings.Repeat(",?", len(users)-1)+") ORDER BY org_name", args...)
	if err != nil {
		return internal(err, "reading organizations")
	}
	defer rows.Close()
	for rows.Next() {
		var uid string
		var o guise.Org
		if err := rows.Scan(&uid, &o.ID, &o.Name, &o.Role); err != nil {
			return internal(err, "reading organizations")
		}
		if i, ok := idx[uid]; ok {
			users[i].Orgs = append(users[i].Orgs, o)
		}
	}
	return internal(rows.Err(), "reading organizations")
}
