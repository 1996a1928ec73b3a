//! `/api/v1/follow_requests`: who asks to follow the viewer; authorize or reject.

use aerie_core::model::paging::Page;
use aerie_core::rows::ACCOUNT_COLUMNS;
use aerie_sdk::db::{self, Value};

use crate::ctx::{Answer, Ctx};
use crate::routes::api::v1::accounts::account_page;
use crate::{federate, load, relationships};
use aerie_core::actions::notify;
use aerie_core::store::follows;
use aerie_core::store::notifications;

/// `GET /api/v1/follow_requests`, paged by the request's id.
pub fn list(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.user("read:follows")?;
    let page = Page::from_query(&ctx.request.query);
    let (bounds, order, values) = page.sql("fr.id", 2);
    let sql = format!(
        "SELECT fr.id AS page_id, {ACCOUNT_COLUMNS} FROM follow_requests fr JOIN accounts a ON a.id = fr.account_id \
         WHERE fr.target_account_id = $1 AND a.deleted_at IS NULL AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(viewer)];
    params.extend(values.into_iter().map(Value::Int64));
    account_page(ctx, page, &sql, &params)
}

/// `POST /api/v1/follow_requests/:account_id/authorize`
pub fn authorize(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let requester = load::account_or_404(id)?;
    let tx = db::begin()?;
    let request = tx.query(
        "DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2 RETURNING id, uri, show_reblogs, notify",
        &[Value::Int64(id), Value::Int64(viewer)],
    )?;
    let Some(request) = request.first() else { return Err(aerie_sdk::http::Response::not_found()) };
    let (request_id, follow_uri) = (request.i64("id").unwrap_or_default(), request.string("uri"));
    let mut notice = None;
    if follows::create(&tx, id, viewer, request.bool("show_reblogs"), request.bool("notify"))? {
        // The follow keeps the Follow's id, which a later Reject names.
        tx.execute(
            "UPDATE follows SET uri = $3 WHERE account_id = $1 AND target_account_id = $2 AND uri IS NULL",
            &[Value::Int64(id), Value::Int64(viewer), follow_uri.clone().map(Value::Text).unwrap_or(Value::Null)],
        )?;
        tx.execute(
            "DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = 'follow_request'",
            &[Value::Int64(viewer), Value::Int64(id)],
        )?;
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
    let removed = tx.query(
        "DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2 RETURNING id, uri",
        &[Value::Int64(id), Value::Int64(viewer)],
    )?;
    let Some(request) = removed.first() else { return Err(aerie_sdk::http::Response::not_found()) };
    let (request_id, follow_uri) = (request.i64("id").unwrap_or_default(), request.string("uri"));
    tx.execute(
        "DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = 'follow_request'",
        &[Value::Int64(viewer), Value::Int64(id)],
    )?;
    tx.commit()?;
    federate::answer_follow(viewer, &requester, request_id, follow_uri.as_deref(), false);
    relationships::one(viewer, id)
}
