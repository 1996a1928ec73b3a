//! What a status's content points at, written with it: mentions (with their
//! notifications), tags and media attachments. Posting and editing share these.

use aerie_sdk::db::{Error, Transaction, Value, ids, placeholders};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::invalid;
use aerie_core::store::notifications::{self, Notice};

/// Makes `mentioned` the status's visible mentions: new ones are written and
/// notified (from `author`); ones no longer in the text turn silent, so whoever
/// could see the status still can, as in Mastodon.
pub fn set_mentions(tx: &Transaction, status_id: i64, author: i64, mentioned: &[i64], now: i64) -> Result<Vec<Notice>, Error> {
    let existing: Vec<i64> = tx
        .query("SELECT account_id FROM mentions WHERE status_id = $1 AND silent = 0", &[Value::Int64(status_id)])?
        .iter()
        .filter_map(|r| r.i64("account_id"))
        .collect();
    let gone: Vec<i64> = existing.iter().copied().filter(|id| !mentioned.contains(id)).collect();
    if !gone.is_empty() {
        let mut params = vec![Value::Int64(status_id)];
        params.extend(ids(&gone));
        tx.execute(
            &format!("UPDATE mentions SET silent = 1 WHERE status_id = $1 AND account_id IN ({})", placeholders(2, gone.len())),
            &params,
        )?;
    }
    let mut notices = Vec::new();
    for &account_id in mentioned.iter().filter(|id| !existing.contains(id)) {
        tx.execute(
            "INSERT INTO mentions (id, status_id, account_id, silent, created_at) VALUES ($1, $2, $3, 0, $4) \
             ON CONFLICT (status_id, account_id) DO UPDATE SET silent = 0",
            &[Value::Int64(settings::next_id()), Value::Int64(status_id), Value::Int64(account_id), Value::Int64(now)],
        )?;
        notices.extend(notifications::create(tx, account_id, author, notifications::MENTION, Some(status_id))?);
    }
    Ok(notices)
}

/// Makes `tags` (as written) the status's tags, creating unknown ones.
pub use aerie_core::status_tags::set as set_tags;

/// Makes `media_ids` the status's attachments, in that order: each must be
/// `author`'s and not on another status (422 otherwise); attachments left out are
/// detached.
pub fn set_media(tx: &Transaction, status_id: i64, author: i64, media_ids: &[i64]) -> Result<(), Response> {
    let mut params = vec![Value::Int64(status_id), Value::Int64(author)];
    params.extend(ids(media_ids));
    if media_ids.is_empty() {
        tx.execute("UPDATE media_attachments SET status_id = NULL WHERE status_id = $1 AND account_id = $2", &params)?;
        return Ok(());
    }
    let list = placeholders(3, media_ids.len());
    let usable = tx.query(
        &format!("SELECT id FROM media_attachments WHERE account_id = $2 AND (status_id IS NULL OR status_id = $1) AND id IN ({list})"),
        &params,
    )?;
    let found: Vec<i64> = usable.iter().filter_map(|r| r.i64("id")).collect();
    let missing: Vec<String> = media_ids.iter().filter(|id| !found.contains(id)).map(i64::to_string).collect();
    if !missing.is_empty() {
        return Err(invalid(&format!("Media not found: {}", missing.join(", "))));
    }
    tx.execute(
        &format!("UPDATE media_attachments SET status_id = NULL WHERE status_id = $1 AND account_id = $2 AND id NOT IN ({list})"),
        &params,
    )?;
    tx.execute(&format!("UPDATE media_attachments SET status_id = $1 WHERE account_id = $2 AND id IN ({list})"), &params)?;
    // The order the author gave them.
    for (order, id) in media_ids.iter().enumerate() {
        tx.execute("UPDATE media_attachments SET sort_order = $2 WHERE id = $1", &[Value::Int64(*id), Value::Int64(order as i64)])?;
    }
    Ok(())
}
