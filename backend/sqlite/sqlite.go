// Package sqlite is Guise's local store over modernc.org/sqlite: the cache of
// users and organizations, sessions, the hash-chained audit log and settings.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// timeFormat is fixed-width so that text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// DB is the Guise database. It is safe for concurrent use, also by several
// processes on the same file (WAL, busy timeout, immediate write transactions).
type DB struct {
	db   *sql.DB
	Path string

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared once: parsing a 200-row INSERT each page is costly
}

var _ guise.Store = (*DB)(nil)

// migrations returns the embedded migrations in order; file names start with
// their version number.
func migrations() ([]string, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for i, n := range names {
		v, err := strconv.Atoi(strings.SplitN(path.Base(n), "_", 2)[0])
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s is out of sequence", n)
		}
	}
	return names, nil
}

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int {
	names, _ := migrations()
	return len(names)
}

func dsn(p string, params ...string) string {
	return "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + strings.Join(params, "&")
}

// Open opens (creating it if needed) the database at path and migrates it
// forward. A database written by a newer Guise is refused untouched.
func Open(ctx context.Context, p string) (*DB, error) {
	if _, err := os.Stat(p); err == nil {
		v, err := readVersion(ctx, p)
		if err != nil {
			return nil, err
		}
		if v > SchemaVersion() {
			return nil, guise.Errorf(guise.ESCHEMA, "The database %s was written by a newer Guise (schema version %d; this Guise knows up to %d). Update Guise; the file was not changed.", p, v, SchemaVersion())
		}
	}
	db, err := sql.Open("sqlite", dsn(p,
		"_pragma=journal_mode(WAL)", "_pragma=busy_timeout(10000)", "_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)", "_pragma=temp_store(MEMORY)", "_pragma=cache_size(-16384)", "_txlock=immediate",
		// A checkpoint every 40 MB of WAL rather than 4: a sync's large
		// transactions rewrite the same hot pages (tree tails, interior
		// nodes), and each checkpoint copies them again.
		"_pragma=wal_autocheckpoint(10000)"))
	if err != nil {
		return nil, guise.Wrap(guise.EINTERNAL, err, "Cannot open the database %s: %v", p, err)
	}
	d := &DB{db: db, Path: p}
	if err := d.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := d.reindexIfMarked(ctx); err != nil {
		_ = db.Close()
		return nil, guise.Wrap(guise.EINTERNAL, err, "Cannot rebuild the search index of %s: %v", p, err)
	}
	return d, nil
}

// readVersion reads the schema version read-only, so a newer file is never touched.
func readVersion(ctx context.Context, p string) (int, error) {
	ro, err := sql.Open("sqlite", dsn(p, "mode=ro", "_pragma=busy_timeout(10000)"))
	if err != nil {
		return 0, guise.Wrap(guise.EINTERNAL, err, "Cannot open the database %s: %v", p, err)
	}
	defer ro.Close()
	var v int
	if err := ro.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, guise.Wrap(guise.EINTERNAL, err, "Cannot read the database %s (is it a Guise database?): %v", p, err)
	}
	return v, nil
}

func (d *DB) migrate(ctx context.Context) error {
	names, err := migrations()
	if err != nil {
		return guise.Wrap(guise.EINTERNAL, err, "Broken build: %v", err)
	}
	var v int
	if err := d.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return guise.Wrap(guise.EINTERNAL, err, "Cannot read the database %s: %v", d.Path, err)
	}
	if v > len(names) {
		return guise.Errorf(guise.ESCHEMA, "The database %s was written by a newer Guise (schema version %d; this Guise knows up to %d). Update Guise; the file was not changed.", d.Path, v, len(names))
	}
	for i := v; i < len(names); i++ {
		body, err := migrationFS.ReadFile(names[i])
		if err != nil {
			return guise.Wrap(guise.EINTERNAL, err, "Broken build: %v", err)
		}
		err = d.write(ctx, func(tx *sql.Tx) error {
			// Another process may have migrated while we waited for the lock.
			var cur int
			if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
				return err
			}
			if cur > i {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", path.Base(names[i]), err)
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return guise.Wrap(guise.EINTERNAL, err, "Cannot upgrade the database %s: %v", d.Path, err)
		}
	}
	return nil
}

// Version returns the database's schema version.
func (d *DB) Version(ctx context.Context) (int, error) {
	var v int
	err := d.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// IntegrityCheck runs PRAGMA integrity_check and returns its first line ("ok" when sound).
func (d *DB) IntegrityCheck(ctx context.Context) (string, error) {
	var s string
	err := d.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&s)
	return s, err
}

// Close closes the database, checkpointing the WAL.
func (d *DB) Close() error {
	d.mu.Lock()
	for _, s := range d.stmts {
		_ = s.Close()
	}
	d.stmts = nil
	d.mu.Unlock()
	return d.db.Close()
}

// stmt returns the statement q prepared once for the database; a
// transaction uses it through tx.StmtContext, which keeps it per connection.
func (d *DB) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.stmts[q]; ok {
		return s, nil
	}
	s, err := d.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if d.stmts == nil {
		d.stmts = map[string]*sql.Stmt{}
	}
	d.stmts[q] = s
	return s, nil
}

// write runs fn in an immediate transaction, so writers from several
// processes queue on the busy timeout instead of failing on upgrade.
func (d *DB) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// internal wraps an unexpected database error; domain errors pass through.
func internal(err error, what string) error {
	var e *guise.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return guise.Wrap(guise.ECANCELED, err, "Canceled while %s.", what)
	}
	return guise.Wrap(guise.EINTERNAL, err, "Database error while %s: %v", what, err)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}
