//! `GET /api/v1/statuses/:id/favourited_by` and `reblogged_by`: accounts, paged by
//! the favourite's or reblog's own id (exposed only through `Link`).

use aerie_core::model::paging::Page;
use aerie_core::rows::{ACCOUNT_COLUMNS, AccountRow};
use aerie_core::store::{favourites, reblogs};
use aerie_sdk::db::{self, Value};
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::links::with_link;
use crate::load;

fn accounts_page(ctx: &Ctx, id: i64, join: &str, page_column: &str) -> Answer {
    let viewer = ctx.viewer.optional("read:accounts")?;
    let status = load::visible_status(viewer, id)?;
    let page = Page::from_query(&ctx.request.query);
    let (condition, order, bounds) = page.sql(page_column, 2);
    let sql = format!("SELECT {page_column} AS page_id, {ACCOUNT_COLUMNS} FROM {join} WHERE {condition} AND a.deleted_at IS NULL {order}");
    let mut params = vec![Value::Int64(status.reblog_of_id.unwrap_or(status.id))];
    params.extend(bounds.into_iter().map(Value::Int64));
    let rows = db::query(&sql, &params)?;
    let rows: Vec<(i64, AccountRow)> =
        page.finish(rows.iter().map(|r| (r.i64("page_id").unwrap_or_default(), AccountRow::from_row(&r))).collect());
    let page_ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let accounts: Vec<AccountRow> = rows.into_iter().map(|(_, a)| a).collect();
    Ok(with_link(ctx, Response::to_json(200, &load::accounts_to_api(&accounts, &ctx.base)), &page_ids))
}

pub fn favourited_by(ctx: &Ctx, id: i64) -> Answer {
    accounts_page(ctx, id, favourites::ACCOUNTS_OF_STATUS, "f.id")
}

pub fn reblogged_by(ctx: &Ctx, id: i64) -> Answer {
    accounts_page(ctx, id, reblogs::ACCOUNTS_OF_STATUS, "r.id")
}
