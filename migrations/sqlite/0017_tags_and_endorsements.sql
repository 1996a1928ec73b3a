-- Hashtags a user follows, features on their profile, and accounts they endorse.
--
-- tag_follows: a local account follows a hashtag (POST /api/v1/tags/:name/follow);
-- public statuses carrying it join that account's home timeline at read time,
-- reached through status_tags (tag_id, status_id), never copied.
CREATE TABLE tag_follows (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tag_follows_pair ON tag_follows (account_id, tag_id);

-- featured_tags: hashtags a local account shows on its profile (at most 10, as
-- Mastodon), also served as the actor's featuredTags collection.
CREATE TABLE featured_tags (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX featured_tags_pair ON featured_tags (account_id, tag_id);

-- account_pins: accounts a local account endorses (features on its profile); only
-- followed ones, and the row goes when the follow goes (store::follows::remove).
CREATE TABLE account_pins (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_pins_pair ON account_pins (account_id, target_account_id);
