//! `GET /users/NAME`: a local account's actor (`Person`, `Service` for bots); browsers
//! are sent to the profile page `/@NAME`. A deleted account is 410, a suspended one
//! shows only what identifies it, as in Mastodon.
pub mod collections;
pub mod outbox;
pub mod statuses;

use aerie_core::convert;
use aerie_sdk::http::Response;

use crate::accounts;
use crate::ctx::{Answer, Ctx, activity_json, redirect};

pub fn get(ctx: &Ctx, name: &str) -> Answer {
    let account = accounts::by_name(name)?.ok_or_else(Response::not_found)?;
    if !ctx.wants_activity_json() {
        let url = account.url.clone().unwrap_or_else(|| aerie_core::contract::uris::profile(ctx.base(), &account.username));
        return Ok(redirect(&url));
    }
    if account.deleted_at.is_some() {
        return Err(Response::error(410, "Gone"));
    }
    let parts = accounts::actor_parts(&account, ctx.base())?;
    Ok(activity_json(&convert::account_to_actor(&account, &parts)))
}
