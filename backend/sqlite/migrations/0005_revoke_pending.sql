-- A stop the provider did not confirm leaves the session running with the
-- time of the first attempt; Guise retries until the provider confirms or
-- the session expires.
ALTER TABLE sessions ADD COLUMN revoke_pending_at TEXT;
CREATE INDEX sessions_revoke_pending ON sessions (revoke_pending_at) WHERE revoke_pending_at IS NOT NULL AND ended_at IS NULL;
