//! Endorsements (featuring accounts on one's profile): `POST
//! /api/v1/accounts/:id/pin` and `unpin` (only an account the viewer follows; the
//! answer is the Relationship, with `endorsed`) and `GET /api/v1/endorsements`
//! (paged with `Link`). The endorsement goes when the follow goes.

use aerie_core::actions::tags as actions;
use aerie_core::contract::paging::Page;
use aerie_core::store::endorsements;
use aerie_sdk::db::Autocommit;

use super::accounts::accounts_answer;
use super::tags::refused;
use crate::ctx::{Answer, Ctx};
use crate::{load, relationships};

/// `POST /api/v1/accounts/:id/pin`: 422 unless the viewer follows the account.
pub fn pin(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    load::account_or_404(id)?;
    actions::endorse(viewer, id)?.map_err(refused)?;
    relationships::one(viewer, id)
}

/// `POST /api/v1/accounts/:id/unpin`
pub fn unpin(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    load::account_or_404(id)?;
    actions::unendorse(viewer, id)?;
    relationships::one(viewer, id)
}

/// `GET /api/v1/endorsements`: the accounts the viewer endorses, newest first.
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:accounts")?;
    let page = Page::from_query(&ctx.request.query);
    accounts_answer(ctx, endorsements::page(&Autocommit, viewer, &page)?)
}
