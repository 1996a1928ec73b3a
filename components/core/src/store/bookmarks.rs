//! `bookmarks`: the statuses an account saved for itself.

use aerie_sdk::db::{Error, Handle, Value};

/// Joins the bookmarks of the account `$1` as `bk` to a page of statuses `s`.
pub const OF_ACCOUNT_JOIN: &str = "JOIN bookmarks bk ON bk.status_id = s.id AND bk.account_id = $1";

/// Bookmarks `status` for `account` (row `id`, at `now`), unless it already is.
pub fn insert(db: &impl Handle, id: i64, account: i64, status: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, status_id) DO NOTHING",
        &[Value::Int64(id), Value::Int64(account), Value::Int64(status), Value::Int64(now)],
    )?;
    Ok(())
}

/// Removes `account`'s bookmark of `status`, if any.
pub fn delete(db: &impl Handle, account: i64, status: i64) -> Result<(), Error> {
    db.execute("DELETE FROM bookmarks WHERE account_id = $1 AND status_id = $2", &[Value::Int64(account), Value::Int64(status)])?;
    Ok(())
}
