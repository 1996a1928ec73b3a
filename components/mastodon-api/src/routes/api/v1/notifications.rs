//! `/api/v1/notifications`: list (filtered, paged), one, clear, dismiss, unread count.

use std::collections::HashMap;

use aerie_core::convert;
use aerie_core::entities::Notification;
use aerie_core::model::paging::Page;
use aerie_core::model::visibility::visible_sql;
use aerie_core::rows::{NOTIFICATION_COLUMNS, NotificationRow, StatusRow};
use aerie_core::time::iso8601;
use aerie_sdk::db::{self, Value, placeholders};
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::links::with_link;
use crate::load;

/// Notifications about a status the viewer may no longer see are not shown.
fn status_visible() -> String {
    format!("(n.status_id IS NULL OR EXISTS (SELECT 1 FROM statuses s WHERE s.id = n.status_id AND {}))", visible_sql("s", 1))
}

/// Notification rows as entities, with accounts and statuses loaded in batches.
fn to_api(ctx: &Ctx, viewer: i64, rows: &[NotificationRow]) -> Result<Vec<Notification>, Response> {
    let accounts = load::accounts(&rows.iter().map(|n| n.from_account_id).collect::<Vec<_>>())?;
    let status_ids: Vec<i64> = rows.iter().filter_map(|n| n.status_id).collect();
    let status_rows: Vec<StatusRow> = load::visible_statuses(Some(viewer), &status_ids)?.into_values().collect();
    let statuses: HashMap<String, _> =
        load::statuses_to_api(Some(viewer), &ctx.base, &status_rows)?.into_iter().map(|s| (s.id.clone(), s)).collect();
    Ok(rows
        .iter()
        .filter_map(|n| {
            let account = accounts.get(&n.from_account_id)?;
            let status = match n.status_id {
                Some(id) => Some(statuses.get(&id.to_string())?.clone()),
                None => None,
            };
            Some(Notification {
                id: n.id.to_string(),
                kind: n.kind.clone(),
                group_key: n.group_key.clone().unwrap_or_else(|| format!("ungrouped-{}", n.id)),
                created_at: iso8601(n.created_at),
                account: convert::account_to_api(account, &ctx.base),
                status,
            })
        })
        .collect())
}

/// The notifications of `viewer` a list shows: not dismissed, about statuses they may
/// see, filtered by `types[]`, `exclude_types[]` and `account_id`. The condition is
/// on alias `n` with its parameters from `$1` (the viewer).
pub fn list_condition(ctx: &Ctx, viewer: i64) -> (String, Vec<Value>) {
    let mut params = vec![Value::Int64(viewer)];
    let mut condition = format!("n.account_id = $1 AND n.dismissed = 0 AND {}", status_visible());
    let add_list = |values: Vec<&str>, negate: bool, condition: &mut String, params: &mut Vec<Value>| {
        if values.is_empty() {
            return;
        }
        let list = placeholders(params.len() + 1, values.len());
        params.extend(values.into_iter().map(|v| Value::Text(v.to_string())));
        condition.push_str(&format!(" AND n.type {}IN ({list})", if negate { "NOT " } else { "" }));
    };
    add_list(ctx.params.all("types"), false, &mut condition, &mut params);
    add_list(ctx.params.all("exclude_types"), true, &mut condition, &mut params);
    if let Some(from) = ctx.params.i64("account_id") {
        params.push(Value::Int64(from));
        condition.push_str(&format!(" AND n.from_account_id = ${}", params.len()));
    }
    (condition, params)
}

/// `GET /api/v1/notifications` with `types[]`, `exclude_types[]`, `account_id`.
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let (condition, mut params) = list_condition(ctx, viewer);
    let page = Page::from_query(&ctx.request.query);
    let (bounds, order, values) = page.sql("n.id", params.len() + 1);
    params.extend(values.into_iter().map(Value::Int64));
    let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE {condition} AND {bounds} {order}");
    let rows: Vec<NotificationRow> = page.finish(db::query(&sql, &params)?.iter().map(|r| NotificationRow::from_row(&r)).collect());
    let ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
    Ok(with_link(ctx, Response::to_json(200, &to_api(ctx, viewer, &rows)?), &ids))
}

/// `GET /api/v1/notifications/:id`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.account_id = $1 AND n.id = $2 AND n.dismissed = 0");
    let rows: Vec<NotificationRow> =
        db::query(&sql, &[Value::Int64(viewer), Value::Int64(id)])?.iter().map(|r| NotificationRow::from_row(&r)).collect();
    let notification = to_api(ctx, viewer, &rows)?.pop().ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &notification))
}

/// `POST /api/v1/notifications/clear`
pub fn clear(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    db::execute("DELETE FROM notifications WHERE account_id = $1", &[Value::Int64(viewer)])?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `POST /api/v1/notifications/:id/dismiss`
pub fn dismiss(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    db::execute("DELETE FROM notifications WHERE account_id = $1 AND id = $2", &[Value::Int64(viewer), Value::Int64(id)])?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `GET /api/v1/notifications/unread_count`: notifications newer than the
/// `notifications` marker, up to `limit` (default 100, at most 1000).
pub fn unread_count(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let limit = ctx.params.i64("limit").unwrap_or(100).clamp(1, 1000);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT n.id FROM notifications n WHERE n.account_id = $1 AND n.dismissed = 0 \
           AND n.id > COALESCE((SELECT mk.last_read_id FROM markers mk WHERE mk.account_id = $1 AND mk.timeline = 'notifications'), 0) \
           AND {} LIMIT {limit}) unread",
        status_visible()
    );
    let rows = db::query(&sql, &[Value::Int64(viewer)])?;
    Ok(Response::json(200, &serde_json::json!({ "count": rows.first().and_then(|r| r.i64("n")).unwrap_or(0) })))
}
