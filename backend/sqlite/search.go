package sqlite

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
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

const userCols = "rid, id, email, name, role, status, metadata, updated_at, orgs"

// byIDOrEmail selects env's (?1) user whose id is ?2 or whose email term
// (emailMark and the email) is ?3, in either level of the index.
const byIDOrEmail = "SELECT " + userCols + " FROM users WHERE env = ?1 AND id = ?2 UNION ALL SELECT " + userCols +
	" FROM users WHERE +env = ?1 AND rid IN (SELECT rid FROM user_terms WHERE env = ?1 AND term = ?3" +
	" UNION ALL SELECT rid FROM user_terms_recent WHERE env = ?1 AND term = ?3)"

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
	s := &search{d: d, ctx: ctx, env: env, limit: limit, seen: map[string]bool{}}
	if q == "" {
		staged, err := d.staging(ctx, env)
		if err != nil {
			return nil, err
		}
		if staged { // a full pass under way: list everyone, sorting without an index
			all, err := d.queryUsers(ctx, "SELECT "+userCols+" FROM users WHERE env = ? ORDER BY email LIMIT ?", env, limit)
			return inEnv(env, all), err
		}
		if err := s.refs(tierEmail, func() ([]hitRef, error) { return d.ownRefs(ctx, env, emailMark, prefixEnd(emailMark), limit) }, nil); err != nil {
			return nil, err
		}
		return inEnv(env, s.users()), nil
	}
	qw := words(q)
	phrase := strings.Join(qw, " ")
	steps := []func() error{
		func() error {
			return s.add(tierExact, byIDOrEmail, env, raw, emailMark+q)
		},
		func() error {
			return s.refs(tierEmail, func() ([]hitRef, error) {
				return d.ownRefs(ctx, env, emailMark+q, prefixEnd(emailMark+q), s.want())
			}, nil)
		},
		func() error {
			if phrase == "" {
				return nil
			}
			return s.refs(tierName, func() ([]hitRef, error) { return d.termRefs(ctx, env, phrase, s.want()) }, nil)
		},
		func() error {
			return s.add(tierID, "SELECT "+userCols+" FROM users WHERE env = ? AND id >= ? AND id < ? ORDER BY id LIMIT ?",
				env, raw, prefixEnd(raw), s.want())
		},
		func() error { return s.domains(q) },
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
	slices.SortStableFunc(s.found, func(a, b hit) int { return a.tier - b.tier })
	return inEnv(env, s.users()), nil
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

// users are the users found, at most limit.
func (s *search) users() []guise.User {
	out := make([]guise.User, 0, min(len(s.found), s.limit))
	for _, h := range s.found[:min(len(s.found), s.limit)] {
		out = append(out, h.User)
	}
	return out
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

// refs keeps, at tier, the users a lookup finds that match (all of them
// when match is nil).
func (s *search) refs(tier int, lookup func() ([]hitRef, error), match func(guise.User) bool) error {
	refs, err := lookup()
	if err != nil {
		return err
	}
	users, err := s.d.usersByRid(s.ctx, s.env, refRids(refs))
	if err != nil {
		return err
	}
	if match != nil {
		users = slices.DeleteFunc(users, func(u guise.User) bool { return !match(u) })
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

// domains finds the users of the email domains the query starts (with or
// without its "@"), from their posting lists.
func (s *search) domains(q string) error {
	dom := domainMark + strings.TrimPrefix(q, domainMark)
	return s.refs(tierDomain, func() ([]hitRef, error) {
		return s.d.postingRefs(s.ctx, s.want(), listRows("env = ?1 AND term >= ?2 AND term < ?3"), s.env, dom, prefixEnd(dom))
	}, func(u guise.User) bool {
		// The lists are kept exact; checking costs nothing and keeps a
		// damaged cache from showing a stranger.
		_, domain, _ := strings.Cut(u.Email, "@")
		return strings.HasPrefix(domainMark+domain, dom)
	})
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
	var ids []string
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
	terms, params := make([]string, len(ids)), make([]string, len(ids))
	for i, id := range ids {
		terms[i], params[i] = orgMark+id, "?"+strconv.Itoa(i+2)
	}
	args := envArgs(s.env, terms)
	return s.refs(tierOrg, func() ([]hitRef, error) {
		return s.d.postingRefs(s.ctx, s.want(), listRows("env = ?1 AND term IN ("+strings.Join(params, ",")+")"), args...)
	}, func(u guise.User) bool {
		return slices.ContainsFunc(u.Orgs, func(o guise.Org) bool { return slices.Contains(ids, o.ID) })
	})
}

// allWords serves queries of several words that no single range answers
// ("mary acme"): candidates come from the rarest-looking (longest) word's
// range, bounded, and must have every word start one of their words.
func (s *search) allWords(qw []string) error {
	if len(qw) < 2 || s.has(tierName) { // the phrase matched names: no need to look further
		return nil
	}
	longest := slices.MaxFunc(qw, func(a, b string) int { return len(a) - len(b) })
	return s.refs(tierWords, func() ([]hitRef, error) { return s.d.termRefs(s.ctx, s.env, longest, multiWordBudget) }, func(u guise.User) bool {
		w := append(words(u.Name), words(u.Email)...)
		w = append(w, words(u.ID)...)
		for _, o := range u.Orgs {
			w = append(w, words(o.Name)...)
		}
		return matchesAll(qw, w)
	})
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
	users, err := d.queryUsers(ctx, byIDOrEmail+" LIMIT 1", env, sel, emailMark+email)
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
	return inEnv(env, users)[0], nil
}

// staging reports whether a full pass of env has staged terms not merged yet.
func (d *DB) staging(ctx context.Context, env string) (bool, error) {
	staged, err := hasRows(ctx, d.db, "user_terms_stage", env)
	return staged, internal(err, "searching users")
}

func (d *DB) queryUsers(ctx context.Context, query string, args ...any) ([]guise.User, error) {
	users, _, err := d.queryRows(ctx, query, args...)
	return users, err
}

// queryRows reads users (userCols) and their rids.
func (d *DB) queryRows(ctx context.Context, query string, args ...any) ([]guise.User, []int64, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, internal(err, "searching users")
	}
	defer rows.Close()
	var out []guise.User
	var rids []int64
	for rows.Next() {
		var u guise.User
		var rid int64
		var meta, updated, orgs string
		if err := rows.Scan(&rid, &u.ID, &u.Email, &u.Name, &u.Role, &u.Status, &meta, &updated, &orgs); err != nil {
			return nil, nil, internal(err, "searching users")
		}
		_ = json.Unmarshal([]byte(meta), &u.Metadata)
		u.UpdatedAt = parseTime(updated)
		u.Orgs = decodeOrgs(orgs)
		out = append(out, u)
		rids = append(rids, rid)
	}
	return out, rids, internal(rows.Err(), "searching users")
}

// usersByRid reads env's users of rids, in that order (a rid without a
// user there is skipped).
func (d *DB) usersByRid(ctx context.Context, env string, rids []int64) ([]guise.User, error) {
	byRid := make(map[int64]guise.User, len(rids))
	for part := range slices.Chunk(rids, lookupBatch) {
		args := envArgs(env, part)
		// "+env": look up each rid; never walk the environment's users.
		users, got, err := d.queryRows(ctx, "SELECT "+userCols+" FROM users WHERE +env = ? AND rid IN (?"+strings.Repeat(",?", len(part)-1)+")", args...)
		if err != nil {
			return nil, err
		}
		for i, u := range users {
			byRid[got[i]] = u
		}
	}
	out := make([]guise.User, 0, len(rids))
	for _, r := range rids {
		if u, ok := byRid[r]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// inEnv stamps users with their environment.
func inEnv(env string, users []guise.User) []guise.User {
	for i := range users {
		users[i].Env = env
	}
	return users
}
