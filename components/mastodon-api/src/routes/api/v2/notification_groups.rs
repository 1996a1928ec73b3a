//! One notification group of `/api/v2/notifications` by its `group_key`: `GET
//! /api/v2/notifications/:group_key` (the group with its accounts and status), `GET
//! :group_key/accounts` (everyone in it, newest first), `POST :group_key/dismiss`;
//! and `GET /api/v2/notifications/unread_count` (groups newer than the
//! `notifications` marker). `ungrouped-<id>` names a notification that is in no group.

use aerie_core::convert;
use aerie_core::entities::{GroupedNotificationsResults, NotificationGroup};
use aerie_core::filtering::Scope;
use aerie_core::rows::{NotificationRow, StatusRow};
use aerie_core::store::notifications::{self, GROUPABLE};
use aerie_core::time::iso8601;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::load;
use crate::routes::api::v1::notifications::filter;

/// Most accounts a group shows as samples (as the list does).
const MAX_SAMPLES: usize = 8;

/// The viewer's notifications of `key`, newest first; none is a 404.
fn rows(viewer: i64, key: &str) -> Result<Vec<NotificationRow>, Response> {
    let rows = notifications::group(&Autocommit, viewer, key)?;
    if rows.is_empty() {
        return Err(Response::not_found());
    }
    Ok(rows)
}

/// The distinct senders of `rows`, newest first.
fn senders(rows: &[NotificationRow]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for row in rows {
        if !out.contains(&row.from_account_id) {
            out.push(row.from_account_id);
        }
    }
    out
}

/// `GET /api/v2/notifications/:group_key`
pub fn get(ctx: &Ctx, key: &str) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let rows = rows(viewer, key)?;
    let (newest, oldest) = (&rows[0], &rows[rows.len() - 1]);
    let samples: Vec<i64> = senders(&rows).into_iter().take(MAX_SAMPLES).collect();
    let accounts = load::accounts(&samples)?;
    let status_rows: Vec<StatusRow> =
        load::visible_statuses(Some(viewer), &newest.status_id.into_iter().collect::<Vec<_>>())?.into_values().collect();
    let statuses = load::statuses_in(Some(viewer), &ctx.base, &status_rows, Scope::Context("notifications"))?;
    if newest.status_id.is_some() && statuses.is_empty() {
        return Err(Response::not_found());
    }
    let group = NotificationGroup {
        group_key: key.to_string(),
        notifications_count: rows.len() as i64,
        kind: newest.kind.clone(),
        most_recent_notification_id: newest.id.to_string(),
        page_min_id: oldest.id.to_string(),
        page_max_id: newest.id.to_string(),
        latest_page_notification_at: iso8601(newest.created_at),
        sample_account_ids: samples.iter().filter(|id| accounts.contains_key(id)).map(i64::to_string).collect(),
        status_id: newest.status_id.map(|id| id.to_string()),
    };
    let results = GroupedNotificationsResults {
        accounts: samples.iter().filter_map(|id| accounts.get(id)).map(|a| convert::account_to_api(a, &ctx.base)).collect(),
        statuses,
        notification_groups: vec![group],
    };
    Ok(Response::to_json(200, &results))
}

/// `GET /api/v2/notifications/:group_key/accounts`
pub fn accounts(ctx: &Ctx, key: &str) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let ids = senders(&rows(viewer, key)?);
    let found = load::accounts(&ids)?;
    let list: Vec<_> = ids.iter().filter_map(|id| found.get(id)).map(|a| convert::account_to_api(a, &ctx.base)).collect();
    Ok(Response::to_json(200, &list))
}

/// `POST /api/v2/notifications/:group_key/dismiss`
pub fn dismiss(ctx: &Ctx, key: &str) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    notifications::dismiss_group(&Autocommit, viewer, key)?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `GET /api/v2/notifications/unread_count` with `limit` (default 100, at most
/// 1000), `types[]`, `exclude_types[]`, `account_id`, `grouped_types[]`: how many
/// groups hold notifications newer than the `notifications` marker.
pub fn unread_count(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let limit = ctx.params.i64("limit").unwrap_or(100).clamp(1, 1000) as usize;
    let grouped: Vec<&str> = match ctx.params.all("grouped_types") {
        types if types.is_empty() => GROUPABLE.to_vec(),
        types => types.into_iter().filter(|t| GROUPABLE.contains(t)).collect(),
    };
    // Groups of several notifications: read more rows than groups, as the list does.
    let rows = notifications::unread(&Autocommit, viewer, &filter(ctx), (limit * 4) as i64)?;
    let mut keys: Vec<String> = Vec::new();
    for row in rows {
        let key = match &row.group_key {
            Some(key) if grouped.contains(&row.kind.as_str()) => key.clone(),
            _ => format!("ungrouped-{}", row.id),
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
        if keys.len() >= limit {
            break;
        }
    }
    Ok(Response::json(200, &serde_json::json!({ "count": keys.len() })))
}
