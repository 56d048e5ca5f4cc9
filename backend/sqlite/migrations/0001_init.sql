-- Guise schema, version 1. Times are UTC text in a fixed-width RFC 3339
-- format so that text order is time order.

CREATE TABLE environments (
    name       TEXT PRIMARY KEY,
    provider   TEXT NOT NULL,
    base_url   TEXT NOT NULL DEFAULT '',
    settings   TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);

-- The cache. Deleting an environment drops its cache, never its history.
CREATE TABLE users (
    rid        INTEGER PRIMARY KEY,
    env        TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    email      TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'active',
    metadata   TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL DEFAULT '',
    UNIQUE (env, id)
);

CREATE TABLE organizations (
    env  TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,
    id   TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (env, id)
);

CREATE TABLE memberships (
    env      TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,
    user_id  TEXT NOT NULL,
    org_id   TEXT NOT NULL,
    org_name TEXT NOT NULL,
    role     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (env, user_id, org_id)
);

-- Full-text index over the users table; rowid = users.rid.
CREATE VIRTUAL TABLE users_fts USING fts5(email, name, uid, orgs, tokenize = 'unicode61');

CREATE TABLE sync_state (
    env            TEXT PRIMARY KEY REFERENCES environments(name) ON DELETE CASCADE,
    cursor         TEXT NOT NULL DEFAULT '',
    run_since      TEXT NOT NULL DEFAULT '',
    high_water     TEXT NOT NULL DEFAULT '',
    last_synced_at TEXT NOT NULL DEFAULT '',
    users          INTEGER NOT NULL DEFAULT 0,
    orgs           INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT ''
);

-- History. No foreign key to environments: history outlives them.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    env          TEXT NOT NULL,
    provider     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    user_email   TEXT NOT NULL,
    user_name    TEXT NOT NULL DEFAULT '',
    org_id       TEXT NOT NULL DEFAULT '',
    org_name     TEXT NOT NULL DEFAULT '',
    agent_email  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    ticket       TEXT NOT NULL DEFAULT '',
    started_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ended_at     TEXT,
    end_reason   TEXT NOT NULL DEFAULT '',
    provider_ref TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_started ON sessions (started_at);

-- Append-only and hash-chained: each row carries the hash of the one before.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    env        TEXT NOT NULL DEFAULT '',
    agent      TEXT NOT NULL DEFAULT '',
    user_id    TEXT NOT NULL DEFAULT '',
    user_email TEXT NOT NULL DEFAULT '',
    org_id     TEXT NOT NULL DEFAULT '',
    org_name   TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    ticket     TEXT NOT NULL DEFAULT '',
    rule       TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
