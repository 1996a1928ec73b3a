//! `favourites`: which account favourited which status (with the `Like`'s URI), and
//! the `statuses.favourites_count` they feed.

use aerie_sdk::db::{Error, Handle, Value};

use crate::contract::paging::Page;
use crate::rows::{ACCOUNT_COLUMNS, AccountRow};

/// One favourite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Favourite {
    pub id: i64,
    pub account_id: i64,
    pub status_id: i64,
    /// The `Like` activity's id: minted here for a local favourite (so an `Undo`
    /// repeats it exactly), the remote activity's for a remote one.
    pub uri: Option<String>,
}

/// Joins the favourites of the account `$1` as `fv` to a page of statuses `s`.
pub const OF_ACCOUNT_JOIN: &str = "JOIN favourites fv ON fv.status_id = s.id AND fv.account_id = $1";

/// Adds `favourite` made at `now`, unless the account already favourited the status;
/// returns whether it was added (and the status's counter raised).
pub fn insert(db: &impl Handle, favourite: &Favourite, now: i64) -> Result<bool, Error> {
    let added = db.execute(
        "INSERT INTO favourites (id, account_id, status_id, uri, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account_id, status_id) DO NOTHING",
        &[
            Value::Int64(favourite.id),
            Value::Int64(favourite.account_id),
            Value::Int64(favourite.status_id),
            favourite.uri.clone().map(Value::Text).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    if added > 0 {
        db.execute("UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = $1", &[Value::Int64(favourite.status_id)])?;
    }
    Ok(added > 0)
}

/// Removes `account`'s favourite of `status`, lowering the counter; returns it, or
/// `None` when there was none.
pub fn delete(db: &impl Handle, account: i64, status: i64) -> Result<Option<Favourite>, Error> {
    let removed = db.query(
        "DELETE FROM favourites WHERE account_id = $1 AND status_id = $2 RETURNING id, uri",
        &[Value::Int64(account), Value::Int64(status)],
    )?;
    let Some(row) = removed.first() else { return Ok(None) };
    let favourite = Favourite { id: row.i64("id").unwrap_or_default(), account_id: account, status_id: status, uri: row.string("uri") };
    lower_count(db, status)?;
    Ok(Some(favourite))
}

/// Removes `favourite` by its id, lowering the counter when it was still there;
/// returns whether it was.
pub fn delete_by_id(db: &impl Handle, favourite: &Favourite) -> Result<bool, Error> {
    let removed = db.execute("DELETE FROM favourites WHERE id = $1", &[Value::Int64(favourite.id)])?;
    if removed > 0 {
        lower_count(db, favourite.status_id)?;
    }
    Ok(removed > 0)
}

/// `account`'s favourites an `Undo` names: by the `Like`'s id `like_uri`, or of the
/// status whose URI is `status_uri` (either may be empty).
pub fn undone_by(db: &impl Handle, account: i64, like_uri: &str, status_uri: &str) -> Result<Vec<Favourite>, Error> {
    let rows = db.query(
        "SELECT f.id, f.status_id, f.uri FROM favourites f WHERE f.account_id = $1 \
           AND ((f.uri = $2 AND $2 <> '') OR f.status_id IN (SELECT s.id FROM statuses s WHERE s.uri = $3))",
        &[Value::Int64(account), Value::Text(like_uri.into()), Value::Text(status_uri.into())],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| Some(Favourite { id: r.i64("id")?, account_id: account, status_id: r.i64("status_id")?, uri: r.string("uri") }))
        .collect())
}

fn lower_count(db: &impl Handle, status: i64) -> Result<(), Error> {
    db.execute(
        "UPDATE statuses SET favourites_count = favourites_count - 1 WHERE id = $1 AND favourites_count > 0",
        &[Value::Int64(status)],
    )?;
    Ok(())
}

/// The accounts (not deleted) that favourited `status`, as `(row id, account)`, within `page`.
pub fn accounts_page(db: &impl Handle, status: i64, page: &Page) -> Result<Vec<(i64, AccountRow)>, Error> {
    let (condition, order, bounds) = page.sql("f.id", 2);
    let sql = format!(
        "SELECT f.id AS page_id, {ACCOUNT_COLUMNS} FROM favourites f JOIN accounts a ON a.id = f.account_id AND f.status_id = $1 WHERE {condition} AND a.deleted_at IS NULL {order}"
    );
    let mut params = vec![Value::Int64(status)];
    params.extend(bounds.into_iter().map(Value::Int64));
    let rows = db.query(&sql, &params)?;
    Ok(page.finish(rows.iter().map(|r| (r.i64("page_id").unwrap_or_default(), AccountRow::from_row(&r))).collect()))
}
