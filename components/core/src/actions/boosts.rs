//! Boosts (reblogs): a local account's (API) or a remote `Announce` (inbox), and their
//! undoing. The reblog row, both counters, the author's notification and the stream
//! event happen together.

use aerie_sdk::db::{self, Error};

use super::notify;
use crate::rows::StatusRow;
use crate::store::{self, notifications, reblogs};
use crate::stream_audience;

/// Adds `reblog`, a new row reblogging `original` (`local` set for a local account,
/// its URI minted by the caller for a local one, the `Announce`'s id for a remote one),
/// notifies the original's author and tells the streams. Returns whether it was added
/// (not when a status with its URI already exists).
pub fn boost(reblog: &StatusRow, original: &StatusRow) -> Result<bool, Error> {
    let tx = db::begin()?;
    let mut reblog = reblog.clone();
    if !reblog.local
        && let Some(uri) = &reblog.uri
    {
        reblog.id = store::statuses::unused_id(&tx, reblog.id, uri)?;
    }
    if !reblogs::insert(&tx, &reblog)? {
        return Ok(false);
    }
    let notice = notifications::create(&tx, original.account_id, reblog.account_id, notifications::REBLOG, Some(original.id))?;
    tx.commit()?;
    notify::publish(notice);
    stream_audience::publish_created(&reblog);
    Ok(true)
}

/// Local `account` removes its reblogs of `original` (`rows`, read before, are what
/// the streams are told of): returns whether there were any (to federate their `Undo`).
pub fn unboost(account: i64, original: i64, rows: &[StatusRow], now: i64) -> Result<bool, Error> {
    let tx = db::begin()?;
    let removed = reblogs::delete(&tx, account, original, now)?;
    if removed {
        notifications::withdraw(&tx, notifications::REBLOG, account, original)?;
    }
    tx.commit()?;
    rows.iter().for_each(stream_audience::publish_deleted);
    Ok(removed)
}
