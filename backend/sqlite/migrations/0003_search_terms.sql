-- Version 3: the cache at scale.
-- Search moves from FTS5 to a B-tree of search terms: a prefix is then one
-- index range, fast for any prefix over a million users, and keeping it in
-- step costs a few rows per user instead of an FTS update.
-- Users carry the generation of the sync that saved them (mark and sweep:
-- a full pass deletes the users it did not see).
DROP TABLE users_fts;

-- No foreign key: checking one per term costs ingest time; removing an
-- environment deletes its terms itself.
CREATE TABLE user_terms (
    env  TEXT NOT NULL,
    term TEXT NOT NULL,
    rid  INTEGER NOT NULL,
    PRIMARY KEY (env, term, rid)
) WITHOUT ROWID;

-- Memberships without a rowid (one B-tree less to write per membership)
-- nor a foreign key (one lookup less): removing an environment deletes them.
CREATE TABLE memberships_v3 (
    env      TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    org_id   TEXT NOT NULL,
    org_name TEXT NOT NULL,
    role     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (env, user_id, org_id)
) WITHOUT ROWID;
INSERT INTO memberships_v3 SELECT env, user_id, org_id, org_name, role FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_v3 RENAME TO memberships;
CREATE INDEX memberships_org ON memberships (env, org_id);

ALTER TABLE users ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN last_full_at TEXT NOT NULL DEFAULT '';

-- Existing caches have no terms yet: the next sync is a full pass, which
-- writes them (until then, email and id prefixes still find everyone).
UPDATE sync_state SET cursor = '', run_since = '', high_water = '';
