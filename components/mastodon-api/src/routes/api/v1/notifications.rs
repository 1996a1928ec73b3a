//! `/api/v1/notifications`: list (filtered, paged), one, clear, dismiss, unread count.

use std::collections::HashMap;

use aerie_core::contract::paging::Page;
use aerie_core::convert;
use aerie_core::entities::Notification;
use aerie_core::filtering::Scope;
use aerie_core::rows::{NotificationRow, StatusRow};
use aerie_core::store::notifications::{self, Filter};
use aerie_core::time::iso8601;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::links::with_link;
use crate::load;

/// Notification rows as entities, with accounts and statuses loaded in batches.
fn to_api(ctx: &Ctx, viewer: i64, rows: &[NotificationRow]) -> Result<Vec<Notification>, Response> {
    let accounts = load::accounts(&rows.iter().map(|n| n.from_account_id).collect::<Vec<_>>())?;
    let status_ids: Vec<i64> = rows.iter().filter_map(|n| n.status_id).collect();
    let status_rows: Vec<StatusRow> = load::visible_statuses(Some(viewer), &status_ids)?.into_values().collect();
    let statuses: HashMap<String, _> = load::statuses_in(Some(viewer), &ctx.base, &status_rows, Scope::Context("notifications"))?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
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

/// The list filter of the request: `types[]`, `exclude_types[]`, `account_id`,
/// `include_filtered` (what the notification policy filtered, left out by default).
pub fn filter<'a>(ctx: &'a Ctx) -> Filter<'a> {
    Filter {
        types: ctx.params.all("types"),
        exclude_types: ctx.params.all("exclude_types"),
        from_account: ctx.params.i64("account_id"),
        include_filtered: ctx.params.bool("include_filtered").unwrap_or(false),
    }
}

/// `GET /api/v1/notifications` with `types[]`, `exclude_types[]`, `account_id`.
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let page = Page::from_query(&ctx.request.query);
    let rows = notifications::page(&Autocommit, viewer, &filter(ctx), &page)?;
    let ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
    Ok(with_link(ctx, Response::to_json(200, &to_api(ctx, viewer, &rows)?), &ids))
}

/// `GET /api/v1/notifications/:id`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let rows = notifications::one(&Autocommit, viewer, id)?;
    let notification = to_api(ctx, viewer, &rows)?.pop().ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &notification))
}

/// `POST /api/v1/notifications/clear`
pub fn clear(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    notifications::clear(&Autocommit, viewer)?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `POST /api/v1/notifications/:id/dismiss`
pub fn dismiss(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    notifications::dismiss(&Autocommit, viewer, id)?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `GET /api/v1/notifications/unread_count`: notifications newer than the
/// `notifications` marker, up to `limit` (default 100, at most 1000).
pub fn unread_count(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let limit = ctx.params.i64("limit").unwrap_or(100).clamp(1, 1000);
    let count = notifications::unread_count(&Autocommit, viewer, limit)?;
    Ok(Response::json(200, &serde_json::json!({ "count": count })))
}
