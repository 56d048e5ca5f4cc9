-- Version 2: the lookups that must not scan: email prefix for as-you-type
-- search, running sessions for the banner and expiry, memberships by org.

CREATE INDEX users_email ON users (env, email);
CREATE INDEX sessions_running ON sessions (expires_at) WHERE ended_at IS NULL;
CREATE INDEX sessions_user ON sessions (env, user_id, started_at);
CREATE INDEX memberships_org ON memberships (env, org_id);
