-- Version 6: bulk ingest. Inserting a million users' search keys at random
-- places of two B-trees (users_email, user_terms) wrote each index page once
-- per user. Now:
--  * the email is a term of user_terms ('=' and the email; no word starts
--    with '='), and the users_email index goes;
--  * during a full pass, the terms of users new to the cache are appended to
--    user_terms_stage, one row a user (terms as a JSON array), keyed by rid so
--    that the stage only grows at its end. The pass's last page merges them
--    into user_terms sorted, in chunks, in its own transaction: each index
--    page is written about once a chunk. Until then those users are found by
--    id, and by exact email (FindUser).
CREATE TABLE user_terms_stage (
    env   TEXT NOT NULL,
    rid   INTEGER NOT NULL,
    terms TEXT NOT NULL,
    PRIMARY KEY (env, rid)
) WITHOUT ROWID;

INSERT OR IGNORE INTO user_terms (env, term, rid)
    SELECT env, '=' || email, rid FROM users WHERE email <> '' ORDER BY env, '=' || email, rid;
DROP INDEX users_email;
