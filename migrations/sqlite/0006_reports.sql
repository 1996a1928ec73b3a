-- Moderation reports: a remote server's Flag about a local account (and some of its
-- statuses), or, later, a local user's report. Read by `aerie admin reports list`.
CREATE TABLE reports (
    id BIGINT PRIMARY KEY NOT NULL,
    -- Who reported: the remote actor that sent the Flag (often an instance actor).
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The reported (local) account.
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- JSON array of the reported statuses' ids (only the target's own).
    status_ids TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '',
    -- The Flag's id: the same report delivered twice is stored once.
    uri TEXT,
    -- 1 when the report came from another server.
    forwarded INTEGER NOT NULL DEFAULT 0,
    action_taken_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX reports_uri ON reports (uri);
CREATE INDEX reports_target ON reports (target_account_id);
