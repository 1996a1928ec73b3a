-- Direct conversations as each local participant sees them (Mastodon's
-- account_conversations): one row per account, thread and set of other
-- participants (`participant_ids`: their ids, sorted, comma-separated; empty for a
-- note to oneself). `last_status_id` pages the list (GET /api/v1/conversations) and
-- follows deletions; `unread` is set for a recipient and cleared by the author's own
-- posts and by POST /api/v1/conversations/:id/read. DELETE removes the row for that
-- account only; a later status in the thread brings it back.
CREATE TABLE account_conversations (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL,
    participant_ids TEXT NOT NULL,
    last_status_id BIGINT NOT NULL,
    unread INTEGER NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_conversations_key ON account_conversations (account_id, conversation_id, participant_ids);
CREATE INDEX account_conversations_account ON account_conversations (account_id, last_status_id);

-- The statuses of each account conversation, so a deleted status hands
-- `last_status_id` back to the previous one (or removes the conversation).
CREATE TABLE account_conversation_statuses (
    account_conversation_id BIGINT NOT NULL REFERENCES account_conversations (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL,
    PRIMARY KEY (account_conversation_id, status_id)
);
CREATE INDEX account_conversation_statuses_status ON account_conversation_statuses (status_id);

-- Mastodon 4.3's notification policy per local account: 0 accept, 1 filter, 2 drop.
-- No row means the defaults (filter private mentions and limited accounts).
CREATE TABLE notification_policies (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    for_not_following INTEGER NOT NULL DEFAULT 0,
    for_not_followers INTEGER NOT NULL DEFAULT 0,
    for_new_accounts INTEGER NOT NULL DEFAULT 0,
    for_private_mentions INTEGER NOT NULL DEFAULT 1,
    for_limited_accounts INTEGER NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

-- Filtered notifications are kept out of the list until their request is accepted
-- (then 0) or dismissed (then deleted).
ALTER TABLE notifications ADD COLUMN filtered INTEGER NOT NULL DEFAULT 0;
CREATE INDEX notifications_filtered ON notifications (account_id, from_account_id, filtered);

-- A request per (recipient, sender) whose mentions the policy filtered.
CREATE TABLE notification_requests (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    last_status_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX notification_requests_pair ON notification_requests (account_id, from_account_id);

-- Senders whose request the recipient accepted: their notifications pass the policy.
CREATE TABLE notification_permissions (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, from_account_id)
);
