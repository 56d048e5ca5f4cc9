-- Version 7 is reserved for a branch developed at the same time; this
-- placeholder keeps the versions contiguous until the branches are merged,
-- when that branch's 0007 replaces it.
SELECT 1;
