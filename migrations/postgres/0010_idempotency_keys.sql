-- Idempotency-Key on POST /api/v1/statuses, reserved atomically: the first request
-- with an (account, key) inserts the row (ON CONFLICT DO NOTHING decides who is
-- first), posts, then records the status; a duplicate meanwhile waits for status_id
-- and answers the same status. A failed first attempt deletes its row so a retry can
-- post. Rows older than an hour (Mastodon's window) are swept by later posts.
CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    -- NULL while the first request is still at work.
    status_id BIGINT,
    -- Milliseconds since the epoch, when the key was reserved.
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
