//! Reads across the follow and block tables (`follows`, `follow_requests`, `blocks`,
//! `mutes`, `account_domain_blocks`): how one account stands towards others.

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};

/// One fact about `viewer` and `account`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edge {
    /// The viewer follows the account (showing its reblogs, notified of its posts, in
    /// these languages as JSON).
    Following {
        show_reblogs: bool,
        notify: bool,
        languages: Option<String>,
    },
    FollowedBy,
    /// The viewer asked to follow the account.
    Requested {
        show_reblogs: bool,
        notify: bool,
    },
    RequestedBy,
    Blocking,
    BlockedBy,
    /// The viewer mutes the account (hiding its notifications or not), unexpired.
    Muting {
        notifications: bool,
    },
    /// The viewer hides the account's domain.
    DomainBlocking,
    /// The viewer endorses the account (features it on their profile).
    Endorsed,
}

/// Every fact about `viewer` and each of `targets` at `now`, as `(account, edge)`.
pub fn edges(db: &impl Handle, viewer: i64, targets: &[i64], now: i64) -> Result<Vec<(i64, Edge)>, Error> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let list = placeholders(3, targets.len());
    let sql = format!(
        "SELECT 'following' AS k, target_account_id AS aid, show_reblogs AS x, notify AS y, languages AS langs FROM follows WHERE account_id = $1 AND target_account_id IN ({list}) \
         UNION ALL SELECT 'followed_by' AS k, account_id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM follows WHERE target_account_id = $1 AND account_id IN ({list}) \
         UNION ALL SELECT 'requested' AS k, target_account_id AS aid, show_reblogs AS x, notify AS y, NULL AS langs FROM follow_requests WHERE account_id = $1 AND target_account_id IN ({list}) \
         UNION ALL SELECT 'requested_by' AS k, account_id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM follow_requests WHERE target_account_id = $1 AND account_id IN ({list}) \
         UNION ALL SELECT 'blocking' AS k, target_account_id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM blocks WHERE account_id = $1 AND target_account_id IN ({list}) \
         UNION ALL SELECT 'blocked_by' AS k, account_id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM blocks WHERE target_account_id = $1 AND account_id IN ({list}) \
         UNION ALL SELECT 'muting' AS k, target_account_id AS aid, hide_notifications AS x, 0 AS y, NULL AS langs FROM mutes WHERE account_id = $1 AND target_account_id IN ({list}) \
           AND (expires_at IS NULL OR expires_at > $2) \
         UNION ALL SELECT 'domain_blocking' AS k, da.id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM accounts da JOIN account_domain_blocks adb ON adb.domain = da.domain \
           WHERE adb.account_id = $1 AND da.id IN ({list}) \
         UNION ALL SELECT 'endorsed' AS k, target_account_id AS aid, 0 AS x, 0 AS y, NULL AS langs FROM account_pins WHERE account_id = $1 AND target_account_id IN ({list})"
    );
    let mut params = vec![Value::Int64(viewer), Value::Int64(now)];
    params.extend(ids(targets));
    Ok(db
        .query(&sql, &params)?
        .iter()
        .filter_map(|row| {
            let aid = row.i64("aid")?;
            let (x, y) = (row.bool("x"), row.bool("y"));
            let edge = match row.text("k").unwrap_or_default() {
                "following" => Edge::Following { show_reblogs: x, notify: y, languages: row.string("langs") },
                "followed_by" => Edge::FollowedBy,
                "requested" => Edge::Requested { show_reblogs: x, notify: y },
                "requested_by" => Edge::RequestedBy,
                "blocking" => Edge::Blocking,
                "blocked_by" => Edge::BlockedBy,
                "muting" => Edge::Muting { notifications: x },
                "endorsed" => Edge::Endorsed,
                _ => Edge::DomainBlocking,
            };
            Some((aid, edge))
        })
        .collect())
}
