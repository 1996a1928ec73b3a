//! Posting a status: its row with its conversation, mentions, tags, files and poll,
//! its author's and parent's counters and the notifications of mentioned accounts
//! and subscribed followers, in one transaction; then the streaming events.

use aerie_sdk::db::{self, Handle};

use super::{Attachments, Poll, Refused, attach, mention};
use crate::actions::{Origin, conversations, notify, polls};
use crate::rows::StatusRow;
use crate::store::notifications::{self, Notice};
use crate::store::{self, subscribers};
use crate::stream_audience;

/// The thread a new status joins.
#[derive(Debug, Clone)]
pub enum Conversation {
    /// Its parent's.
    Of(i64),
    /// A remote server's `conversation`, by URI (created when unknown).
    Uri(String),
    /// A new one.
    New,
}

/// A status to post, prepared by the caller: the row (id, author, content,
/// visibility, parent, dates; a remote one's `uri`), what it points at and `now`.
#[derive(Debug, Clone)]
pub struct NewStatus {
    pub row: StatusRow,
    pub conversation: Conversation,
    /// Accounts named (notified) and local addressees not named (silent mentions).
    pub mentioned: Vec<i64>,
    pub silent: Vec<i64>,
    /// Hashtags as written.
    pub tags: Vec<String>,
    pub media: Attachments,
    pub poll: Option<Poll>,
    /// The scheduled status this posts (a local one whose time came): deleted, its
    /// reserved uploads freed, in the same transaction, so it is posted once (and not
    /// at all when it was cancelled, or moved past `now`, meanwhile).
    pub scheduled: Option<i64>,
    pub now: i64,
}

/// What posting did.
#[derive(Debug, Clone)]
pub enum Posted {
    /// The status as stored.
    Created(Box<StatusRow>),
    /// A remote status with this URI was stored meanwhile: nothing was written.
    AlreadyStored,
    /// The scheduled status it was to post is gone (posted already, cancelled) or
    /// not due any more (moved later): nothing was written.
    Unscheduled,
}

/// Posts `new` (see the module). A local status tells its author's subscribed
/// followers by Mastodon's rules (not to followers muting the author or following
/// in other languages); a remote one tells its local subscribers unless it is direct
/// or a reply to someone else.
pub fn post(origin: &Origin, new: NewStatus) -> Result<Posted, Refused> {
    let NewStatus { mut row, conversation, mentioned, silent, tags, media, poll, scheduled, now } = new;
    let local = *origin == Origin::Local;
    let tx = db::begin()?;
    if let Some(scheduled) = scheduled {
        if !store::scheduled_statuses::delete_due(&tx, scheduled, now)? {
            return Ok(Posted::Unscheduled);
        }
        store::media::unreserve(&tx, scheduled)?;
    }
    let conversation_id = match conversation {
        Conversation::Of(id) => id,
        Conversation::Uri(uri) => store::conversations::by_uri(&tx, &uri, aerie_sdk::settings::next_id(), now)?,
        Conversation::New => store::conversations::create(&tx, aerie_sdk::settings::next_id(), now)?,
    };
    row.conversation_id = Some(conversation_id);
    if !local && let Some(uri) = &row.uri {
        row.id = store::statuses::unused_id(&tx, row.id, uri)?;
    }
    if local {
        store::statuses::insert_local(&tx, &row)?;
    } else if !store::statuses::insert_remote(&tx, &row, now)? {
        return Ok(Posted::AlreadyStored);
    }
    let mut notices = mention(&tx, row.id, row.account_id, &mentioned, &silent, now)?;
    // Mastodon: a direct status joins the author's conversation and those of the
    // recipients its mentions reached (not those the notification policy held back).
    let notified: Vec<i64> = notices.iter().map(|n| n.recipient).collect();
    let joined = conversations::join(&tx, &row, &mentioned, &notified, local, now)?;
    store::tags::set(&tx, row.id, &tags, now)?;
    attach(&tx, row.id, row.account_id, &media, now)?;
    if let Some(poll) = &poll {
        row.poll_id = Some(poll.insert(&tx, row.id, row.account_id, now)?);
    }
    store::statuses::count_status(&tx, row.account_id, row.created_at, local)?;
    // Public and unlisted replies only: the count is shown to everyone.
    if let Some(parent) = row.in_reply_to_id
        && row.counts_in_replies()
    {
        store::statuses::count_reply(&tx, parent)?;
    }
    notices.extend(if local {
        tell_local_subscribers(&tx, &row, &mentioned, now)?
    } else {
        tell_remote_subscribers(&tx, &row, &mentioned)?
    });
    tx.commit()?;
    if let (Some(Poll::Local(new_poll)), Some(poll_id)) = (&poll, row.poll_id) {
        polls::remember(poll_id, new_poll, now);
    }
    notify::publish(notices);
    stream_audience::publish_created(&row);
    conversations::publish(&joined);
    Ok(Posted::Created(Box::new(row)))
}

/// Whether a local status tells its author's subscribed followers at all.
fn notifies(row: &StatusRow) -> bool {
    let reply_to_other = row.in_reply_to_id.is_some() && row.in_reply_to_account_id != Some(row.account_id);
    row.reblog_of_id.is_none() && !reply_to_other && matches!(row.visibility.as_str(), "public" | "unlisted" | "private")
}

/// Whether a follow limited to `languages` (a JSON array, or none) shows a status in `language`.
fn language_shown(languages: Option<&str>, language: Option<&str>) -> bool {
    let Some(language) = language.filter(|l| !l.is_empty()) else { return true };
    let wanted: Vec<String> = languages.and_then(|l| serde_json::from_str(l).ok()).unwrap_or_default();
    wanted.is_empty() || wanted.iter().any(|w| w == language)
}

/// `status` notifications for a new local status (Mastodon's "notify me when they
/// post" follows): every follower with `follows.notify` on who gets the status in
/// their home feed is told, unless it is a reblog, a reply to someone else or a
/// direct message. As in Mastodon's home feed, followers muting the author and
/// followers who limited the follow to languages the status is not in get nothing;
/// blocks and muted notifications are left out by `notifications::create_many`.
/// Accounts in `mentioned` were just told of it as a mention.
fn tell_local_subscribers(db: &impl Handle, row: &StatusRow, mentioned: &[i64], now: i64) -> Result<Vec<Notice>, aerie_sdk::db::Error> {
    if !notifies(row) {
        return Ok(Vec::new());
    }
    let recipients: Vec<i64> = subscribers::of_local(db, row.account_id, now)?
        .into_iter()
        .filter(|(_, languages)| language_shown(languages.as_deref(), row.language.as_deref()))
        .map(|(id, _)| id)
        .filter(|id| !mentioned.contains(id))
        .collect();
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    notifications::create_many(db, &recipients, row.account_id, notifications::STATUS, Some(row.id))
}

/// `status` notifications for a new remote status: its local followers with
/// notifications on, unless it is direct or a reply to someone else.
fn tell_remote_subscribers(db: &impl Handle, row: &StatusRow, mentioned: &[i64]) -> Result<Vec<Notice>, aerie_sdk::db::Error> {
    let reply_to_other = row.in_reply_to_account_id.is_some_and(|a| a != row.account_id);
    if row.visibility == "direct" || reply_to_other {
        return Ok(Vec::new());
    }
    let recipients: Vec<i64> = subscribers::of_remote(db, row.account_id)?.into_iter().filter(|id| !mentioned.contains(id)).collect();
    notifications::create_many(db, &recipients, row.account_id, notifications::STATUS, Some(row.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_statuses_notify() {
        let public = StatusRow { id: 9, account_id: 1, visibility: "public".into(), ..Default::default() };
        assert!(notifies(&public));
        assert!(notifies(&StatusRow { visibility: "private".into(), ..public.clone() }));
        assert!(!notifies(&StatusRow { visibility: "direct".into(), ..public.clone() }));
        assert!(!notifies(&StatusRow { reblog_of_id: Some(3), ..public.clone() }));
        assert!(notifies(&StatusRow { in_reply_to_id: Some(3), in_reply_to_account_id: Some(1), ..public.clone() }));
        assert!(!notifies(&StatusRow { in_reply_to_id: Some(3), in_reply_to_account_id: Some(2), ..public }));
    }

    #[test]
    fn follow_languages() {
        assert!(language_shown(None, Some("en")));
        assert!(language_shown(Some(r#"["en","de"]"#), Some("de")));
        assert!(!language_shown(Some(r#"["en"]"#), Some("fr")));
        assert!(language_shown(Some(r#"["en"]"#), None));
        assert!(language_shown(Some("[]"), Some("fr")));
    }
}
