-- Version 9: provider activity. Events of a provider's own log (sign-ins,
-- sign-outs, failed sign-ins…) about impersonated users, for the user panel,
-- and how far the import of each environment's log got. Both belong to the
-- environment's cache: removing the environment removes them.
CREATE TABLE provider_events (
    env         TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    code        TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    client      TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (env, id)
) WITHOUT ROWID;
CREATE INDEX provider_events_user ON provider_events (env, user_id, at);

CREATE TABLE provider_activity_state (
    env     TEXT PRIMARY KEY REFERENCES environments(name) ON DELETE CASCADE,
    cursor  TEXT NOT NULL DEFAULT '',
    denied  TEXT NOT NULL DEFAULT '',
    read_at TEXT NOT NULL DEFAULT ''
);
