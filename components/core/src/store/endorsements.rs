//! `account_pins`: the accounts a local account endorses (Mastodon's "feature on
//! profile"). Only followed accounts: the row is refused without the follow and
//! goes with it (`store::follows::remove`).

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};

use crate::contract::paging::Page;
use crate::rows::{ACCOUNT_COLUMNS, AccountRow};

/// `account` endorses `target` from `now` (row `id`) if it follows `target`; returns
/// false when it does not follow it. Endorsing twice keeps the first row.
pub fn endorse(db: &impl Handle, id: i64, account: i64, target: i64, now: i64) -> Result<bool, Error> {
    let follows = !db
        .query(
            "SELECT 1 AS x FROM follows WHERE account_id = $1 AND target_account_id = $2",
            &[Value::Int64(account), Value::Int64(target)],
        )?
        .is_empty();
    if !follows {
        return Ok(false);
    }
    db.execute(
        "INSERT INTO account_pins (id, account_id, target_account_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, target_account_id) DO NOTHING",
        &[Value::Int64(id), Value::Int64(account), Value::Int64(target), Value::Int64(now)],
    )?;
    Ok(true)
}

/// `account` no longer endorses `target`.
pub fn remove(db: &impl Handle, account: i64, target: i64) -> Result<(), Error> {
    db.execute(
        "DELETE FROM account_pins WHERE account_id = $1 AND target_account_id = $2",
        &[Value::Int64(account), Value::Int64(target)],
    )?;
    Ok(())
}

/// Which of `targets` `account` endorses.
pub fn endorsed_among(db: &impl Handle, account: i64, targets: &[i64]) -> Result<Vec<i64>, Error> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT target_account_id FROM account_pins WHERE account_id = $1 AND target_account_id IN ({})",
        placeholders(2, targets.len())
    );
    let mut params = vec![Value::Int64(account)];
    params.extend(ids(targets));
    Ok(db.query(&sql, &params)?.iter().filter_map(|r| r.i64("target_account_id")).collect())
}

/// The accounts `account` endorses, as `(row id, account)`, within `page`; accounts
/// that are gone are left out.
pub fn page(db: &impl Handle, account: i64, page: &Page) -> Result<Vec<(i64, AccountRow)>, Error> {
    let (bounds, order, values) = page.sql("p.id", 2);
    let sql = format!(
        "SELECT p.id AS page_id, {ACCOUNT_COLUMNS} FROM account_pins p JOIN accounts a ON a.id = p.target_account_id \
         WHERE p.account_id = $1 AND a.deleted_at IS NULL AND a.suspended_at IS NULL AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(account)];
    params.extend(values.into_iter().map(Value::Int64));
    let rows = db.query(&sql, &params)?;
    Ok(page.finish(rows.iter().map(|r| (r.i64("page_id").unwrap_or_default(), AccountRow::from_row(&r))).collect()))
}
