-- The instance's own settings, synced from aerie.toml at start, and the first
-- tables the instance counts (the core model extends them).

CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    id BIGINT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    -- NULL for local accounts.
    domain TEXT,
    display_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_username_domain ON accounts (lower(username), COALESCE(domain, ''));

CREATE TABLE users (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    last_active_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE statuses (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    local INTEGER NOT NULL DEFAULT 1,
    text TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX statuses_account ON statuses (account_id, id);

-- Remote servers this instance knows.
CREATE TABLE instances (
    domain TEXT PRIMARY KEY NOT NULL,
    first_seen_at BIGINT NOT NULL
);
