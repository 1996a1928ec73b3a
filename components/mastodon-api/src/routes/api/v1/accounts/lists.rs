//! `GET /api/v1/accounts/:id/lists`: the viewer's lists that hold the account.

use aerie_core::convert::list_to_api;
use aerie_core::store::lists;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::load;

/// `GET /api/v1/accounts/:id/lists`
pub fn get(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:lists")?;
    load::account_or_404(id)?;
    let held: Vec<_> = lists::of_owner_holding(&Autocommit, viewer, id)?.iter().map(list_to_api).collect();
    Ok(Response::to_json(200, &held))
}
