//! Followed and featured hashtags with a real client library, on both engines:
//! Mastodon.py 2.3.3 drives tests/clients/tags_flow.py — `tag`, `tag_follow`,
//! `followed_tags`, `timeline_home` (a followed hashtag's public status arrives, a
//! private one does not), `tag_unfollow`, `featured_tag_suggestions`,
//! `featured_tag_create`, `featured_tags`, `account_featured_tags`,
//! `featured_tag_delete`, `account_pin` / `endorsements` / `account_unpin`.

use crate::api::clients::run_client_script;

#[tokio::test]
async fn mastodon_py_follows_and_features_hashtags() {
    run_client_script("python3", "tags_flow.py", "tags flow: ok").await;
}
