//! `notifications`, written in the same transaction as the action that causes them.
//! Only local accounts get them, never for their own actions, and not from accounts
//! they block or mute with notifications hidden. Each one made is returned as a
//! [`Notice`], to publish on the recipient's stream once the transaction commits
//! ([`crate::actions::notify::publish`]).

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};
use aerie_sdk::settings;

/// Notification kinds this component creates (Mastodon's names).
pub const MENTION: &str = "mention";
pub const REBLOG: &str = "reblog";
pub const FAVOURITE: &str = "favourite";
pub const FOLLOW: &str = "follow";
pub const FOLLOW_REQUEST: &str = "follow_request";
pub const UPDATE: &str = "update";
/// An account the recipient follows with notifications on posted a status.
pub const STATUS: &str = "status";
/// A poll the recipient wrote or voted in has ended (the author notifies themself).
pub const POLL: &str = "poll";

/// Kinds Mastodon groups in `GET /api/v2/notifications` (see `group_key`).
pub const GROUPABLE: [&str; 3] = [FAVOURITE, REBLOG, FOLLOW];

/// A group spans at most this many hours from its first notification.
const GROUP_SPAN_HOURS: i64 = 12;
const HOUR_MS: i64 = 3_600_000;

/// A notification just written: its id and who gets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub recipient: i64,
}

/// The `group_key` of a new `kind` notification for `recipient`: the key of the
/// latest group of the same kind and status if it started less than 12 hours ago,
/// else a new one (`favourite-<status>-<hour>`, `follow-<hour>`); `None` for kinds
/// that are not grouped (they show as `ungrouped-<id>`).
fn group_key(tx: &impl Handle, recipient: i64, kind: &str, status: Option<i64>, now: i64) -> Result<Option<String>, Error> {
    if !GROUPABLE.contains(&kind) {
        return Ok(None);
    }
    let prefix = match status {
        Some(id) => format!("{kind}-{id}-"),
        None => format!("{kind}-"),
    };
    let hour = now / HOUR_MS;
    let rows = tx.query(
        "SELECT group_key FROM notifications WHERE account_id = $1 AND type = $2 AND group_key LIKE $3 AND created_at > $4 \
         ORDER BY id DESC LIMIT 1",
        &[
            Value::Int64(recipient),
            Value::Text(kind.into()),
            Value::Text(format!("{prefix}%")),
            Value::Int64(now - GROUP_SPAN_HOURS * HOUR_MS),
        ],
    )?;
    let previous = rows.first().and_then(|r| r.string("group_key"));
    let started = previous.as_deref().and_then(|k| k.strip_prefix(&prefix)).and_then(|h| h.parse::<i64>().ok());
    Ok(Some(match started {
        Some(start) if hour < start + GROUP_SPAN_HOURS => format!("{prefix}{start}"),
        _ => format!("{prefix}{hour}"),
    }))
}

/// Notifies `recipient` that `from` did `kind` (on `status`, if any); `None` when
/// the rules above leave the notification out.
pub fn create(tx: &impl Handle, recipient: i64, from: i64, kind: &str, status: Option<i64>) -> Result<Option<Notice>, Error> {
    if recipient == from {
        return Ok(None);
    }
    let now = settings::now_millis();
    let id = settings::next_id();
    let key = group_key(tx, recipient, kind, status, now)?;
    let written = tx.execute(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, group_key, dismissed, created_at) \
         SELECT $1, a.id, $3, $4, CAST($5 AS BIGINT), CAST($7 AS TEXT), 0, $6 FROM accounts a WHERE a.id = $2 AND a.domain IS NULL \
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
            key.map(Value::Text).unwrap_or(Value::Null),
        ],
    )?;
    Ok((written > 0).then_some(Notice { id, recipient }))
}

/// Rows per multi-row insert in [`create_many`] (8 parameters each at most).
const CHUNK: usize = 200;

/// Notifies each of `recipients` that `from` did `kind` on `status` (a kind that is
/// not grouped: `status`, `poll`), under the rules of [`create`] except that a
/// `poll` notification also goes to `from` itself. One query picks who may get it
/// and one multi-row insert writes them, per chunk of recipients.
pub fn create_many(tx: &impl Handle, recipients: &[i64], from: i64, kind: &str, status: Option<i64>) -> Result<Vec<Notice>, Error> {
    let mut unique: Vec<i64> = recipients.iter().copied().filter(|r| *r != from || kind == POLL).collect();
    unique.sort_unstable();
    unique.dedup();
    let now = settings::now_millis();
    let mut notices = Vec::new();
    for chunk in unique.chunks(CHUNK) {
        let mut params = vec![Value::Int64(from), Value::Int64(now)];
        params.extend(ids(chunk));
        let eligible: Vec<i64> = tx
            .query(
                &format!(
                    "SELECT a.id FROM accounts a WHERE a.id IN ({}) AND a.domain IS NULL \
                       AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = a.id AND b.target_account_id = $1) \
                       AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = a.id AND m.target_account_id = $1 \
                         AND m.hide_notifications = 1 AND (m.expires_at IS NULL OR m.expires_at > $2))",
                    placeholders(3, chunk.len())
                ),
                &params,
            )?
            .iter()
            .filter_map(|r| r.i64("id"))
            .collect();
        if eligible.is_empty() {
            continue;
        }
        let written: Vec<Notice> = eligible.iter().map(|&recipient| Notice { id: settings::next_id(), recipient }).collect();
        let rows: Vec<String> =
            (0..written.len()).map(|i| format!("(${}, ${}, $1, $2, CAST($3 AS BIGINT), NULL, 0, $4)", 5 + 2 * i, 6 + 2 * i)).collect();
        let mut params =
            vec![Value::Int64(from), Value::Text(kind.into()), status.map(Value::Int64).unwrap_or(Value::Null), Value::Int64(now)];
        for notice in &written {
            params.push(Value::Int64(notice.id));
            params.push(Value::Int64(notice.recipient));
        }
        tx.execute(
            &format!(
                "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, group_key, dismissed, created_at) VALUES {}",
                rows.join(", ")
            ),
            &params,
        )?;
        notices.extend(written);
    }
    Ok(notices)
}

/// Removes the `kind` notifications `from` caused about `status`, when what caused
/// them is undone (an unfavourite, an unboost).
pub fn withdraw(db: &impl Handle, kind: &str, from: i64, status: i64) -> Result<(), Error> {
    db.execute(
        "DELETE FROM notifications WHERE type = $3 AND from_account_id = $1 AND status_id = $2",
        &[Value::Int64(from), Value::Int64(status), Value::Text(kind.into())],
    )?;
    Ok(())
}
