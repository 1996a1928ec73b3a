//! `POST /api/v1/statuses/:id/translate`: no translation service is configured on
//! an aerie instance, so a status the viewer may see is answered with Mastodon's 503;
//! one it may not see is a 404 first, so the answer never tells that it exists.

use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::load;

pub fn translate(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("read:statuses")?;
    load::visible_status(Some(viewer), id)?;
    Err(Response::error(503, "no translation service is configured on this instance"))
}
