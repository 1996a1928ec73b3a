-- The core model: accounts, statuses and everything around them, in portable SQL
-- (BIGINT ids and millisecond timestamps, INTEGER 0/1 booleans, JSON kept as TEXT).
-- Ids are 64-bit and time-ordered (milliseconds << 16 | node | sequence), made by the host.

-- Accounts, local (domain IS NULL) and remote.
ALTER TABLE accounts ADD COLUMN uri TEXT;
ALTER TABLE accounts ADD COLUMN url TEXT;
ALTER TABLE accounts ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN avatar_url TEXT;
ALTER TABLE accounts ADD COLUMN header_url TEXT;
ALTER TABLE accounts ADD COLUMN actor_type TEXT NOT NULL DEFAULT 'Person';
ALTER TABLE accounts ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN bot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN discoverable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN indexable INTEGER NOT NULL DEFAULT 0;
-- Profile fields: JSON [{"name": ..., "value": ..., "verified_at": ...}].
ALTER TABLE accounts ADD COLUMN fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE accounts ADD COLUMN moved_to_account_id BIGINT;
-- JSON array of actor URIs.
ALTER TABLE accounts ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '[]';
ALTER TABLE accounts ADD COLUMN inbox_url TEXT;
ALTER TABLE accounts ADD COLUMN shared_inbox_url TEXT;
ALTER TABLE accounts ADD COLUMN outbox_url TEXT;
ALTER TABLE accounts ADD COLUMN followers_url TEXT;
ALTER TABLE accounts ADD COLUMN featured_url TEXT;
-- Keys by reference: the public key and its id here; a local account's private key
-- lives in the host-only account_keys table.
ALTER TABLE accounts ADD COLUMN public_key_id TEXT;
ALTER TABLE accounts ADD COLUMN public_key_pem TEXT;
ALTER TABLE accounts ADD COLUMN suspended_at BIGINT;
ALTER TABLE accounts ADD COLUMN silenced_at BIGINT;
ALTER TABLE accounts ADD COLUMN deleted_at BIGINT;
ALTER TABLE accounts ADD COLUMN statuses_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN followers_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN following_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN last_status_at BIGINT;
ALTER TABLE accounts ADD COLUMN fetched_at BIGINT;
ALTER TABLE accounts ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX accounts_uri ON accounts (uri);

CREATE TABLE account_keys (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    private_key_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Local users: login, role, settings.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user';
ALTER TABLE users ADD COLUMN confirmed_at BIGINT;
ALTER TABLE users ADD COLUMN approved INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
-- JSON: posting defaults (visibility, sensitive, language), reading preferences.
ALTER TABLE users ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE UNIQUE INDEX users_account ON users (account_id);

CREATE TABLE conversations (
    id BIGINT PRIMARY KEY NOT NULL,
    uri TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX conversations_uri ON conversations (uri);

CREATE TABLE applications (
    id BIGINT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    client_id TEXT NOT NULL,
    owner_account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX applications_client_id ON applications (client_id);

-- Statuses: text and rendered HTML, visibility ('public', 'unlisted', 'private',
-- 'direct'), threading, boosts, edits.
ALTER TABLE statuses ADD COLUMN uri TEXT;
ALTER TABLE statuses ADD COLUMN url TEXT;
ALTER TABLE statuses ADD COLUMN content_html TEXT NOT NULL DEFAULT '';
ALTER TABLE statuses ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE statuses ADD COLUMN in_reply_to_id BIGINT;
ALTER TABLE statuses ADD COLUMN in_reply_to_account_id BIGINT;
ALTER TABLE statuses ADD COLUMN reblog_of_id BIGINT;
ALTER TABLE statuses ADD COLUMN conversation_id BIGINT;
ALTER TABLE statuses ADD COLUMN language TEXT;
ALTER TABLE statuses ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE statuses ADD COLUMN spoiler_text TEXT NOT NULL DEFAULT '';
ALTER TABLE statuses ADD COLUMN application_id BIGINT;
ALTER TABLE statuses ADD COLUMN poll_id BIGINT;
ALTER TABLE statuses ADD COLUMN replies_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE statuses ADD COLUMN reblogs_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE statuses ADD COLUMN favourites_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE statuses ADD COLUMN edited_at BIGINT;
ALTER TABLE statuses ADD COLUMN deleted_at BIGINT;
ALTER TABLE statuses ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX statuses_uri ON statuses (uri);
CREATE INDEX statuses_timeline ON statuses (visibility, local, id);
CREATE INDEX statuses_reply ON statuses (in_reply_to_id);
CREATE INDEX statuses_reblog ON statuses (reblog_of_id);
CREATE INDEX statuses_conversation ON statuses (conversation_id);

CREATE TABLE status_edits (
    id BIGINT PRIMARY KEY NOT NULL,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL,
    text TEXT NOT NULL,
    content_html TEXT NOT NULL,
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive INTEGER NOT NULL DEFAULT 0,
    -- JSON arrays: media attachment ids, poll options at the time.
    media_ids TEXT NOT NULL DEFAULT '[]',
    poll_options TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE mentions (
    id BIGINT PRIMARY KEY NOT NULL,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    silent INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX mentions_status_account ON mentions (status_id, account_id);
CREATE INDEX mentions_account ON mentions (account_id, status_id);

CREATE TABLE tags (
    id BIGINT PRIMARY KEY NOT NULL,
    -- Lower-cased; display_name keeps the first spelling seen.
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    usable INTEGER NOT NULL DEFAULT 1,
    trendable INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (name);

CREATE TABLE status_tags (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, tag_id)
);
CREATE INDEX status_tags_tag ON status_tags (tag_id, status_id);

CREATE TABLE follows (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs INTEGER NOT NULL DEFAULT 1,
    notify INTEGER NOT NULL DEFAULT 0,
    languages TEXT,
    uri TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX follows_pair ON follows (account_id, target_account_id);
CREATE INDEX follows_target ON follows (target_account_id, id);

CREATE TABLE follow_requests (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs INTEGER NOT NULL DEFAULT 1,
    notify INTEGER NOT NULL DEFAULT 0,
    uri TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX follow_requests_pair ON follow_requests (account_id, target_account_id);
CREATE INDEX follow_requests_target ON follow_requests (target_account_id, id);

CREATE TABLE blocks (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX blocks_pair ON blocks (account_id, target_account_id);
CREATE INDEX blocks_target ON blocks (target_account_id);

CREATE TABLE mutes (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications INTEGER NOT NULL DEFAULT 1,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX mutes_pair ON mutes (account_id, target_account_id);

-- A user's own domain blocks (Mastodon's "hide everything from").
CREATE TABLE account_domain_blocks (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_domain_blocks_pair ON account_domain_blocks (account_id, domain);

-- The instance's domain blocks, set by moderators.
CREATE TABLE domain_blocks (
    domain TEXT PRIMARY KEY NOT NULL,
    -- 'silence', 'suspend' or 'noop'
    severity TEXT NOT NULL,
    reject_media INTEGER NOT NULL DEFAULT 0,
    reject_reports INTEGER NOT NULL DEFAULT 0,
    public_comment TEXT NOT NULL DEFAULT '',
    private_comment TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE favourites (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX favourites_pair ON favourites (account_id, status_id);
CREATE INDEX favourites_status ON favourites (status_id);

CREATE TABLE bookmarks (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX bookmarks_pair ON bookmarks (account_id, status_id);

CREATE TABLE pins (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX pins_pair ON pins (account_id, status_id);

CREATE TABLE status_mutes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
);

CREATE TABLE notifications (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- mention, status, reblog, follow, follow_request, favourite, poll, update, ...
    type TEXT NOT NULL,
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    group_key TEXT,
    dismissed INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);

CREATE TABLE media_attachments (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    -- image, gifv, video, audio, unknown
    type TEXT NOT NULL,
    content_type TEXT,
    blob_key TEXT,
    thumbnail_key TEXT,
    remote_url TEXT,
    description TEXT,
    blurhash TEXT,
    focus_x REAL,
    focus_y REAL,
    -- JSON: original/small sizes, durations.
    meta TEXT NOT NULL DEFAULT '{}',
    file_size BIGINT,
    -- pending, ready, failed
    processing TEXT NOT NULL DEFAULT 'pending',
    last_accessed_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX media_attachments_status ON media_attachments (status_id);
CREATE INDEX media_attachments_cache ON media_attachments (last_accessed_at);

CREATE TABLE polls (
    id BIGINT PRIMARY KEY NOT NULL,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- JSON [{"title": ..., "votes_count": ...}]
    options TEXT NOT NULL,
    multiple INTEGER NOT NULL DEFAULT 0,
    votes_count BIGINT NOT NULL DEFAULT 0,
    voters_count BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX polls_status ON polls (status_id);

CREATE TABLE poll_votes (
    id BIGINT PRIMARY KEY NOT NULL,
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice INTEGER NOT NULL,
    uri TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX poll_votes_choice ON poll_votes (poll_id, account_id, choice);

CREATE TABLE lists (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    -- followed, list, none
    replies_policy TEXT NOT NULL DEFAULT 'list',
    exclusive INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE list_accounts (
    list_id BIGINT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, account_id)
);

CREATE TABLE filters (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    -- JSON array: home, notifications, public, thread, account
    context TEXT NOT NULL,
    -- warn, hide, blur
    action TEXT NOT NULL DEFAULT 'warn',
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE filter_keywords (
    id BIGINT PRIMARY KEY NOT NULL,
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE filter_statuses (
    id BIGINT PRIMARY KEY NOT NULL,
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE
);

CREATE TABLE markers (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- home, notifications
    timeline TEXT NOT NULL,
    last_read_id BIGINT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

-- OAuth secrets: host-only, hashed.
CREATE TABLE application_secrets (
    application_id BIGINT PRIMARY KEY NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    client_secret_hash TEXT NOT NULL
);

CREATE TABLE oauth_tokens (
    id BIGINT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL,
    refresh_token_hash TEXT,
    application_id BIGINT REFERENCES applications (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX oauth_tokens_hash ON oauth_tokens (token_hash);
CREATE UNIQUE INDEX oauth_tokens_refresh ON oauth_tokens (refresh_token_hash);

CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    expires_at BIGINT NOT NULL
);

CREATE TABLE relays (
    id BIGINT PRIMARY KEY NOT NULL,
    inbox_url TEXT NOT NULL,
    follow_activity_id TEXT,
    -- idle, pending, accepted, rejected
    state TEXT NOT NULL DEFAULT 'idle',
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX relays_inbox ON relays (inbox_url);

-- Per-host federation state.
ALTER TABLE instances ADD COLUMN software TEXT;
ALTER TABLE instances ADD COLUMN last_success_at BIGINT;
ALTER TABLE instances ADD COLUMN last_failure_at BIGINT;
ALTER TABLE instances ADD COLUMN failure_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN unavailable_until BIGINT;
