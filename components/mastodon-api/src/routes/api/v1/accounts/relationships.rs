//! `GET /api/v1/accounts/relationships?id[]=`

use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::{load, relationships};

pub fn get(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:follows")?;
    let mut wanted: Vec<i64> = Vec::new();
    for id in ctx.params.all("id").iter().filter_map(|v| v.parse::<i64>().ok()) {
        if !wanted.contains(&id) && wanted.len() < 40 {
            wanted.push(id);
        }
    }
    let existing = load::accounts(&wanted)?;
    wanted.retain(|id| existing.contains_key(id));
    Ok(Response::to_json(200, &relationships::load(viewer, &wanted)?))
}
