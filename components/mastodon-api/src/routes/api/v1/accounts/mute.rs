//! `POST /api/v1/accounts/:id/mute` (`notifications`, `duration` in seconds, 0 for
//! ever) and `unmute`.

use aerie_core::store::blocks;
use aerie_sdk::db::Autocommit;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, forbidden};
use crate::{load, relationships};

pub fn mute(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:mutes")?;
    load::account_or_404(id)?;
    if id == viewer {
        return Err(forbidden());
    }
    let now = settings::now_millis();
    let hide_notifications = ctx.params.bool("notifications").unwrap_or(true);
    let expires_at = ctx.params.i64("duration").filter(|d| *d > 0).map(|d| now + d * 1000);
    blocks::mute(&Autocommit, settings::next_id(), viewer, id, hide_notifications, expires_at, now)?;
    relationships::one(viewer, id)
}

pub fn unmute(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:mutes")?;
    load::account_or_404(id)?;
    blocks::unmute(&Autocommit, viewer, id)?;
    relationships::one(viewer, id)
}
