//! Editing a status (Mastodon's `UpdateStatusService`): the content is replaced as a
//! whole (files or a poll left out are removed), every version is kept in
//! `status_edits` (the first edit also stores the original, so the history shows
//! it), `edited_at` is set, mentions and tags follow the new text, and accounts that
//! reblogged the status get an `update` notification.

use aerie_sdk::db::{self, Error, Handle};

use super::{Attachments, Poll, Refused, attach, mention};
use crate::actions::{Origin, conversations, notify, polls};
use crate::rows::StatusRow;
use crate::store::notifications::{self, Notice};
use crate::store::{self, status_edits};
use crate::stream_audience;

/// The new version of a status, prepared by the caller.
#[derive(Debug, Clone)]
pub struct Edit {
    /// The status with its new content (`content_html`, `spoiler_text`, `sensitive`,
    /// `language`; a local one's `text`).
    pub row: StatusRow,
    /// When its author edited it: now for a local edit, the `updated` date of a
    /// remote one.
    pub edited_at: i64,
    pub mentioned: Vec<i64>,
    pub silent: Vec<i64>,
    pub tags: Vec<String>,
    pub media: Attachments,
    pub poll: Option<Poll>,
    pub now: i64,
}

/// What editing did.
#[derive(Debug, Clone)]
pub enum Edited {
    /// A new version, as stored.
    Edited(StatusRow),
    /// A remote Update that changed neither content, files nor poll: mentions and
    /// tags follow it, a poll's counts are updated, there is no new version.
    Unchanged(StatusRow),
}

/// What `status_edits` keeps of a version beyond its text: its files' ids (JSON)
/// and its poll's option titles.
fn snapshot(
    db: &impl Handle,
    origin: &Origin,
    status: &StatusRow,
    poll: Option<&(Vec<String>, bool)>,
) -> Result<(String, Option<String>), Error> {
    // Remote files are stored by reference and replaced as a whole: versions do not
    // list them.
    let media = match origin {
        Origin::Local => serde_json::to_string(&store::media::ids_of_status(db, status.id)?).unwrap_or_else(|_| "[]".into()),
        Origin::Remote { .. } => "[]".to_string(),
    };
    let titles = poll.map(|(titles, _)| serde_json::to_string(titles).unwrap_or_else(|_| "[]".into()));
    Ok((media, titles))
}

/// Applies `edit` to `status` (by the same author; see the module). A remote
/// Update whose poll only changed its counts updates them without a new version.
pub fn edit(origin: &Origin, status: &StatusRow, edit: Edit) -> Result<Edited, Refused> {
    let Edit { mut row, edited_at, mentioned, silent, tags, media, poll, now } = edit;
    let local = *origin == Origin::Local;
    let tx = db::begin()?;
    let old_poll = match status.poll_id {
        Some(id) => store::polls::shape(&tx, id)?,
        None => None,
    };
    let new_poll = poll.as_ref().map(Poll::shape);
    let poll_changed = old_poll != new_poll;
    let media_changed = match &media {
        Attachments::Remote(media) => store::media::replace_remote(&tx, status.id, status.account_id, media, now)?,
        Attachments::Uploads(_) => true,
    };
    let content_changed =
        row.content_html != status.content_html || row.spoiler_text != status.spoiler_text || row.sensitive != status.sensitive;
    // A local edit is always a new version.
    let edited = local || content_changed || poll_changed || media_changed;
    let mut notices: Vec<Notice> = Vec::new();
    let mut newly_mentioned: Vec<Notice> = Vec::new();
    if edited {
        if !status_edits::any(&tx, status.id)? {
            let (media_ids, titles) = snapshot(&tx, origin, status, old_poll.as_ref())?;
            status_edits::insert(&tx, status, &media_ids, titles, status.created_at)?;
        }
        row.edited_at = Some(edited_at);
        row.updated_at = now;
        if local {
            store::statuses::update_local_content(&tx, &row, now)?;
            newly_mentioned.extend(mention(&tx, row.id, row.account_id, &mentioned, &silent, now)?);
            store::tags::set(&tx, row.id, &tags, now)?;
            attach(&tx, row.id, row.account_id, &media, now)?;
        } else {
            store::statuses::update_remote_content(&tx, &row, edited_at, now)?;
        }
        if poll_changed {
            if let Some(old) = status.poll_id {
                store::polls::remove(&tx, row.id, old)?;
            }
            row.poll_id = poll.as_ref().map(|p| p.insert(&tx, row.id, row.account_id, now)).transpose()?;
        }
        let (media_ids, titles) = snapshot(&tx, origin, &row, new_poll.as_ref())?;
        status_edits::insert(&tx, &row, &media_ids, titles, edited_at)?;
        for reblogger in store::statuses::rebloggers(&tx, row.id)? {
            notices.extend(notifications::create(&tx, reblogger, row.account_id, notifications::UPDATE, Some(row.id))?);
        }
    }
    if !poll_changed && let (Some(Poll::Remote(remote)), Some(poll_id)) = (&poll, status.poll_id) {
        let options = remote.options_json();
        store::polls::update_counts(&tx, poll_id, &super::remote_poll_row(remote, &options, row.id, row.account_id), now)?;
    }
    if !local {
        newly_mentioned.extend(mention(&tx, row.id, row.account_id, &mentioned, &silent, now)?);
        store::tags::set(&tx, row.id, &tags, now)?;
    }
    // As in Mastodon, a direct status's newly mentioned recipients get its
    // conversation (the author's is left as it was).
    let notified: Vec<i64> = newly_mentioned.iter().map(|n| n.recipient).collect();
    let joined = conversations::join(&tx, &row, &mentioned, &notified, false, now)?;
    notices.extend(newly_mentioned);
    tx.commit()?;
    if local && row.poll_id != status.poll_id {
        status.poll_id.into_iter().for_each(polls::forget);
        if let (Some(id), Some(Poll::Local(new_poll))) = (row.poll_id, &poll) {
            polls::remember(id, new_poll, now);
        }
    }
    notify::publish(notices);
    conversations::publish(&joined);
    if edited {
        stream_audience::publish_edited(&row);
        Ok(Edited::Edited(row))
    } else {
        Ok(Edited::Unchanged(row))
    }
}
