//! The URI layout of local objects, minted in one place (like GoToSocial's
//! `internal/uris`): the host when it creates an account, the API component when it
//! posts, core when it writes ActivityStreams and activitypub when it serves them all
//! call these, so the URIs other servers store and the routes that answer them
//! (`host/src/manifest.rs`, `host/src/federation/inbox.rs`) cannot drift apart.
//!
//! `base` is always `scheme://host` with no trailing slash (`https://social.example`).
//! The functions taking an `actor` are given the actor's URI as stored in its row,
//! which for a local account is [`actor`]`(base, name)`; remote actors' URIs are
//! whatever their servers chose and are never minted here.

/// The path prefix of local actors (`/users/NAME`); the routes under it are the
/// activitypub component's, except the personal inboxes the host answers.
pub const USERS_PATH: &str = "/users/";

/// A local actor: `BASE/users/NAME`.
pub fn actor(base: &str, name: &str) -> String {
    format!("{base}{USERS_PATH}{name}")
}

/// The id of an actor's public key: `ACTOR#main-key`.
pub fn key_id(actor: &str) -> String {
    format!("{actor}#main-key")
}

/// A local actor's personal inbox: `ACTOR/inbox`.
pub fn inbox(actor: &str) -> String {
    format!("{actor}/inbox")
}

/// A local actor's outbox: `ACTOR/outbox`.
pub fn outbox(actor: &str) -> String {
    format!("{actor}/outbox")
}

/// A local actor's followers collection: `ACTOR/followers`.
pub fn followers(actor: &str) -> String {
    format!("{actor}/followers")
}

/// A local actor's following collection: `ACTOR/following`.
pub fn following(actor: &str) -> String {
    format!("{actor}/following")
}

/// A local actor's pinned statuses: `ACTOR/collections/featured`.
pub fn featured(actor: &str) -> String {
    format!("{actor}/collections/featured")
}

/// A local actor's featured hashtags: `ACTOR/collections/tags`.
pub fn featured_tags(actor: &str) -> String {
    format!("{actor}/collections/tags")
}

/// The instance's shared inbox: `BASE/inbox`.
pub fn shared_inbox(base: &str) -> String {
    format!("{base}/inbox")
}

/// The instance actor (signs fetches and forwarded reports): `BASE/actor`.
pub fn instance_actor(base: &str) -> String {
    format!("{base}/actor")
}

/// A local account's profile page: `BASE/@NAME`.
pub fn profile(base: &str, name: &str) -> String {
    format!("{base}/@{name}")
}

/// A local status: `ACTOR/statuses/ID`.
pub fn status(actor: &str, id: i64) -> String {
    format!("{actor}/statuses/{id}")
}

/// A local status's page: `PROFILE/ID` (`BASE/@NAME/ID` for a [`profile`] URL).
pub fn status_page(profile: &str, id: i64) -> String {
    format!("{profile}/{id}")
}

/// The `Create` (or `Announce`) that published a status: `STATUS/activity`.
pub fn status_activity(status: &str) -> String {
    format!("{status}/activity")
}

/// A local status's replies collection: `STATUS/replies`.
pub fn replies(status: &str) -> String {
    format!("{status}/replies")
}

/// A local status's likes collection: `STATUS/likes`.
pub fn likes(status: &str) -> String {
    format!("{status}/likes")
}

/// A local status's shares collection: `STATUS/shares`.
pub fn shares(status: &str) -> String {
    format!("{status}/shares")
}

/// A hashtag's page: `BASE/tags/NAME`; `name` must already be safe in a path
/// (percent-encoded by the caller).
pub fn tag(base: &str, name: &str) -> String {
    format!("{base}/tags/{name}")
}

/// An account's statuses with a hashtag, the page a featured hashtag links to:
/// `PROFILE/tagged/NAME` (`BASE/@NAME/tagged/TAG` for a [`profile`] URL); `name`
/// must already be safe in a path.
pub fn tagged(profile: &str, name: &str) -> String {
    format!("{profile}/tagged/{name}")
}

/// A report forwarded to another server as a `Flag`: `BASE/reports/ID`.
pub fn report(base: &str, id: i64) -> String {
    format!("{base}/reports/{id}")
}

/// A local custom emoji as an ActivityPub `Emoji`: `BASE/emojis/ID`.
pub fn emoji(base: &str, id: i64) -> String {
    format!("{base}/emojis/{id}")
}

/// The picture shown for an account with no avatar: `BASE/avatars/original/missing.png`.
pub fn missing_avatar(base: &str) -> String {
    format!("{base}{MISSING_AVATAR_PATH}")
}

/// The picture shown for an account with no header: `BASE/headers/original/missing.png`.
pub fn missing_header(base: &str) -> String {
    format!("{base}{MISSING_HEADER_PATH}")
}

/// The path of [`missing_avatar`] (served by the API component).
pub const MISSING_AVATAR_PATH: &str = "/avatars/original/missing.png";
/// The path of [`missing_header`] (served by the API component).
pub const MISSING_HEADER_PATH: &str = "/headers/original/missing.png";

/// A `Follow` by a local actor (its `follows` row): `ACTOR#follows/ROW`.
pub fn follow_activity(actor: &str, row: i64) -> String {
    format!("{actor}#follows/{row}")
}

/// A `Like` by a local actor (its `favourites` row): `ACTOR#likes/ROW`.
pub fn like_activity(actor: &str, row: i64) -> String {
    format!("{actor}#likes/{row}")
}

/// A `Block` by a local actor (its `blocks` row): `ACTOR#blocks/ROW`.
pub fn block_activity(actor: &str, row: i64) -> String {
    format!("{actor}#blocks/{row}")
}

/// The `Accept` of follow request `row` by local actor `followed`:
/// `FOLLOWED#accepts/follows/ROW`.
pub fn accept_activity(followed: &str, row: i64) -> String {
    format!("{followed}#accepts/follows/{row}")
}

/// The `Reject` of follow request `row` by local actor `followed`:
/// `FOLLOWED#rejects/follows/ROW`.
pub fn reject_activity(followed: &str, row: i64) -> String {
    format!("{followed}#rejects/follows/{row}")
}

/// A poll vote by a local actor (its `poll_votes` row): `VOTER#votes/ROW`.
pub fn vote_activity(voter: &str, row: i64) -> String {
    format!("{voter}#votes/{row}")
}

/// The `Undo` of activity `activity`: `ACTIVITY/undo`.
pub fn undo_activity(activity: &str) -> String {
    format!("{activity}/undo")
}

/// The `Update` of object `object` (a status or an actor) at `at` (milliseconds):
/// `OBJECT#updates/AT`.
pub fn update_activity(object: &str, at: i64) -> String {
    format!("{object}#updates/{at}")
}

/// The `Delete` of object `object`: `OBJECT#delete`.
pub fn delete_activity(object: &str) -> String {
    format!("{object}#delete")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout() {
        let base = "https://a.example";
        let alice = actor(base, "alice");
        assert_eq!(alice, "https://a.example/users/alice");
        assert_eq!(key_id(&alice), "https://a.example/users/alice#main-key");
        assert_eq!(inbox(&alice), "https://a.example/users/alice/inbox");
        assert_eq!(outbox(&alice), "https://a.example/users/alice/outbox");
        assert_eq!(followers(&alice), "https://a.example/users/alice/followers");
        assert_eq!(following(&alice), "https://a.example/users/alice/following");
        assert_eq!(featured(&alice), "https://a.example/users/alice/collections/featured");
        assert_eq!(featured_tags(&alice), "https://a.example/users/alice/collections/tags");
        assert_eq!(tagged(&profile("https://a.example", "alice"), "rust"), "https://a.example/@alice/tagged/rust");
        assert_eq!(shared_inbox(base), "https://a.example/inbox");
        assert_eq!(instance_actor(base), "https://a.example/actor");
        assert_eq!(profile(base, "alice"), "https://a.example/@alice");
        let note = status(&alice, 7);
        assert_eq!(note, "https://a.example/users/alice/statuses/7");
        assert_eq!(status_page(&profile(base, "alice"), 7), "https://a.example/@alice/7");
        assert_eq!(status_activity(&note), "https://a.example/users/alice/statuses/7/activity");
        assert_eq!(replies(&note), "https://a.example/users/alice/statuses/7/replies");
        assert_eq!(likes(&note), "https://a.example/users/alice/statuses/7/likes");
        assert_eq!(shares(&note), "https://a.example/users/alice/statuses/7/shares");
        assert_eq!(tag(base, "rust"), "https://a.example/tags/rust");
        assert_eq!(report(base, 3), "https://a.example/reports/3");
        assert_eq!(missing_avatar(base), "https://a.example/avatars/original/missing.png");
        assert_eq!(missing_header(base), "https://a.example/headers/original/missing.png");
        assert_eq!(follow_activity(&alice, 1), "https://a.example/users/alice#follows/1");
        assert_eq!(like_activity(&alice, 1), "https://a.example/users/alice#likes/1");
        assert_eq!(block_activity(&alice, 1), "https://a.example/users/alice#blocks/1");
        assert_eq!(accept_activity(&alice, 1), "https://a.example/users/alice#accepts/follows/1");
        assert_eq!(reject_activity(&alice, 1), "https://a.example/users/alice#rejects/follows/1");
        assert_eq!(vote_activity(&alice, 1), "https://a.example/users/alice#votes/1");
        assert_eq!(undo_activity(&like_activity(&alice, 1)), "https://a.example/users/alice#likes/1/undo");
        assert_eq!(update_activity(&note, 5), "https://a.example/users/alice/statuses/7#updates/5");
        assert_eq!(delete_activity(&note), "https://a.example/users/alice/statuses/7#delete");
    }
}
