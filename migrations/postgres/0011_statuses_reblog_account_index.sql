-- "Which of these statuses has the viewer reblogged?" (every page of statuses asks it)
-- and "has this account reblogged this status?" (boost, unboost) both name the original
-- and the account. With only an index on the original, SQLite answered them by walking
-- every status of the account (statuses_account), so each page cost a prolific viewer
-- time in proportion to what they had written. With both columns in one index, the
-- lookup is one index probe per original; the original alone still uses its prefix.
DROP INDEX statuses_reblog;
CREATE INDEX statuses_reblog_account ON statuses (reblog_of_id, account_id);
