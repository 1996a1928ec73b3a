//! `pins`: the statuses an account features on its profile (for a remote account, its
//! `featured` collection as `Add`/`Remove` tell it).

use aerie_sdk::db::{Error, Handle, Value};

use crate::rows::StatusRow;
use crate::store::statuses;

/// How many statuses `account` pinned.
pub fn count(db: &impl Handle, account: i64) -> Result<i64, Error> {
    let rows = db.query("SELECT COUNT(*) AS n FROM pins WHERE account_id = $1", &[Value::Int64(account)])?;
    Ok(rows.first().and_then(|r| r.i64("n")).unwrap_or(0))
}

/// `account`'s pinned statuses that `viewer` may see (its own, public or unlisted,
/// not reblogs), newest pin first, at most `limit`.
pub fn featured(db: &impl Handle, viewer: Option<i64>, account: i64, limit: i64) -> Result<Vec<StatusRow>, Error> {
    statuses::visible_rows(
        db,
        viewer,
        "JOIN pins p ON p.status_id = s.id",
        "p.account_id = $2 AND s.account_id = $2 AND s.reblog_of_id IS NULL AND s.visibility IN ('public', 'unlisted')",
        &format!("ORDER BY p.id DESC LIMIT {limit}"),
        vec![Value::Int64(account)],
    )
}

/// Pins `status` for `account` (row `id`, at `now`), unless it already is.
pub fn insert(db: &impl Handle, id: i64, account: i64, status: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO pins (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, status_id) DO NOTHING",
        &[Value::Int64(id), Value::Int64(account), Value::Int64(status), Value::Int64(now)],
    )?;
    Ok(())
}

/// Unpins `account`'s `status`, if pinned.
pub fn delete(db: &impl Handle, account: i64, status: i64) -> Result<(), Error> {
    db.execute("DELETE FROM pins WHERE account_id = $1 AND status_id = $2", &[Value::Int64(account), Value::Int64(status)])?;
    Ok(())
}
