//! `GET /api/v1/custom_emojis`: the instance's enabled custom emoji (public, no
//! token needed, as in Mastodon), added by the operator with `aerie admin emoji add`.

use aerie_core::custom_emoji;
use aerie_core::store::custom_emojis;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};

pub fn list(ctx: &Ctx) -> Answer {
    let rows = custom_emojis::enabled_local(&Autocommit)?;
    let emojis: Vec<_> = rows.iter().map(|row| custom_emoji::to_api(row, &ctx.base)).collect();
    Ok(Response::to_json(200, &emojis))
}
