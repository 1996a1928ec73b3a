//! Deleting a status: a soft delete (the row stays as a tombstone for federation)
//! with its reblogs; counters, pins and notifications follow, then the streaming
//! events.

use aerie_sdk::db;

use crate::rows::StatusRow;
use crate::store;
use crate::stream_audience;

/// What becomes of a deleted local status's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// Left as they are (a remote status's, stored by reference).
    Keep,
    /// Detached, for delete-and-redraft to post them again.
    Detach,
    /// Their rows deleted (the caller removes the stored files).
    Remove,
}

/// What deleting did.
#[derive(Debug, Clone)]
pub struct Deleted {
    /// The reblogs that went with it.
    pub reblogs: Vec<StatusRow>,
}

/// Deletes `status` (and its reblogs); `None` when it was deleted already.
pub fn delete(status: &StatusRow, files: Files) -> Result<Option<Deleted>, db::Error> {
    if status.deleted_at.is_some() {
        return Ok(None);
    }
    let reblogs = store::statuses::live_reblogs_of(&db::Autocommit, status.id)?;
    let now = aerie_sdk::settings::now_millis();
    let tx = db::begin()?;
    if !store::statuses::mark_deleted(&tx, status.id, now)? {
        return Ok(None);
    }
    store::statuses::uncount_status(&tx, status.account_id)?;
    // Only a reply that was counted (public or unlisted) comes off the count.
    if let Some(parent) = status.in_reply_to_id
        && status.counts_in_replies()
    {
        store::statuses::uncount_reply(&tx, parent)?;
    }
    if let Some(original) = status.reblog_of_id {
        store::statuses::uncount_reblog(&tx, original)?;
        store::notifications::withdraw(&tx, store::notifications::REBLOG, status.account_id, original)?;
    }
    // Reblogs of a deleted status go with it.
    store::statuses::delete_reblogs_of(&tx, status.id, now)?;
    store::statuses::delete_dependents(&tx, status.id)?;
    // Conversations fall back to their previous status, or go with their last one.
    store::account_conversations::remove_status(&tx, status.id)?;
    match files {
        Files::Keep => {}
        Files::Detach => store::media::release(&tx, status.id, false)?,
        Files::Remove => store::media::release(&tx, status.id, true)?,
    }
    tx.commit()?;
    stream_audience::publish_deleted(status);
    reblogs.iter().for_each(stream_audience::publish_deleted);
    Ok(Some(Deleted { reblogs }))
}
