-- Statuses to post later (POST /api/v1/statuses with scheduled_at): what the author
-- asked for, kept as JSON text until a `scheduled-status` job posts it at
-- scheduled_at through the same action as an immediate post, and deletes the row in
-- that transaction (so a retried job never posts twice; a cancelled or moved one
-- finds nothing to do).
CREATE TABLE scheduled_statuses (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Milliseconds since the epoch.
    scheduled_at BIGINT NOT NULL,
    -- The status parameters as JSON text: text, visibility, spoiler_text, sensitive,
    -- language, in_reply_to_id, poll, media_ids, application_id, idempotency.
    params TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, scheduled_at);

-- Uploads reserved for a scheduled status: not attachable elsewhere meanwhile, shown
-- in its media_attachments, attached to the status when it is posted.
ALTER TABLE media_attachments ADD COLUMN scheduled_status_id BIGINT;
CREATE INDEX media_attachments_scheduled ON media_attachments (scheduled_status_id);
