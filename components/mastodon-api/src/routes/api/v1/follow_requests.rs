//! `/api/v1/follow_requests`: who asks to follow the viewer; authorize or reject.

use aerie_core::contract::paging::Page;
use aerie_sdk::db::Autocommit;

use crate::ctx::{Answer, Ctx};
use crate::routes::api::v1::accounts::accounts_answer;
use crate::{federate, load, relationships};
use aerie_core::actions::Origin;
use aerie_core::actions::follows;
use aerie_core::store::follows as follow_rows;

/// `GET /api/v1/follow_requests`, paged by the request's id.
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:follows")?;
    let page = Page::from_query(&ctx.request.query);
    accounts_answer(ctx, follow_rows::requests_page(&Autocommit, viewer, &page)?)
}

/// `POST /api/v1/follow_requests/:account_id/authorize`
pub fn authorize(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let requester = load::account_or_404(id)?;
    let Some(request) = follows::accept(id, viewer, &Origin::Local)? else { return Err(aerie_sdk::http::Response::not_found()) };
    federate::answer_follow(viewer, &requester, request.id, request.uri.as_deref(), true);
    relationships::one(viewer, id)
}

/// `POST /api/v1/follow_requests/:account_id/reject`
pub fn reject(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let requester = load::account_or_404(id)?;
    let Some(request) = follows::reject(id, viewer)? else { return Err(aerie_sdk::http::Response::not_found()) };
    federate::answer_follow(viewer, &requester, request.id, request.uri.as_deref(), false);
    relationships::one(viewer, id)
}
