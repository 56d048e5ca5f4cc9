-- Version 10: the search index in two levels, so that adding users to a big
-- cache rewrites little of it.
--  * Terms: adding terms to user_terms, however few, rewrote nearly every
--    page of it (they land all over its key range). New terms now go to
--    user_terms_recent, which stays small; the end of a sync pass folds it
--    into user_terms once it holds a quarter as many terms (settleTerms).
--  * Posting lists: a page of new users rewrote the last row of every list
--    it touched, each on its own page of user_postings. New entries now go
--    to user_postings_recent, whose few short lists share pages, and the end
--    of each pass appends them to the main lists once (foldPostings).
--    index_levels.folded is the rid up to which entries are in the main
--    lists; entries of later rids are recent.
-- Search reads both levels of each.
CREATE TABLE user_terms_recent (
    env  TEXT NOT NULL,
    term TEXT NOT NULL,
    rid  INTEGER NOT NULL,
    PRIMARY KEY (env, term, rid)
) WITHOUT ROWID;

CREATE TABLE user_postings_recent (
    env   TEXT NOT NULL,
    term  TEXT NOT NULL,
    first INTEGER NOT NULL,
    rids  TEXT NOT NULL,
    PRIMARY KEY (env, term, first)
) WITHOUT ROWID;

-- Per environment: the rid up to which list entries are in the main lists,
-- and how many terms each level holds (kept with every write).
CREATE TABLE index_levels (
    env    TEXT PRIMARY KEY REFERENCES environments(name) ON DELETE CASCADE,
    folded INTEGER NOT NULL DEFAULT 0,
    terms  INTEGER NOT NULL DEFAULT 0,
    recent INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
-- Every term and list entry cached so far is in the main level.
INSERT INTO index_levels (env, folded, terms)
    SELECT name, (SELECT coalesce(max(rid), 0) FROM users), (SELECT count(*) FROM user_terms t WHERE t.env = environments.name) FROM environments;
