-- Version 9: fewer index rows per user, so a million users ingest at speed.
--  * A user's organizations live in the user's row (orgs, a JSON array of
--    {id, name, role}, by name): reading them costs no second B-tree, and
--    the memberships table with its index by organization goes.
--  * Search keys many users share are posting lists (user_postings): the
--    later words of names ("smith"), an organization ('#' and its id), an
--    email domain ('@' and the domain). A list is rows of up to 64 rids
--    (ascending, comma-separated), where there was a row per user; a page of
--    new users appends to each list's last row.
--  * user_terms keeps each user's own keys: the email ('=' and the email)
--    and the name's words (the email's local part for a user without a
--    name). A named user's whole local part is no longer a key: the email
--    prefix finds it.
-- Guise rebuilds user_terms and user_postings from the users right after
-- this file (reindexIfMarked in postings.go).
ALTER TABLE users ADD COLUMN orgs TEXT NOT NULL DEFAULT '[]';
UPDATE users SET orgs = (
    SELECT json_group_array(json_object('id', m.org_id, 'name', m.org_name, 'role', m.role) ORDER BY m.org_name, m.org_id)
    FROM memberships m WHERE m.env = users.env AND m.user_id = users.id)
WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.env = users.env AND m.user_id = users.id);
DROP TABLE memberships;

CREATE TABLE user_postings (
    env   TEXT NOT NULL,
    term  TEXT NOT NULL,
    first INTEGER NOT NULL,
    rids  TEXT NOT NULL,
    PRIMARY KEY (env, term, first)
) WITHOUT ROWID;

DELETE FROM user_terms;
DELETE FROM user_terms_stage;
-- Open sees this mark and rebuilds the index (it needs Go), then removes
-- the mark in the same transaction: a crash before then rebuilds again.
INSERT INTO settings (key, value) VALUES ('sqlite/reindex', '9');
