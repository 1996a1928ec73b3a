-- Filters (Mastodon's filters v2; a v1 filter is one keyword of a filter), whose tables
-- 0003 created: what the API needs to serve them. A filter's filters are read by
-- account, its keywords by filter; a filter names a status once (the API answers 422
-- for a second time, through ON CONFLICT on this index); `updated_at` is when it was
-- last changed (milliseconds since the epoch, NULL for none since created).
CREATE INDEX filters_account_id ON filters (account_id);
CREATE INDEX filter_keywords_filter_id ON filter_keywords (filter_id);
CREATE UNIQUE INDEX filter_statuses_filter_id_status_id ON filter_statuses (filter_id, status_id);
ALTER TABLE filters ADD COLUMN updated_at BIGINT;
