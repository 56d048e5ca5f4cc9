package demo

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// seedBase is when the seeded world begins: user i was created and last
// updated at seedBase + i seconds, so the order of a sync is the id order.
var seedBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	seedTxUsers   = 5000 // users per transaction
	bulkRows      = 100  // rows per multi-row INSERT
	progressEvery = 100_000
	roleBlock     = 50 // each block of 50 users has exactly one admin and one suspended user
)

// rng is splitmix64: tiny, fast, and its output is fixed forever, unlike
// math/rand whose streams may change between Go releases.
type rng uint64

func newRNG(seed int64, stream uint64) rng {
	r := rng(uint64(seed)*0x9E3779B97F4A7C15 ^ stream*0xD1B54A32D192ED03)
	r.next()
	return r
}

func (r *rng) next() uint64 {
	*r += 0x9E3779B97F4A7C15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// Streams of the generator, so that each decision draws its own numbers.
const (
	streamWords = 1 << 40
	streamRoles = 2 << 40
	streamUser  = 3 << 40
)

// affine is a bijection k -> (k*mul+add) mod n: it scatters the name
// combinations over the users while keeping every combination used once.
type affine struct{ mul, add, n int }

func newAffine(r *rng, n int) affine {
	a := affine{mul: 1, n: n}
	if n > 1 {
		for a.mul = 1 + r.intn(n-1); gcd(a.mul, n) != 1; a.mul = 1 + r.intn(n-1) {
		}
		a.add = r.intn(n)
	}
	return a
}

func (a affine) at(k int) int { return (k%a.n*a.mul + a.add) % a.n }

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func shuffled(r *rng, words []string, lower bool) []string {
	out := make([]string, len(words))
	for i, w := range words {
		if lower {
			w = strings.ToLower(w)
		}
		out[i] = w
	}
	for i := len(out) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// world generates the seeded users and organizations on demand: user i is a
// pure function of (seed, i), so a million users never sit in memory.
type world struct {
	seed                int64
	users, orgs         int
	first, last         []string
	firstLow, lastLow   []string
	orgNames, orgDomain []string
	names               affine
}

func newWorld(seed int64, users, orgs int) *world {
	r := newRNG(seed, streamWords)
	w := &world{seed: seed, users: users, orgs: orgs}
	w.first, w.last = shuffled(&r, firstNames, false), shuffled(&r, lastNames, false)
	w.firstLow, w.lastLow = make([]string, len(w.first)), make([]string, len(w.last))
	for i := range w.first {
		w.firstLow[i] = strings.ToLower(w.first[i])
	}
	for i := range w.last {
		w.lastLow[i] = strings.ToLower(w.last[i])
	}
	w.names = newAffine(&r, len(firstNames)*len(lastNames))
	pre, ind := shuffled(&r, companyPrefixes, false), shuffled(&r, companyIndustries, false)
	combos := newAffine(&r, len(pre)*len(ind))
	w.orgNames, w.orgDomain = make([]string, orgs), make([]string, orgs)
	for j := range orgs {
		p := combos.at(j)
		name := pre[p%len(pre)] + " " + ind[p/len(pre)]
		domain := strings.ToLower(pre[p%len(pre)] + ind[p/len(pre)])
		if round := j / combos.n; round > 0 { // more orgs than combinations: number them
			name += " " + strconv.Itoa(round+1)
			domain += strconv.Itoa(round + 1)
		}
		w.orgNames[j], w.orgDomain[j] = name, domain+".test"
	}
	return w
}

// Ids are zero-padded to a width that fits the world, so that lexical order
// is numeric order: user_000001 by default, user_0000001 for a million users.
func (w *world) orgID(j int) string {
	return "org_" + leftPad(strconv.Itoa(j), max(4, len(strconv.Itoa(w.orgs))))
}

func (w *world) userID(i int) string {
	return "user_" + leftPad(strconv.Itoa(i), max(6, len(strconv.Itoa(w.users))))
}

type seedUser struct {
	id, email, first, last, role, status, metadata string
	at                                             int64
	orgs                                           [3]int // 0-based org indexes; orgs[0] is the primary
	nOrgs                                          int
}

// user returns user i (1-based).
func (w *world) user(i int) seedUser {
	k := i - 1
	p := w.names.at(k)
	fi, li := p%len(w.first), p/len(w.first)
	u := seedUser{id: w.userID(i), first: w.first[fi], last: w.last[li], role: roleMember, status: statusActive,
		at: toNs(seedBase.Add(time.Duration(i) * time.Second))}

	r := newRNG(w.seed, streamUser+uint64(i))
	u.orgs[0], u.nOrgs = r.intn(w.orgs), 1
	if w.orgs > 1 && r.intn(5) == 0 { // about a fifth belong to more than one org
		extra := 1
		if w.orgs > 2 && r.intn(4) == 0 {
			extra = 2
		}
		for u.nOrgs < 1+extra {
			o := r.intn(w.orgs)
			if o != u.orgs[0] && (u.nOrgs < 2 || o != u.orgs[1]) {
				u.orgs[u.nOrgs] = o
				u.nOrgs++
			}
		}
	}
	u.metadata = `{"locale":"` + locales[r.intn(len(locales))] + `","plan":"` + plans[u.orgs[0]%len(plans)] + `"}`

	// One admin and one suspended user per block, at seeded positions, so
	// every prefix of 50 users has both and the share is exactly 2%.
	br := newRNG(w.seed, streamRoles+uint64(k/roleBlock))
	admin := br.intn(roleBlock)
	suspended := br.intn(roleBlock - 1)
	if suspended >= admin {
		suspended++
	}
	switch k % roleBlock {
	case admin:
		u.role = roleAdmin
	case suspended:
		u.status = statusSuspend
	}

	local := w.firstLow[fi] + "." + w.lastLow[li]
	if round := k / w.names.n; round > 0 { // every name pair is used once per round
		local += strconv.Itoa(round)
	}
	u.email = local + "@" + w.orgDomain[u.orgs[0]]
	return u
}

// ensureSeeded seeds the world unless the db already holds this very world.
func (s *Server) ensureSeeded(ctx context.Context) error {
	want := fmt.Sprintf("%d/%d/%d", s.cfg.Users, s.cfg.Orgs, s.cfg.Seed)
	got, ok, err := getMeta(ctx, s.db, metaSeeded)
	if err != nil {
		return fmt.Errorf("demo: read seed state: %w", err)
	}
	if ok && got == want {
		return nil
	}
	start := time.Now()
	if err := seedWorld(ctx, s.db, newWorld(s.cfg.Seed, s.cfg.Users, s.cfg.Orgs), s.log.Info); err != nil {
		return fmt.Errorf("demo: seed: %w", err)
	}
	if err := putMeta(ctx, s.db, metaSeeded, want); err != nil {
		return fmt.Errorf("demo: record seed: %w", err)
	}
	took := time.Since(start)
	s.log.Info("demo world seeded", "users", s.cfg.Users, "orgs", s.cfg.Orgs, "seed", s.cfg.Seed,
		"took", took.Round(time.Millisecond), "users_per_s", int(float64(s.cfg.Users)/took.Seconds()))
	return nil
}

// seedWorld replaces the world tables with w, streaming users in
// transactions of seedTxUsers and building the secondary indexes last.
func seedWorld(ctx context.Context, db *sql.DB, w *world, progress func(msg string, args ...any)) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaSeeded); err != nil {
		return err
	}
	for _, t := range worldTables {
		if _, err := db.ExecContext(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
			return err
		}
	}
	for _, q := range worldSchema {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	err := inBulk(ctx, db, func(b *bulks) error {
		orgBase := seedBase.AddDate(-1, 0, 0)
		for j := range w.orgs {
			if err := b.orgs.add(w.orgID(j+1), w.orgNames[j], w.orgDomain[j], toNs(orgBase.Add(time.Duration(j)*6*time.Hour))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for from := 1; from <= w.users; from += seedTxUsers {
		to := min(from+seedTxUsers-1, w.users)
		err := inBulk(ctx, db, func(b *bulks) error {
			for i := from; i <= to; i++ {
				u := w.user(i)
				if err := b.users.add(u.id, u.email, u.first, u.last, u.role, u.status, u.metadata, u.at, u.at); err != nil {
					return err
				}
				for m := range u.nOrgs {
					role := roleMember
					if m == 0 {
						role = u.role // an admin administers their primary org
					}
					if err := b.members.add(u.id, w.orgID(u.orgs[m]+1), role); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if to%progressEvery < seedTxUsers && to != w.users {
			progress("seeding demo users", "done", to, "of", w.users)
		}
	}
	for _, q := range worldIndexes {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	_, err = db.ExecContext(ctx, `ANALYZE`)
	return err
}

// bulks are the inserters of one seeding transaction.
type bulks struct{ users, members, orgs *bulk }

// inBulk runs fn in one transaction with bulk inserters, flushing them
// before the commit.
func inBulk(ctx context.Context, db *sql.DB, fn func(b *bulks) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	all := &bulks{
		users:   &bulk{tx: tx, head: `INSERT INTO users(` + userColumns + `) VALUES`, cols: 9},
		members: &bulk{tx: tx, head: `INSERT INTO memberships(user_id, org_id, role) VALUES`, cols: 3},
		orgs:    &bulk{tx: tx, head: `INSERT INTO orgs(id, name, domain, created_at) VALUES`, cols: 4},
	}
	if err := fn(all); err != nil {
		return err
	}
	for _, b := range []*bulk{all.users, all.members, all.orgs} {
		if err := b.flush(ctx); err != nil {
			return err
		}
		if b.full != nil {
			b.full.Close()
		}
	}
	return tx.Commit()
}

// bulk batches rows into multi-row INSERTs: one statement per bulkRows rows
// costs far less than one per row.
type bulk struct {
	tx   *sql.Tx
	head string
	cols int
	full *sql.Stmt
	args []any
}

func (b *bulk) values(rows int) string {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", b.cols), ",") + ")"
	return b.head + strings.TrimSuffix(strings.Repeat(tuple+",", rows), ",")
}

func (b *bulk) add(vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) < bulkRows*b.cols {
		return nil
	}
	if b.full == nil {
		st, err := b.tx.Prepare(b.values(bulkRows))
		if err != nil {
			return err
		}
		b.full = st
	}
	_, err := b.full.Exec(b.args...)
	b.args = b.args[:0]
	return err
}

func (b *bulk) flush(ctx context.Context) error {
	if len(b.args) == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(ctx, b.values(len(b.args)/b.cols), b.args...)
	b.args = b.args[:0]
	return err
}
