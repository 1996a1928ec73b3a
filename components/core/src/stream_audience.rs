//! Who hears about a status on the streaming API: the one place that decides the
//! streams of a new, edited or deleted status (or reblog). The host still renders
//! every event per subscriber through `GET /api/v1/statuses/:id`, so a stream named
//! here that the subscriber may not see gets nothing.
//!
//! - `user:<id>`: the author and their local followers (for a reblog, those who show
//!   the reblogger's reblogs), minus followers muting the author and, for replies,
//!   followers who know neither side of the conversation (the home timeline rule);
//!   a direct status goes only to the author and the mentioned local accounts.
//! - `direct:<id>` carries no status events: as in Mastodon, a direct status reaches it
//!   as the `conversation` event of each participant's conversation
//!   ([`crate::actions::conversations`]).
//! - `public`, `public:local` / `public:remote` (and `:media` variants when it has
//!   media): public statuses that are not reblogs nor replies to someone else.
//! - `hashtag:<name>` and, for local statuses, `hashtag:local:<name>`: public statuses.
//! - `user:<id>` also for local accounts following one of a public status's hashtags,
//!   when it is not a reply to someone else (their home timeline shows it; see
//!   `contract::home_tags`), minus those muting the author.
//! - `list:<id>`: statuses and reblogs of the list's members, but not direct ones,
//!   by the list's replies policy (its owner, who follows them, sees them; the list
//!   timeline's rule). Members of an exclusive list leave its owner's `user` stream.

use crate::contract::events::{Origin, hashtag_stream, list_stream, public_stream, user_stream};
use crate::rows::StatusRow;
use crate::store;
use crate::store::status_audience::Facts;
use aerie_sdk::db;
use aerie_sdk::{events, log, settings};

fn facts(row: &StatusRow) -> Result<Facts, db::Error> {
    store::status_audience::facts(
        &db::Autocommit,
        row.reblog_of_id.unwrap_or(row.id),
        row.account_id,
        row.in_reply_to_account_id.filter(|_| row.reblog_of_id.is_none()),
        row.reblog_of_id.is_some(),
        settings::now_millis(),
    )
}

/// The streams for `row` given its facts.
fn streams(row: &StatusRow, facts: &Facts) -> Vec<String> {
    let mut out = vec![user_stream(row.account_id)];
    let mut add = |stream: String| {
        if !out.contains(&stream) {
            out.push(stream);
        }
    };
    if row.reblog_of_id.is_some() {
        facts.followers.iter().for_each(|id| add(user_stream(*id)));
        facts.lists.iter().for_each(|id| add(list_stream(*id)));
        return out;
    }
    if row.visibility == "direct" {
        facts.mentioned.iter().for_each(|id| add(user_stream(*id)));
        return out;
    }
    facts.followers.iter().for_each(|id| add(user_stream(*id)));
    facts.lists.iter().for_each(|id| add(list_stream(*id)));
    if row.visibility != "public" {
        return out;
    }
    let reply_to_other = row.in_reply_to_id.is_some() && row.in_reply_to_account_id != Some(row.account_id);
    if !reply_to_other {
        let place = if facts.author_local { Origin::Local } else { Origin::Remote };
        facts.tag_followers.iter().for_each(|id| add(user_stream(*id)));
        add(public_stream(Origin::All, false));
        add(public_stream(place, false));
        if facts.has_media {
            add(public_stream(Origin::All, true));
            add(public_stream(place, true));
        }
    }
    for tag in &facts.tags {
        add(hashtag_stream(tag, false));
        if facts.author_local {
            add(hashtag_stream(tag, true));
        }
    }
    out
}

/// The streams of `row`; on a database failure, only the author's (logged).
fn audience(row: &StatusRow) -> Vec<String> {
    match facts(row) {
        Ok(facts) => streams(row, &facts),
        Err(error) => {
            log::warn(&format!("computing the streams of status {}: {error}", row.id));
            vec![user_stream(row.account_id)]
        }
    }
}

/// A new status or reblog, after its transaction committed.
pub fn publish_created(row: &StatusRow) {
    events::status_created(row.id, &audience(row));
}

/// An edited status.
pub fn publish_edited(row: &StatusRow) {
    events::status_edited(row.id, &audience(row));
}

/// A deleted status or reblog.
pub fn publish_deleted(row: &StatusRow) {
    events::status_deleted(row.id, &audience(row));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_by_visibility() {
        let facts = Facts {
            followers: vec![2],
            mentioned: vec![3],
            lists: vec![7],
            tags: vec!["rust".into()],
            tag_followers: vec![4, 2],
            has_media: true,
            author_local: true,
        };
        let public = StatusRow { id: 9, account_id: 1, visibility: "public".into(), ..Default::default() };
        assert_eq!(
            streams(&public, &facts),
            [
                "user:1",
                "user:2",
                "list:7",
                "user:4",
                "public",
                "public:local",
                "public:media",
                "public:local:media",
                "hashtag:rust",
                "hashtag:local:rust"
            ]
        );
        let direct = StatusRow { visibility: "direct".into(), ..public.clone() };
        assert_eq!(streams(&direct, &facts), ["user:1", "user:3"]);
        let reply = StatusRow { in_reply_to_id: Some(5), in_reply_to_account_id: Some(3), ..public.clone() };
        assert!(!streams(&reply, &facts).contains(&"public".to_string()));
        assert!(!streams(&reply, &facts).contains(&"user:4".to_string()), "a reply to another account stays out of tag followers' homes");
        let private = StatusRow { visibility: "private".into(), ..public };
        assert_eq!(streams(&private, &facts), ["user:1", "user:2", "list:7"]);
    }
}
