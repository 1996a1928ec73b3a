-- Web Push subscriptions (POST /api/v1/push/subscription): one per access token, as
-- Mastodon keeps them. Host-only, like oauth_tokens: the row holds the push
-- service's endpoint and the client's keys (whoever has them can push to the
-- device), and the subscribing access token, sealed with a key derived from the
-- VAPID key (host/src/mastodon/push/sealed_token.rs), since Mastodon's push payload
-- carries it (`access_token`) and only hashes of tokens are kept in the clear. The id is a small serial because clients read it as a 32-bit
-- integer (Tusky), as Mastodon's ids of this table are.
CREATE TABLE web_push_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id BIGINT NOT NULL REFERENCES oauth_tokens (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    access_token TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    key_p256dh TEXT NOT NULL,
    key_auth TEXT NOT NULL,
    -- data.alerts as a JSON object of booleans (only the types the client named).
    alerts TEXT NOT NULL DEFAULT '{}',
    -- data.policy: all, followed, follower or none.
    policy TEXT NOT NULL DEFAULT 'all',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX web_push_subscriptions_token ON web_push_subscriptions (token_id);
CREATE INDEX web_push_subscriptions_account ON web_push_subscriptions (account_id);
