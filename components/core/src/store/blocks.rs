//! `blocks`, `mutes` and `account_domain_blocks`: whom an account blocks or mutes,
//! and the domains it hides.

use aerie_sdk::db::{Error, Handle, Value};

use crate::contract::paging::Page;
use crate::rows::{ACCOUNT_COLUMNS, AccountRow};

/// A block of `target` by `account`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub id: i64,
    pub account: i64,
    pub target: i64,
    /// The `Block` activity's id: minted for a local account's block of a remote
    /// one, the remote activity's for a remote block.
    pub uri: Option<String>,
}

/// Whether either of `a` and `b` blocks the other.
pub fn either_way(db: &impl Handle, a: i64, b: i64) -> Result<bool, Error> {
    let rows = db.query(
        "SELECT 1 AS x FROM blocks WHERE (account_id = $1 AND target_account_id = $2) OR (account_id = $2 AND target_account_id = $1)",
        &[Value::Int64(a), Value::Int64(b)],
    )?;
    Ok(!rows.is_empty())
}

/// Whether local account `local` blocks `remote` (the account, or its domain).
pub fn blocks_account_or_domain(db: &impl Handle, local: i64, remote: &AccountRow) -> Result<bool, Error> {
    let rows = db.query(
        "SELECT b.id FROM blocks b WHERE b.account_id = $1 AND b.target_account_id = $2 \
         UNION ALL SELECT d.id FROM account_domain_blocks d WHERE d.account_id = $1 AND d.domain = $3",
        &[Value::Int64(local), Value::Int64(remote.id), Value::Text(remote.domain.clone().unwrap_or_default())],
    )?;
    Ok(!rows.is_empty())
}

/// Adds `block` at `now` unless `account` already blocks `target`; returns whether
/// it was added.
pub fn insert(db: &impl Handle, block: &Block, now: i64) -> Result<bool, Error> {
    let added = db.execute(
        "INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account_id, target_account_id) DO NOTHING",
        &[
            Value::Int64(block.id),
            Value::Int64(block.account),
            Value::Int64(block.target),
            block.uri.clone().map(Value::Text).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    Ok(added > 0)
}

/// Removes `account`'s block of `target` and returns it, if there was one.
pub fn delete(db: &impl Handle, account: i64, target: i64) -> Result<Option<Block>, Error> {
    let rows = db.query(
        "DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2 RETURNING id, uri",
        &[Value::Int64(account), Value::Int64(target)],
    )?;
    Ok(rows.first().map(|r| Block { id: r.i64("id").unwrap_or_default(), account, target, uri: r.string("uri") }))
}

/// Removes `account`'s blocks an `Undo` names: by the `Block`'s id `uri` (may be
/// empty) or of `target`; returns whether there were any.
pub fn delete_undone(db: &impl Handle, account: i64, uri: &str, target: i64) -> Result<bool, Error> {
    let removed = db.execute(
        "DELETE FROM blocks WHERE account_id = $1 AND ((uri = $2 AND $2 <> '') OR target_account_id = $3)",
        &[Value::Int64(account), Value::Text(uri.into()), Value::Int64(target)],
    )?;
    Ok(removed > 0)
}

/// The accounts `account` blocks, as `(block id, account)`, within `page`.
pub fn blocked_page(db: &impl Handle, account: i64, page: &Page) -> Result<Vec<(i64, AccountRow)>, Error> {
    let (bounds, order, values) = page.sql("b.id", 2);
    let sql = format!(
        "SELECT b.id AS page_id, {ACCOUNT_COLUMNS} FROM blocks b JOIN accounts a ON a.id = b.target_account_id \
         WHERE b.account_id = $1 AND a.deleted_at IS NULL AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(account)];
    params.extend(values.into_iter().map(Value::Int64));
    let rows = db.query(&sql, &params)?;
    Ok(page.finish(rows.iter().map(|r| (r.i64("page_id").unwrap_or_default(), AccountRow::from_row(&r))).collect()))
}

/// Mutes (or changes the mute of) `target` for `account`: row `id` at `now`,
/// notifications hidden or not, until `expires_at` (ever when `None`).
pub fn mute(
    db: &impl Handle,
    id: i64,
    account: i64,
    target: i64,
    hide_notifications: bool,
    expires_at: Option<i64>,
    now: i64,
) -> Result<(), Error> {
    db.execute(
        "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, CAST($5 AS BIGINT), $6) \
         ON CONFLICT (account_id, target_account_id) DO UPDATE SET hide_notifications = excluded.hide_notifications, expires_at = excluded.expires_at",
        &[
            Value::Int64(id),
            Value::Int64(account),
            Value::Int64(target),
            Value::Int64(hide_notifications as i64),
            expires_at.map(Value::Int64).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    Ok(())
}

/// Ends `account`'s mute of `target`, if any.
pub fn unmute(db: &impl Handle, account: i64, target: i64) -> Result<(), Error> {
    db.execute("DELETE FROM mutes WHERE account_id = $1 AND target_account_id = $2", &[Value::Int64(account), Value::Int64(target)])?;
    Ok(())
}

/// The accounts `account` mutes (expired mutes left out) at `now`, as `(mute id,
/// account)`, within `page`.
pub fn muted_page(db: &impl Handle, account: i64, now: i64, page: &Page) -> Result<Vec<(i64, AccountRow)>, Error> {
    let (bounds, order, values) = page.sql("m.id", 3);
    let sql = format!(
        "SELECT m.id AS page_id, {ACCOUNT_COLUMNS} FROM mutes m JOIN accounts a ON a.id = m.target_account_id \
         WHERE m.account_id = $1 AND (m.expires_at IS NULL OR m.expires_at > $2) AND a.deleted_at IS NULL AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(account), Value::Int64(now)];
    params.extend(values.into_iter().map(Value::Int64));
    let rows = db.query(&sql, &params)?;
    Ok(page.finish(rows.iter().map(|r| (r.i64("page_id").unwrap_or_default(), AccountRow::from_row(&r))).collect()))
}

/// When `account`'s mutes of `targets` end, as `(target, expiry in milliseconds)`;
/// mutes for ever are left out.
pub fn mute_expiries(db: &impl Handle, account: i64, targets: &[i64]) -> Result<Vec<(i64, i64)>, Error> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT target_account_id, expires_at FROM mutes WHERE account_id = $1 AND expires_at IS NOT NULL AND target_account_id IN ({})",
        aerie_sdk::db::placeholders(2, targets.len())
    );
    let mut params = vec![Value::Int64(account)];
    params.extend(aerie_sdk::db::ids(targets));
    Ok(db.query(&sql, &params)?.iter().filter_map(|r| Some((r.i64("target_account_id")?, r.i64("expires_at")?))).collect())
}

/// Hides `domain` for `account` (row `id` at `now`), unless it already is.
pub fn block_domain(db: &impl Handle, id: i64, account: i64, domain: &str, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO account_domain_blocks (id, account_id, domain, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, domain) DO NOTHING",
        &[Value::Int64(id), Value::Int64(account), Value::Text(domain.into()), Value::Int64(now)],
    )?;
    Ok(())
}

/// Shows `domain` to `account` again.
pub fn unblock_domain(db: &impl Handle, account: i64, domain: &str) -> Result<(), Error> {
    db.execute(
        "DELETE FROM account_domain_blocks WHERE account_id = $1 AND domain = $2",
        &[Value::Int64(account), Value::Text(domain.into())],
    )?;
    Ok(())
}

/// The domains `account` hides, as `(row id, domain)`, within `page`.
pub fn domains_page(db: &impl Handle, account: i64, page: &Page) -> Result<Vec<(i64, String)>, Error> {
    let (bounds, order, values) = page.sql("d.id", 2);
    let sql = format!("SELECT d.id, d.domain FROM account_domain_blocks d WHERE d.account_id = $1 AND {bounds} {order}");
    let mut params = vec![Value::Int64(account)];
    params.extend(values.into_iter().map(Value::Int64));
    let rows = db.query(&sql, &params)?;
    Ok(page.finish(rows.iter().map(|r| (r.i64("id").unwrap_or_default(), r.string("domain").unwrap_or_default())).collect()))
}

/// Whether the instance suspends (a `domain_blocks` row with `severity = 'suspend'`)
/// any of `domains`.
pub fn instance_suspends_any(db: &impl Handle, domains: &[String]) -> Result<bool, Error> {
    if domains.is_empty() {
        return Ok(false);
    }
    let params: Vec<Value> = domains.iter().map(|d| Value::Text(d.clone())).collect();
    let rows = db.query(
        &format!(
            "SELECT domain FROM domain_blocks WHERE severity = 'suspend' AND domain IN ({})",
            aerie_sdk::db::placeholders(1, params.len())
        ),
        &params,
    )?;
    Ok(!rows.is_empty())
}
