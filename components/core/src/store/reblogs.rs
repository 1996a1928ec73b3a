//! Reblogs (boosts): the `statuses` rows with a `reblog_of_id`, the original's
//! `reblogs_count` and the booster's `statuses_count` they feed. (Other status rows
//! belong to `store::statuses`.)

use aerie_sdk::db::{Error, Handle, Value};

use crate::contract::paging::Page;
use crate::rows::{ACCOUNT_COLUMNS, AccountRow, STATUS_COLUMNS, StatusRow};
use crate::store::statuses;

/// The reblogs `s` of the account `$2` of the status `$3`, as a condition for
/// `visible::status_rows` (whose `$1` is the viewer).
pub const OF_ACCOUNT_CONDITION: &str = "s.account_id = $2 AND s.reblog_of_id = $3";

/// The id of `account`'s live reblog of `original`, if any.
pub fn existing(db: &impl Handle, account: i64, original: i64) -> Result<Option<i64>, Error> {
    let rows = db.query(
        "SELECT id FROM statuses WHERE account_id = $1 AND reblog_of_id = $2 AND deleted_at IS NULL",
        &[Value::Int64(account), Value::Int64(original)],
    )?;
    Ok(rows.first().and_then(|r| r.i64("id")))
}

/// Adds the reblog `row` (its `reblog_of_id` set), unless a status with its URI exists; returns whether it was added, and then raises
/// the original's `reblogs_count` and the booster's `statuses_count` and
/// `last_status_at` (a local reblog is the latest; a remote one, published at
/// `row.created_at`, only if later).
pub fn insert(db: &impl Handle, row: &StatusRow) -> Result<bool, Error> {
    let original = row.reblog_of_id.unwrap_or_default();
    let written = db.execute(
        "INSERT INTO statuses (id, account_id, local, text, content_html, uri, url, visibility, reblog_of_id, conversation_id, sensitive, \
           spoiler_text, application_id, created_at, updated_at) \
         VALUES ($1, $2, $3, '', '', $4, NULL, $5, $6, NULL, 0, '', $7, $8, $9) ON CONFLICT (uri) DO NOTHING",
        &[
            Value::Int64(row.id),
            Value::Int64(row.account_id),
            Value::Int64(row.local as i64),
            row.uri.clone().map(Value::Text).unwrap_or(Value::Null),
            Value::Text(row.visibility.clone()),
            Value::Int64(original),
            row.application_id.map(Value::Int64).unwrap_or(Value::Null),
            Value::Int64(row.created_at),
            Value::Int64(row.updated_at),
        ],
    )?;
    if written == 0 {
        return Ok(false);
    }
    db.execute("UPDATE statuses SET reblogs_count = reblogs_count + 1 WHERE id = $1", &[Value::Int64(original)])?;
    statuses::count_status(db, row.account_id, row.created_at, row.local)?;
    Ok(true)
}

/// Marks `account`'s reblogs of `original` deleted at `now`; when there were any,
/// lowers the original's `reblogs_count` and the account's `statuses_count` (once).
/// Returns whether there were.
pub fn delete(db: &impl Handle, account: i64, original: i64, now: i64) -> Result<bool, Error> {
    let removed = db.execute(
        "UPDATE statuses SET deleted_at = $3, updated_at = $3 WHERE account_id = $1 AND reblog_of_id = $2 AND deleted_at IS NULL",
        &[Value::Int64(account), Value::Int64(original), Value::Int64(now)],
    )?;
    if removed == 0 {
        return Ok(false);
    }
    statuses::uncount_reblog(db, original)?;
    statuses::uncount_status(db, account)?;
    Ok(true)
}

/// `account`'s live reblogs an `Undo` names: by the `Announce`'s id `announce_uri`, or
/// of the status whose URI is `status_uri` (either may be empty).
pub fn undone_by(db: &impl Handle, account: i64, announce_uri: &str, status_uri: &str) -> Result<Vec<StatusRow>, Error> {
    let rows = db.query(
        &format!(
            "SELECT {STATUS_COLUMNS} FROM statuses s WHERE s.account_id = $1 AND s.reblog_of_id IS NOT NULL AND s.deleted_at IS NULL \
               AND ((s.uri = $2 AND $2 <> '') OR s.reblog_of_id IN (SELECT o.id FROM statuses o WHERE o.uri = $3))"
        ),
        &[Value::Int64(account), Value::Text(announce_uri.into()), Value::Text(status_uri.into())],
    )?;
    Ok(rows.iter().map(|r| StatusRow::from_row(&r)).collect())
}

/// The accounts (not deleted) that reblogged `status`, as `(row id, account)`, within `page`.
pub fn accounts_page(db: &impl Handle, status: i64, page: &Page) -> Result<Vec<(i64, AccountRow)>, Error> {
    let (condition, order, bounds) = page.sql("r.id", 2);
    let sql = format!(
        "SELECT r.id AS page_id, {ACCOUNT_COLUMNS} FROM statuses r JOIN accounts a ON a.id = r.account_id AND r.reblog_of_id = $1 AND r.deleted_at IS NULL WHERE {condition} AND a.deleted_at IS NULL {order}"
    );
    let mut params = vec![Value::Int64(status)];
    params.extend(bounds.into_iter().map(Value::Int64));
    let rows = db.query(&sql, &params)?;
    Ok(page.finish(rows.iter().map(|r| (r.i64("page_id").unwrap_or_default(), AccountRow::from_row(&r))).collect()))
}
