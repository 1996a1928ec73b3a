//! `GET /api/v1/statuses/:id/favourited_by` and `reblogged_by`: accounts, paged by
//! the favourite's or reblog's own id (exposed only through `Link`).

use aerie_core::contract::paging::Page;
use aerie_core::rows::AccountRow;
use aerie_core::store::{favourites, reblogs};
use aerie_sdk::db::{self, Autocommit};
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::links::with_link;
use crate::load;

/// Reads a page of `(row id, account)` for a status.
type AccountsOfStatus = fn(&Autocommit, i64, &Page) -> Result<Vec<(i64, AccountRow)>, db::Error>;

/// The accounts `list` reads for the status `id` names (the original of a reblog),
/// if the viewer may see it.
fn accounts_page(ctx: &Ctx, id: i64, list: AccountsOfStatus) -> Answer {
    let viewer = ctx.viewer.optional("read:accounts")?;
    let status = load::visible_status(viewer, id)?;
    let page = Page::from_query(&ctx.request.query);
    let rows = list(&Autocommit, status.reblog_of_id.unwrap_or(status.id), &page)?;
    let page_ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let accounts: Vec<AccountRow> = rows.into_iter().map(|(_, a)| a).collect();
    Ok(with_link(ctx, Response::to_json(200, &load::accounts_to_api(&accounts, &ctx.base)), &page_ids))
}

pub fn favourited_by(ctx: &Ctx, id: i64) -> Answer {
    accounts_page(ctx, id, favourites::accounts_page)
}

pub fn reblogged_by(ctx: &Ctx, id: i64) -> Answer {
    accounts_page(ctx, id, reblogs::accounts_page)
}
