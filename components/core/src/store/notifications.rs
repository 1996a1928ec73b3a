//! `notifications`, written in the same transaction as the action that causes them.
//! Only local accounts get them, never for their own actions, and not from accounts
//! they block or mute with notifications hidden. Each one made is returned as a
//! [`Notice`], to publish on the recipient's stream once the transaction commits
//! ([`crate::actions::notify::publish`]).

use std::collections::HashMap;

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};
use aerie_sdk::settings;

use crate::contract::paging::Page;
use crate::contract::visibility::visible_sql;
use crate::notification_policy::{self, Decision};
use crate::rows::{NOTIFICATION_COLUMNS, NotificationRow};
use crate::store::notification_requests;

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
/// the rules above leave the notification out, when `status`'s thread is muted by
/// the recipient, or when the recipient's notification policy drops or filters it
/// ([`crate::notification_policy`]): a filtered one is stored out of the list and a
/// filtered mention opens (or updates) the sender's notification request.
pub fn create(tx: &impl Handle, recipient: i64, from: i64, kind: &str, status: Option<i64>) -> Result<Option<Notice>, Error> {
    if recipient == from {
        return Ok(None);
    }
    let now = settings::now_millis();
    let filtered = match notification_policy::decide(tx, recipient, from, kind, status, now)? {
        Decision::Drop => return Ok(None),
        Decision::Filter => true,
        Decision::Deliver => false,
    };
    let id = settings::next_id();
    let key = group_key(tx, recipient, kind, status, now)?;
    let written = tx.execute(
        &format!(
            "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, group_key, dismissed, filtered, created_at) \
             SELECT $1, a.id, $3, $4, CAST($5 AS BIGINT), CAST($7 AS TEXT), 0, $8, $6 FROM accounts a WHERE a.id = $2 AND a.domain IS NULL \
               AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $2 AND b.target_account_id = $3) \
               AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = $2 AND m.target_account_id = $3 AND m.hide_notifications = 1 \
                 AND (m.expires_at IS NULL OR m.expires_at > $6)) AND {}",
            thread_not_muted("a.id", "$5")
        ),
        &[
            Value::Int64(id),
            Value::Int64(recipient),
            Value::Int64(from),
            Value::Text(kind.into()),
            status.map(Value::Int64).unwrap_or(Value::Null),
            Value::Int64(now),
            key.map(Value::Text).unwrap_or(Value::Null),
            Value::Int64(filtered as i64),
        ],
    )?;
    if written > 0 && filtered {
        if kind == MENTION {
            notification_requests::note_request(tx, recipient, from, status, settings::next_id(), now)?;
        }
        return Ok(None);
    }
    Ok((written > 0).then_some(Notice { id, recipient }))
}

/// The condition that `recipient` (an SQL expression) has not muted the thread of
/// the status in parameter `status` (which may be NULL: no status, no thread).
fn thread_not_muted(recipient: &str, status: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM statuses ts JOIN status_mutes sm ON sm.conversation_id = ts.conversation_id \
           WHERE ts.id = CAST({status} AS BIGINT) AND sm.account_id = {recipient})"
    )
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
        let mut params = vec![Value::Int64(from), Value::Int64(now), status.map(Value::Int64).unwrap_or(Value::Null)];
        params.extend(ids(chunk));
        let eligible: Vec<i64> = tx
            .query(
                &format!(
                    "SELECT a.id FROM accounts a WHERE a.id IN ({}) AND a.domain IS NULL \
                       AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = a.id AND b.target_account_id = $1) \
                       AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = a.id AND m.target_account_id = $1 \
                         AND m.hide_notifications = 1 AND (m.expires_at IS NULL OR m.expires_at > $2)) AND {}",
                    placeholders(4, chunk.len()),
                    thread_not_muted("a.id", "$3")
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

/// Which of an account's notifications a list shows (besides dismissed ones and those
/// about statuses it may no longer see, never shown): Mastodon's `types[]`,
/// `exclude_types[]` and `account_id`.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    pub types: Vec<&'a str>,
    pub exclude_types: Vec<&'a str>,
    pub from_account: Option<i64>,
    /// Mastodon's `include_filtered`: also those the notification policy filtered.
    pub include_filtered: bool,
}

/// Notifications about a status the viewer (`$1`) may no longer see are not shown.
fn status_visible() -> String {
    format!("(n.status_id IS NULL OR EXISTS (SELECT 1 FROM statuses s WHERE s.id = n.status_id AND {}))", visible_sql("s", 1))
}

/// The condition on alias `n` for `viewer`'s notifications under `filter`, with its
/// parameters from `$1` (the viewer).
fn list_condition(viewer: i64, filter: &Filter) -> (String, Vec<Value>) {
    let mut params = vec![Value::Int64(viewer)];
    let mut condition = format!("n.account_id = $1 AND n.dismissed = 0 AND {}", status_visible());
    if !filter.include_filtered {
        condition.push_str(" AND n.filtered = 0");
    }
    let add_list = |values: &[&str], negate: bool, condition: &mut String, params: &mut Vec<Value>| {
        if values.is_empty() {
            return;
        }
        let list = placeholders(params.len() + 1, values.len());
        params.extend(values.iter().map(|v| Value::Text(v.to_string())));
        condition.push_str(&format!(" AND n.type {}IN ({list})", if negate { "NOT " } else { "" }));
    };
    add_list(&filter.types, false, &mut condition, &mut params);
    add_list(&filter.exclude_types, true, &mut condition, &mut params);
    if let Some(from) = filter.from_account {
        params.push(Value::Int64(from));
        condition.push_str(&format!(" AND n.from_account_id = ${}", params.len()));
    }
    (condition, params)
}

/// One page of `viewer`'s notifications under `filter`, newest first.
pub fn page(db: &impl Handle, viewer: i64, filter: &Filter, page: &Page) -> Result<Vec<NotificationRow>, Error> {
    let (condition, mut params) = list_condition(viewer, filter);
    let (bounds, order, values) = page.sql("n.id", params.len() + 1);
    params.extend(values.into_iter().map(Value::Int64));
    let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE {condition} AND {bounds} {order}");
    Ok(page.finish(db.query(&sql, &params)?.iter().map(|r| NotificationRow::from_row(&r)).collect()))
}

/// Up to `rows` of `viewer`'s notifications under `filter` within `page`'s bounds,
/// newest first, for grouping (the page's own limit counts groups, not rows).
pub fn rows_for_groups(db: &impl Handle, viewer: i64, filter: &Filter, page: &Page, rows: usize) -> Result<Vec<NotificationRow>, Error> {
    let (condition, mut params) = list_condition(viewer, filter);
    let (bounds, _, values) = page.sql("n.id", params.len() + 1);
    params.extend(values.into_iter().map(Value::Int64));
    let direction = if page.ascending() { "ASC" } else { "DESC" };
    let sql =
        format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE {condition} AND {bounds} ORDER BY n.id {direction} LIMIT {rows}");
    Ok(page.finish(db.query(&sql, &params)?.iter().map(|r| NotificationRow::from_row(&r)).collect()))
}

/// `viewer`'s notification `id`, unless dismissed.
pub fn one(db: &impl Handle, viewer: i64, id: i64) -> Result<Vec<NotificationRow>, Error> {
    let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.account_id = $1 AND n.id = $2 AND n.dismissed = 0");
    Ok(db.query(&sql, &[Value::Int64(viewer), Value::Int64(id)])?.iter().map(|r| NotificationRow::from_row(&r)).collect())
}

/// Deletes all of `viewer`'s notifications.
pub fn clear(db: &impl Handle, viewer: i64) -> Result<(), Error> {
    db.execute("DELETE FROM notifications WHERE account_id = $1", &[Value::Int64(viewer)])?;
    Ok(())
}

/// Deletes `viewer`'s notification `id`.
pub fn dismiss(db: &impl Handle, viewer: i64, id: i64) -> Result<(), Error> {
    db.execute("DELETE FROM notifications WHERE account_id = $1 AND id = $2", &[Value::Int64(viewer), Value::Int64(id)])?;
    Ok(())
}

/// How many of `viewer`'s shown notifications are newer than its `notifications`
/// marker, counting up to `limit`.
pub fn unread_count(db: &impl Handle, viewer: i64, limit: i64) -> Result<i64, Error> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT n.id FROM notifications n WHERE n.account_id = $1 AND n.dismissed = 0 AND n.filtered = 0 \
           AND n.id > COALESCE((SELECT mk.last_read_id FROM markers mk WHERE mk.account_id = $1 AND mk.timeline = 'notifications'), 0) \
           AND {} LIMIT {limit}) unread",
        status_visible()
    );
    let rows = db.query(&sql, &[Value::Int64(viewer)])?;
    Ok(rows.first().and_then(|r| r.i64("n")).unwrap_or(0))
}

/// How many of `viewer`'s notifications each group of `keys` holds in all.
pub fn group_totals(db: &impl Handle, viewer: i64, keys: &[&str]) -> Result<HashMap<String, i64>, Error> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT group_key, COUNT(*) AS n FROM notifications WHERE account_id = $1 AND dismissed = 0 AND filtered = 0 AND group_key IN ({}) GROUP BY group_key",
        placeholders(2, keys.len())
    );
    let mut params = vec![Value::Int64(viewer)];
    params.extend(keys.iter().map(|k| Value::Text(k.to_string())));
    Ok(db.query(&sql, &params)?.iter().filter_map(|r| Some((r.string("group_key")?, r.i64("n").unwrap_or(0)))).collect())
}

/// Whether `recipient` has a `kind` notification from `from`.
pub fn exists(db: &impl Handle, recipient: i64, from: i64, kind: &str) -> Result<bool, Error> {
    let rows = db.query(
        "SELECT 1 AS x FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3",
        &[Value::Int64(recipient), Value::Int64(from), Value::Text(kind.into())],
    )?;
    Ok(!rows.is_empty())
}

/// Removes the `kind` notifications `recipient` had from `from` (a follow request
/// answered or withdrawn).
pub fn withdraw_from(db: &impl Handle, recipient: i64, from: i64, kinds: &[&str]) -> Result<(), Error> {
    let mut params = vec![Value::Int64(recipient), Value::Int64(from)];
    params.extend(kinds.iter().map(|k| Value::Text(k.to_string())));
    db.execute(
        &format!("DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type IN ({})", placeholders(3, kinds.len())),
        &params,
    )?;
    Ok(())
}

/// Drops every notification account `from` caused (it is gone).
pub fn delete_from(db: &impl Handle, from: i64) -> Result<(), Error> {
    db.execute("DELETE FROM notifications WHERE from_account_id = $1", &[Value::Int64(from)])?;
    Ok(())
}

/// `viewer`'s shown notifications of group `key` (`ungrouped-<id>` names one
/// notification), newest first.
pub fn group(db: &impl Handle, viewer: i64, key: &str) -> Result<Vec<NotificationRow>, Error> {
    let (condition, mut params) = list_condition(viewer, &Filter::default());
    let by_key = match key.strip_prefix("ungrouped-").map(str::parse::<i64>) {
        Some(Ok(id)) => {
            params.push(Value::Int64(id));
            format!("n.id = ${}", params.len())
        }
        Some(Err(_)) => return Ok(Vec::new()),
        None => {
            params.push(Value::Text(key.to_string()));
            format!("n.group_key = ${}", params.len())
        }
    };
    let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE {condition} AND {by_key} ORDER BY n.id DESC");
    Ok(db.query(&sql, &params)?.iter().map(|r| NotificationRow::from_row(&r)).collect())
}

/// Deletes `viewer`'s notifications of group `key` (`ungrouped-<id>`: that one).
pub fn dismiss_group(db: &impl Handle, viewer: i64, key: &str) -> Result<(), Error> {
    match key.strip_prefix("ungrouped-") {
        Some(id) => match id.parse::<i64>() {
            Ok(id) => dismiss(db, viewer, id),
            Err(_) => Ok(()),
        },
        None => {
            db.execute(
                "DELETE FROM notifications WHERE account_id = $1 AND group_key = $2",
                &[Value::Int64(viewer), Value::Text(key.into())],
            )?;
            Ok(())
        }
    }
}

/// Up to `rows` of `viewer`'s shown notifications under `filter` newer than its
/// `notifications` marker, newest first: what the v2 unread count groups.
pub fn unread(db: &impl Handle, viewer: i64, filter: &Filter, rows: i64) -> Result<Vec<NotificationRow>, Error> {
    let (condition, params) = list_condition(viewer, filter);
    let sql = format!(
        "SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE {condition} \
           AND n.id > COALESCE((SELECT mk.last_read_id FROM markers mk WHERE mk.account_id = $1 AND mk.timeline = 'notifications'), 0) \
         ORDER BY n.id DESC LIMIT {rows}"
    );
    Ok(db.query(&sql, &params)?.iter().map(|r| NotificationRow::from_row(&r)).collect())
}
