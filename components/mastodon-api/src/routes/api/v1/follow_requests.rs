//! `/api/v1/follow_requests`: who asks to follow the viewer; authorize or reject.

use aerie_core::contract::paging::Page;
use aerie_sdk::db::{self, Autocommit};

use crate::ctx::{Answer, Ctx};
use crate::routes::api::v1::accounts::accounts_answer;
use crate::{federate, load, relationships};
use aerie_core::actions::notify;
use aerie_core::store::follows;
use aerie_core::store::notifications;

/// `GET /api/v1/follow_requests`, paged by the request's id.
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:follows")?;
    let page = Page::from_query(&ctx.request.query);
    accounts_answer(ctx, follows::requests_page(&Autocommit, viewer, &page)?)
}

/// `POST /api/v1/follow_requests/:account_id/authorize`
pub fn authorize(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let requester = load::account_or_404(id)?;
    let tx = db::begin()?;
    let Some(request) = follows::take_request(&tx, id, viewer)? else { return Err(aerie_sdk::http::Response::not_found()) };
    let (request_id, follow_uri) = (request.id, request.uri.clone());
    let mut notice = None;
    if follows::create(&tx, id, viewer, request.show_reblogs, request.notify)? {
        // The follow keeps the Follow's id, which a later Reject names.
        follows::set_uri(&tx, id, viewer, follow_uri.as_deref(), true)?;
        notifications::withdraw_from(&tx, viewer, id, &[notifications::FOLLOW_REQUEST])?;
        notice = notifications::create(&tx, viewer, id, notifications::FOLLOW, None)?;
    }
    tx.commit()?;
    notify::publish(notice);
    federate::answer_follow(viewer, &requester, request_id, follow_uri.as_deref(), true);
    relationships::one(viewer, id)
}

/// `POST /api/v1/follow_requests/:account_id/reject`
pub fn reject(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let requester = load::account_or_404(id)?;
    let tx = db::begin()?;
    let Some(request) = follows::take_request(&tx, id, viewer)? else { return Err(aerie_sdk::http::Response::not_found()) };
    let (request_id, follow_uri) = (request.id, request.uri);
    notifications::withdraw_from(&tx, viewer, id, &[notifications::FOLLOW_REQUEST])?;
    tx.commit()?;
    federate::answer_follow(viewer, &requester, request_id, follow_uri.as_deref(), false);
    relationships::one(viewer, id)
}
