//! `GET /api/v1/blocks` and `GET /api/v1/mutes`: accounts, paged by the block's or
//! mute's own id (exposed only through `Link`).

use aerie_core::contract::paging::Page;
use aerie_core::store::blocks;
use aerie_sdk::db::Autocommit;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx};
use crate::routes::api::v1::accounts::accounts_answer;

/// `GET /api/v1/blocks`
pub fn blocks(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:blocks")?;
    let page = Page::from_query(&ctx.request.query);
    accounts_answer(ctx, blocks::blocked_page(&Autocommit, viewer, &page)?)
}

/// `GET /api/v1/mutes` (expired mutes left out)
pub fn mutes(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:mutes")?;
    let page = Page::from_query(&ctx.request.query);
    accounts_answer(ctx, blocks::muted_page(&Autocommit, viewer, settings::now_millis(), &page)?)
}
