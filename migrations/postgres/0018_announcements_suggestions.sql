-- Announcements the operator publishes (`aerie admin announcement add`), shown to
-- every local user by GET /api/v1/announcements until they end; who has read
-- (dismissed) which, and the emoji reactions users add to them.
CREATE TABLE announcements (
    id BIGINT PRIMARY KEY NOT NULL,
    -- As the operator wrote it (plain text: paragraphs, links and hashtags are
    -- rendered when shown, as Mastodon renders announcements).
    text TEXT NOT NULL,
    -- Milliseconds since the epoch; the event the announcement is about (optional).
    starts_at BIGINT,
    -- Past ends_at the announcement is no longer shown.
    ends_at BIGINT,
    all_day INTEGER NOT NULL DEFAULT 0,
    published_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE announcement_reads (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (announcement_id, account_id)
);

CREATE TABLE announcement_reactions (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- A unicode emoji.
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (announcement_id, account_id, name)
);

-- Follow suggestions a user dismissed (DELETE /api/v1/suggestions/:account_id): never
-- suggested to that user again.
CREATE TABLE suggestion_dismissals (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
