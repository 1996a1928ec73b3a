//! `/api/v1/statuses/:id/mute` and `/unmute`: mute a status's thread for the viewer
//! (no more notifications from it; `muted` on its statuses). The status must be one
//! the viewer may see; the answer is it as the viewer now sees it.

use aerie_core::actions::conversations;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::load;

/// The status and its answer after `change`.
fn apply(ctx: &Ctx, id: i64, change: fn(i64, &aerie_core::rows::StatusRow) -> Result<(), aerie_sdk::db::Error>) -> Answer {
    let viewer = ctx.viewer.user("write:mutes")?;
    let row = load::visible_status(Some(viewer), id)?;
    change(viewer, &row)?;
    Ok(Response::to_json(200, &load::status_to_api(Some(viewer), &ctx.base, &row)?))
}

/// `POST /api/v1/statuses/:id/mute`
pub fn mute(ctx: &Ctx, id: i64) -> Answer {
    apply(ctx, id, conversations::mute)
}

/// `POST /api/v1/statuses/:id/unmute`
pub fn unmute(ctx: &Ctx, id: i64) -> Answer {
    apply(ctx, id, conversations::unmute)
}
