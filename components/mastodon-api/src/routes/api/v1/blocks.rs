//! `GET /api/v1/blocks` and `GET /api/v1/mutes`: accounts, paged by the block's or
//! mute's own id (exposed only through `Link`).

use aerie_core::contract::paging::Page;
use aerie_core::convert;
use aerie_core::store::blocks;
use aerie_core::time::iso8601;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx};
use crate::links::with_link;
use crate::routes::api::v1::accounts::accounts_answer;

/// `GET /api/v1/blocks`
pub fn blocks(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:blocks")?;
    let page = Page::from_query(&ctx.request.query);
    accounts_answer(ctx, blocks::blocked_page(&Autocommit, viewer, &page)?)
}

/// `GET /api/v1/mutes` (expired mutes left out), each account with
/// `mute_expires_at` (null for a mute without end), as Mastodon's MutedAccount.
pub fn mutes(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:mutes")?;
    let page = Page::from_query(&ctx.request.query);
    let rows = blocks::muted_page(&Autocommit, viewer, settings::now_millis(), &page)?;
    let targets: Vec<i64> = rows.iter().map(|(_, a)| a.id).collect();
    let expiries = blocks::mute_expiries(&Autocommit, viewer, &targets)?;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let accounts: Vec<serde_json::Value> = rows
        .iter()
        .map(|(_, row)| {
            let mut account = serde_json::to_value(convert::account_to_api(row, &ctx.base)).unwrap_or_default();
            let expires = expiries.iter().find(|(target, _)| *target == row.id).map(|(_, at)| iso8601(*at));
            account["mute_expires_at"] = expires.map(serde_json::Value::String).unwrap_or(serde_json::Value::Null);
            account
        })
        .collect();
    Ok(with_link(ctx, Response::json(200, &serde_json::Value::Array(accounts)), &ids))
}
