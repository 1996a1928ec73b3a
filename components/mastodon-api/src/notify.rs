//! Notifications, written in the same transaction as the action that causes them.
//! Only local accounts get them, never for their own actions, and not from accounts
//! they block or mute with notifications hidden.

use aerie_guest::db::{Error, Transaction, Value};
use aerie_guest::settings;

/// Notification kinds this component creates (Mastodon's names).
pub const MENTION: &str = "mention";
pub const REBLOG: &str = "reblog";
pub const FAVOURITE: &str = "favourite";
pub const FOLLOW: &str = "follow";
pub const FOLLOW_REQUEST: &str = "follow_request";

/// Notifies `recipient` that `from` did `kind` (on `status`, if any).
pub fn create(tx: &Transaction, recipient: i64, from: i64, kind: &str, status: Option<i64>) -> Result<(), Error> {
    if recipient == from {
        return Ok(());
    }
    let now = settings::now_millis();
    let id = settings::next_id();
    tx.execute(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, group_key, dismissed, created_at) \
         SELECT $1, a.id, $3, $4, CAST($5 AS BIGINT), NULL, 0, $6 FROM accounts a WHERE a.id = $2 AND a.domain IS NULL \
           AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $2 AND b.target_account_id = $3) \
           AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = $2 AND m.target_account_id = $3 AND m.hide_notifications = 1 \
             AND (m.expires_at IS NULL OR m.expires_at > $6))",
        &[
            Value::Int64(id),
            Value::Int64(recipient),
            Value::Int64(from),
            Value::Text(kind.into()),
            status.map(Value::Int64).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    Ok(())
}
