//! `scheduled_statuses`: statuses to post later, with their parameters as JSON text
//! (their reserved uploads are `media_attachments.scheduled_status_id`, in
//! [`super::media`]).

use aerie_sdk::db::{Error, Handle, Value};

use crate::contract::paging::Page;

/// A scheduled status as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledRow {
    pub id: i64,
    pub account_id: i64,
    /// Milliseconds since the epoch.
    pub scheduled_at: i64,
    /// JSON text.
    pub params: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, account_id, scheduled_at, params, created_at";

fn from_row(row: &aerie_sdk::db::Row) -> ScheduledRow {
    ScheduledRow {
        id: row.i64("id").unwrap_or_default(),
        account_id: row.i64("account_id").unwrap_or_default(),
        scheduled_at: row.i64("scheduled_at").unwrap_or_default(),
        params: row.string("params").unwrap_or_default(),
        created_at: row.i64("created_at").unwrap_or_default(),
    }
}

/// Writes `row`.
pub fn insert(db: &impl Handle, row: &ScheduledRow) -> Result<(), Error> {
    db.execute(
        "INSERT INTO scheduled_statuses (id, account_id, scheduled_at, params, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::Int64(row.id),
            Value::Int64(row.account_id),
            Value::Int64(row.scheduled_at),
            Value::Text(row.params.clone()),
            Value::Int64(row.created_at),
        ],
    )?;
    Ok(())
}

/// Scheduled status `id`, whoever's.
pub fn by_id(db: &impl Handle, id: i64) -> Result<Option<ScheduledRow>, Error> {
    let rows = db.query(&format!("SELECT {COLUMNS} FROM scheduled_statuses WHERE id = $1"), &[Value::Int64(id)])?;
    Ok(rows.first().map(|r| from_row(&r)))
}

/// `account`'s scheduled status `id`.
pub fn own(db: &impl Handle, account: i64, id: i64) -> Result<Option<ScheduledRow>, Error> {
    Ok(by_id(db, id)?.filter(|row| row.account_id == account))
}

/// A page of `account`'s scheduled statuses, by id, newest first.
pub fn page(db: &impl Handle, account: i64, page: &Page) -> Result<Vec<ScheduledRow>, Error> {
    let (bounds, order, values) = page.sql("id", 2);
    let sql = format!("SELECT {COLUMNS} FROM scheduled_statuses WHERE account_id = $1 AND {bounds} {order}");
    let mut params = vec![Value::Int64(account)];
    params.extend(values.into_iter().map(Value::Int64));
    Ok(page.finish(db.query(&sql, &params)?.iter().map(|r| from_row(&r)).collect()))
}

/// How many statuses `account` has scheduled, in all and in `[from, to)` (ms),
/// leaving out `except` (the one being moved).
pub fn counts(db: &impl Handle, account: i64, from: i64, to: i64, except: Option<i64>) -> Result<(i64, i64), Error> {
    let rows = db.query(
        "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN scheduled_at >= $2 AND scheduled_at < $3 THEN 1 ELSE 0 END), 0) AS that_day \
         FROM scheduled_statuses WHERE account_id = $1 AND id <> $4",
        &[Value::Int64(account), Value::Int64(from), Value::Int64(to), Value::Int64(except.unwrap_or(0))],
    )?;
    let row = rows.first();
    Ok((row.as_ref().and_then(|r| r.i64("total")).unwrap_or(0), row.as_ref().and_then(|r| r.i64("that_day")).unwrap_or(0)))
}

/// Moves `account`'s scheduled status `id` to `scheduled_at`; returns whether it exists.
pub fn set_time(db: &impl Handle, account: i64, id: i64, scheduled_at: i64) -> Result<bool, Error> {
    let changed = db.execute(
        "UPDATE scheduled_statuses SET scheduled_at = $3 WHERE id = $1 AND account_id = $2",
        &[Value::Int64(id), Value::Int64(account), Value::Int64(scheduled_at)],
    )?;
    Ok(changed == 1)
}

/// Deletes scheduled status `id`; returns whether this call deleted it (of two
/// concurrent callers, exactly one does).
pub fn delete(db: &impl Handle, id: i64) -> Result<bool, Error> {
    Ok(db.execute("DELETE FROM scheduled_statuses WHERE id = $1", &[Value::Int64(id)])? == 1)
}

/// Deletes scheduled status `id` if it is due at `now` (not moved later meanwhile);
/// returns whether this call deleted it.
pub fn delete_due(db: &impl Handle, id: i64, now: i64) -> Result<bool, Error> {
    Ok(db.execute("DELETE FROM scheduled_statuses WHERE id = $1 AND scheduled_at <= $2", &[Value::Int64(id), Value::Int64(now)])? == 1)
}
