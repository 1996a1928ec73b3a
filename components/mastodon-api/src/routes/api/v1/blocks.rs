//! `GET /api/v1/blocks` and `GET /api/v1/mutes`: accounts, paged by the block's or
//! mute's own id (exposed only through `Link`).

use aerie_core::model::paging::Page;
use aerie_core::rows::ACCOUNT_COLUMNS;
use aerie_sdk::db::Value;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx};
use crate::routes::api::v1::accounts::account_page;

/// `GET /api/v1/blocks`
pub fn blocks(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:blocks")?;
    let page = Page::from_query(&ctx.request.query);
    let (bounds, order, values) = page.sql("b.id", 2);
    let sql = format!(
        "SELECT b.id AS page_id, {ACCOUNT_COLUMNS} FROM blocks b JOIN accounts a ON a.id = b.target_account_id \
         WHERE b.account_id = $1 AND a.deleted_at IS NULL AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(viewer)];
    params.extend(values.into_iter().map(Value::Int64));
    account_page(ctx, page, &sql, &params)
}

/// `GET /api/v1/mutes` (expired mutes left out)
pub fn mutes(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:mutes")?;
    let page = Page::from_query(&ctx.request.query);
    let (bounds, order, values) = page.sql("m.id", 3);
    let sql = format!(
        "SELECT m.id AS page_id, {ACCOUNT_COLUMNS} FROM mutes m JOIN accounts a ON a.id = m.target_account_id \
         WHERE m.account_id = $1 AND (m.expires_at IS NULL OR m.expires_at > $2) AND a.deleted_at IS NULL AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(viewer), Value::Int64(settings::now_millis())];
    params.extend(values.into_iter().map(Value::Int64));
    account_page(ctx, page, &sql, &params)
}
