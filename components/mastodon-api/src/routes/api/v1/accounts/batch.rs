//! `GET /api/v1/accounts?id[]=1&id[]=2` (Mastodon 4.3): several accounts at once, in
//! the order asked, unknown or deleted ones left out; at most 40 ids.

use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx, invalid};
use crate::load;

/// Ids one request may ask for, as Mastodon allows.
const MAX_IDS: usize = 40;

pub fn get(ctx: &Ctx) -> Answer {
    ctx.viewer.optional("read:accounts")?;
    let mut ids: Vec<i64> = Vec::new();
    for id in ctx.params.all("id").iter().filter_map(|v| v.trim().parse::<i64>().ok()) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > MAX_IDS {
        return Err(invalid(&format!("You can request at most {MAX_IDS} accounts")));
    }
    let mut found = load::accounts(&ids)?;
    let rows: Vec<_> = ids.iter().filter_map(|id| found.remove(id)).collect();
    Ok(Response::to_json(200, &load::accounts_to_api(&rows, &ctx.base)))
}
