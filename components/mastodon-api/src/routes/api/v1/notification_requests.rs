//! Mastodon 4.3's notification requests and policy (v1): `GET/PUT
//! /api/v1/notifications/policy` (`filter_*` booleans), `GET
//! /api/v1/notifications/requests` (paged with `Link`), `GET :id`, `POST
//! :id/accept`, `POST :id/dismiss`, `POST accept` and `POST dismiss` with `id[]`,
//! `GET merged`. Another account's request is a 404. The v2 policy (`accept` |
//! `filter` | `drop` per rule) is `v2/notification_policy.rs`; the rules are core's
//! ([`aerie_core::notification_policy`], [`aerie_core::actions::notification_requests`]).

use std::collections::HashMap;

use aerie_core::actions::notification_requests as actions;
use aerie_core::contract::paging::Page;
use aerie_core::convert;
use aerie_core::entities::{Account, Status};
use aerie_core::rows::StatusRow;
use aerie_core::store::notification_requests::{self as store, Action, Policy, RequestRow};
use aerie_core::time::iso8601;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use serde::Serialize;

use crate::ctx::{Answer, Ctx};
use crate::links::with_link;
use crate::load;

/// The policy's summary, in both versions.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub pending_requests_count: i64,
    pub pending_notifications_count: i64,
}

/// `account`'s pending requests and the notifications waiting in them.
pub fn summary(account: i64) -> Result<Summary, Response> {
    let (requests, waiting) = store::summary(&Autocommit, account)?;
    Ok(Summary { pending_requests_count: requests, pending_notifications_count: waiting })
}

/// Mastodon's v1 NotificationPolicy: a rule "filters" unless it accepts.
#[derive(Debug, Clone, Serialize)]
struct PolicyV1 {
    filter_not_following: bool,
    filter_not_followers: bool,
    filter_new_accounts: bool,
    filter_private_mentions: bool,
    summary: Summary,
}

fn policy_v1(account: i64) -> Answer {
    let policy = store::policy(&Autocommit, account)?;
    let filters = |action: Action| action != Action::Accept;
    Ok(Response::to_json(
        200,
        &PolicyV1 {
            filter_not_following: filters(policy.for_not_following),
            filter_not_followers: filters(policy.for_not_followers),
            filter_new_accounts: filters(policy.for_new_accounts),
            filter_private_mentions: filters(policy.for_private_mentions),
            summary: summary(account)?,
        },
    ))
}

/// `GET /api/v1/notifications/policy`
pub fn get_policy(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    policy_v1(viewer)
}

/// `PUT /api/v1/notifications/policy` with `filter_not_following`,
/// `filter_not_followers`, `filter_new_accounts`, `filter_private_mentions`
/// (true: filter, false: accept); a rule not given stays as it is.
pub fn update_policy(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    let mut policy: Policy = store::policy(&Autocommit, viewer)?;
    let set = |name: &str, rule: &mut Action| {
        if let Some(filter) = ctx.params.bool(name) {
            *rule = if filter { Action::Filter } else { Action::Accept };
        }
    };
    set("filter_not_following", &mut policy.for_not_following);
    set("filter_not_followers", &mut policy.for_not_followers);
    set("filter_new_accounts", &mut policy.for_new_accounts);
    set("filter_private_mentions", &mut policy.for_private_mentions);
    actions::set_policy(viewer, &policy)?;
    policy_v1(viewer)
}

/// Mastodon's NotificationRequest entity (`notifications_count` is a string there).
#[derive(Debug, Clone, Serialize)]
struct NotificationRequest {
    id: String,
    created_at: String,
    updated_at: String,
    account: Account,
    notifications_count: String,
    last_status: Option<Status>,
}

/// Request rows as entities; a request whose sender is gone is left out.
fn to_api(ctx: &Ctx, viewer: i64, rows: &[RequestRow]) -> Result<Vec<NotificationRequest>, Response> {
    let accounts = load::accounts(&rows.iter().map(|r| r.from_account_id).collect::<Vec<_>>())?;
    let status_ids: Vec<i64> = rows.iter().filter_map(|r| r.last_status_id).collect();
    let status_rows: Vec<StatusRow> = load::visible_statuses(Some(viewer), &status_ids)?.into_values().collect();
    let statuses: HashMap<String, Status> =
        load::statuses_to_api(Some(viewer), &ctx.base, &status_rows)?.into_iter().map(|s| (s.id.clone(), s)).collect();
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(NotificationRequest {
                id: r.id.to_string(),
                created_at: iso8601(r.created_at),
                updated_at: iso8601(r.updated_at),
                account: convert::account_to_api(accounts.get(&r.from_account_id)?, &ctx.base),
                notifications_count: r.notifications_count.to_string(),
                last_status: r.last_status_id.and_then(|id| statuses.get(&id.to_string()).cloned()),
            })
        })
        .collect())
}

/// `GET /api/v1/notifications/requests` with `max_id`, `since_id`, `min_id`, `limit`
/// (default 40, at most 40 here; Mastodon allows 80).
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let mut page = Page::from_query(&ctx.request.query);
    // Mastodon's default page is 40 here; paging caps every page at 40.
    page.limit = Some(page.limit.unwrap_or(40));
    let rows = store::requests_page(&Autocommit, viewer, &page)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    Ok(with_link(ctx, Response::to_json(200, &to_api(ctx, viewer, &rows)?), &ids))
}

/// `GET /api/v1/notifications/requests/:id`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    let row = store::request(&Autocommit, viewer, id)?.ok_or_else(Response::not_found)?;
    Ok(Response::to_json(200, &to_api(ctx, viewer, &[row])?.pop().ok_or_else(Response::not_found)?))
}

/// The viewer's request `id`, or a 404.
fn own(viewer: i64, id: i64) -> Result<(), Response> {
    store::request(&Autocommit, viewer, id)?.map(|_| ()).ok_or_else(Response::not_found)
}

/// `POST /api/v1/notifications/requests/:id/accept`
pub fn accept(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    own(viewer, id)?;
    actions::accept(viewer, &[id])?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `POST /api/v1/notifications/requests/:id/dismiss`
pub fn dismiss(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    own(viewer, id)?;
    actions::dismiss(viewer, &[id])?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// The ids of `id[]` (unparseable ones are skipped, as unknown ones are).
fn batch_ids(ctx: &Ctx) -> Vec<i64> {
    ctx.params.all("id").iter().filter_map(|v| v.trim().parse().ok()).collect()
}

/// `POST /api/v1/notifications/requests/accept` with `id[]`
pub fn accept_many(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    actions::accept(viewer, &batch_ids(ctx))?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `POST /api/v1/notifications/requests/dismiss` with `id[]`
pub fn dismiss_many(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    actions::dismiss(viewer, &batch_ids(ctx))?;
    Ok(Response::json(200, &serde_json::json!({})))
}

/// `GET /api/v1/notifications/requests/merged`: accepted requests are merged into
/// the notifications as they are accepted (in the same transaction), so always true.
pub fn merged(ctx: &Ctx) -> Answer {
    ctx.viewer.user("read:notifications")?;
    Ok(Response::json(200, &serde_json::json!({ "merged": true })))
}
