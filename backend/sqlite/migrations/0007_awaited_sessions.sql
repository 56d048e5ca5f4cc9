-- Version 7: starts made in a provider's dashboard (WorkOS). A session waits
-- for the provider to report it until awaiting_until, without a
-- provider_ref; impersonations begun outside Guise are imported from the
-- provider's events and marked outside. Imports are deduplicated by the
-- provider's reference, hence its index.
ALTER TABLE sessions ADD COLUMN awaiting_until TEXT;
ALTER TABLE sessions ADD COLUMN outside INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_provider_ref ON sessions (env, provider_ref) WHERE provider_ref != '';
