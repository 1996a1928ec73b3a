//! Accounts to show a user: follow suggestions (`suggestion_dismissals` remembers
//! the ones a user turned down) and the profile directory. Only accounts that opted
//! in to discovery (`accounts.discoverable`) are shown, as in Mastodon.

use aerie_sdk::db::{Error, Handle, Value};

use crate::rows::{ACCOUNT_COLUMNS, AccountRow};

/// An account `a` that may be shown at all: discoverable, not deleted, suspended,
/// silenced or moved away.
const SHOWABLE: &str = "a.discoverable = 1 AND a.deleted_at IS NULL AND a.suspended_at IS NULL \
     AND a.silenced_at IS NULL AND a.moved_to_account_id IS NULL";

/// An account `a` that may be suggested to user `$1`: not the user, nobody the user
/// follows or asked to follow, blocks, is blocked by, mutes, hides the domain of or
/// dismissed as a suggestion.
const SUGGESTIBLE: &str = "a.id <> $1 \
     AND NOT EXISTS (SELECT 1 FROM follows x WHERE x.account_id = $1 AND x.target_account_id = a.id) \
     AND NOT EXISTS (SELECT 1 FROM follow_requests x WHERE x.account_id = $1 AND x.target_account_id = a.id) \
     AND NOT EXISTS (SELECT 1 FROM blocks x WHERE (x.account_id = $1 AND x.target_account_id = a.id) \
                                              OR (x.account_id = a.id AND x.target_account_id = $1)) \
     AND NOT EXISTS (SELECT 1 FROM mutes x WHERE x.account_id = $1 AND x.target_account_id = a.id) \
     AND NOT EXISTS (SELECT 1 FROM suggestion_dismissals x WHERE x.account_id = $1 AND x.target_account_id = a.id) \
     AND (a.domain IS NULL OR NOT EXISTS (SELECT 1 FROM account_domain_blocks x WHERE x.account_id = $1 AND x.domain = a.domain))";

/// Accounts followed by accounts `viewer` follows, the most followed that way first.
pub fn friends_of_friends(db: &impl Handle, viewer: i64, limit: i64) -> Result<Vec<AccountRow>, Error> {
    let rows = db.query(
        &format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a JOIN ( \
               SELECT f2.target_account_id AS id, COUNT(*) AS n FROM follows f1 \
               JOIN follows f2 ON f2.account_id = f1.target_account_id \
               WHERE f1.account_id = $1 GROUP BY f2.target_account_id) ff ON ff.id = a.id \
             WHERE {SHOWABLE} AND {SUGGESTIBLE} ORDER BY ff.n DESC, a.followers_count DESC, a.id LIMIT {limit}"
        ),
        &[Value::Int64(viewer)],
    )?;
    Ok(rows.iter().map(|r| AccountRow::from_row(&r)).collect())
}

/// Local accounts with an active login, the most recently posting first.
pub fn active_local(db: &impl Handle, viewer: i64, limit: i64) -> Result<Vec<AccountRow>, Error> {
    let rows = db.query(
        &format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a JOIN users u ON u.account_id = a.id \
             WHERE a.domain IS NULL AND u.disabled = 0 AND {SHOWABLE} AND {SUGGESTIBLE} \
             ORDER BY COALESCE(a.last_status_at, 0) DESC, a.followers_count DESC, a.id LIMIT {limit}"
        ),
        &[Value::Int64(viewer)],
    )?;
    Ok(rows.iter().map(|r| AccountRow::from_row(&r)).collect())
}

/// Remembers that `viewer` does not want `account` suggested again.
pub fn dismiss(db: &impl Handle, viewer: i64, account: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO suggestion_dismissals (account_id, target_account_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, target_account_id) DO NOTHING",
        &[Value::Int64(viewer), Value::Int64(account), Value::Int64(now)],
    )?;
    Ok(())
}

/// How the directory is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryOrder {
    /// The most recently posting first.
    Active,
    /// The newest accounts first.
    New,
}

/// A page of the profile directory: discoverable accounts (local ones only with
/// `local_only`), leaving out those `viewer` blocks, is blocked by or mutes.
pub fn directory(
    db: &impl Handle,
    viewer: Option<i64>,
    order: DirectoryOrder,
    local_only: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<AccountRow>, Error> {
    let local = if local_only { " AND a.domain IS NULL" } else { "" };
    let order = match order {
        DirectoryOrder::Active => "COALESCE(a.last_status_at, 0) DESC, a.id DESC",
        DirectoryOrder::New => "a.created_at DESC, a.id DESC",
    };
    let viewer_side = "NOT EXISTS (SELECT 1 FROM blocks x WHERE (x.account_id = $1 AND x.target_account_id = a.id) \
                                                    OR (x.account_id = a.id AND x.target_account_id = $1)) \
         AND NOT EXISTS (SELECT 1 FROM mutes x WHERE x.account_id = $1 AND x.target_account_id = a.id)";
    let rows = db.query(
        &format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE {SHOWABLE}{local} AND {viewer_side} \
             ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        ),
        &[Value::Int64(viewer.unwrap_or(0))],
    )?;
    Ok(rows.iter().map(|r| AccountRow::from_row(&r)).collect())
}
