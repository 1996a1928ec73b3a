//! `GET /api/v1/directory`: the profile directory, accounts that opted in to
//! discovery, local ones or all the instance knows (`local=true`), the most
//! recently posting first (`order=active`, the default) or the newest (`order=new`);
//! `offset` and `limit` (default 40, at most 80). Anyone may read it; a signed-in
//! viewer does not see accounts it blocks, is blocked by or mutes.

use aerie_core::store::suggestions::{self, DirectoryOrder};
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::load;

pub fn get(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read:accounts")?;
    let p = &ctx.params;
    let order = match p.get("order") {
        Some("new") => DirectoryOrder::New,
        _ => DirectoryOrder::Active,
    };
    let limit = p.i64("limit").filter(|l| *l > 0).unwrap_or(40).min(80);
    let offset = p.i64("offset").unwrap_or(0).max(0);
    let rows = suggestions::directory(&Autocommit, viewer, order, p.bool("local").unwrap_or(false), limit, offset)?;
    Ok(Response::to_json(200, &load::accounts_to_api(&rows, &ctx.base)))
}
