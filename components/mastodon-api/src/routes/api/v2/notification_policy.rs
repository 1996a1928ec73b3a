//! `GET` and `PATCH /api/v2/notifications/policy`: Mastodon 4.3's notification
//! policy, `accept`, `filter` or `drop` for each of `for_not_following`,
//! `for_not_followers`, `for_new_accounts`, `for_private_mentions` and
//! `for_limited_accounts`, with the pending requests' summary. Anything else than
//! those three words is a 422.

use aerie_core::actions::notification_requests as actions;
use aerie_core::store::notification_requests::{self as store, Action};
use aerie_sdk::db::Autocommit;
use serde::Serialize;

use crate::ctx::{Answer, Ctx, invalid};
use crate::routes::api::v1::notification_requests::{Summary, summary};
use aerie_sdk::http::Response;

#[derive(Debug, Clone, Serialize)]
struct PolicyV2 {
    for_not_following: &'static str,
    for_not_followers: &'static str,
    for_new_accounts: &'static str,
    for_private_mentions: &'static str,
    for_limited_accounts: &'static str,
    summary: Summary,
}

fn answer(account: i64) -> Answer {
    let p = store::policy(&Autocommit, account)?;
    Ok(Response::to_json(
        200,
        &PolicyV2 {
            for_not_following: p.for_not_following.as_str(),
            for_not_followers: p.for_not_followers.as_str(),
            for_new_accounts: p.for_new_accounts.as_str(),
            for_private_mentions: p.for_private_mentions.as_str(),
            for_limited_accounts: p.for_limited_accounts.as_str(),
            summary: summary(account)?,
        },
    ))
}

/// `GET /api/v2/notifications/policy`
pub fn get(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:notifications")?;
    answer(viewer)
}

/// `PATCH /api/v2/notifications/policy`; a rule not given stays as it is.
pub fn update(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("write:notifications")?;
    let mut policy = store::policy(&Autocommit, viewer)?;
    for (name, rule) in [
        ("for_not_following", &mut policy.for_not_following),
        ("for_not_followers", &mut policy.for_not_followers),
        ("for_new_accounts", &mut policy.for_new_accounts),
        ("for_private_mentions", &mut policy.for_private_mentions),
        ("for_limited_accounts", &mut policy.for_limited_accounts),
    ] {
        if let Some(value) = ctx.params.get(name) {
            *rule = Action::parse(value.trim()).ok_or_else(|| invalid(&format!("{name} is not included in the list")))?;
        }
    }
    actions::set_policy(viewer, &policy)?;
    answer(viewer)
}
