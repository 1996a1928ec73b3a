-- Custom emoji: the instance's own (domain NULL, added with `aerie admin emoji add`,
-- the picture in the blob store under `emojis/…`) and those of remote servers seen in
-- incoming posts' `Emoji` tags (domain set, the picture at image_remote_url). A
-- status's emojis are those whose `:shortcode:` its text names, of its author's
-- domain, as Mastodon resolves them.
CREATE TABLE custom_emojis (
    id BIGINT PRIMARY KEY NOT NULL,
    shortcode TEXT NOT NULL,
    -- NULL for local emoji.
    domain TEXT,
    -- The blob key of a local emoji's picture.
    image_key TEXT,
    content_type TEXT NOT NULL,
    -- The ActivityPub id and picture URL of a remote emoji.
    uri TEXT,
    image_remote_url TEXT,
    visible_in_picker INTEGER NOT NULL DEFAULT 1,
    category TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One emoji per shortcode and domain (local ones share the empty domain).
CREATE UNIQUE INDEX custom_emojis_shortcode_domain ON custom_emojis (shortcode, (COALESCE(domain, '')));
