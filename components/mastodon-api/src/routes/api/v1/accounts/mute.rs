//! `POST /api/v1/accounts/:id/mute` (`notifications`, `duration` in seconds, 0 for
//! ever) and `unmute`.

use aerie_sdk::db::{self, Value};
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
    let expires_at = ctx.params.i64("duration").filter(|d| *d > 0).map(|d| Value::Int64(now + d * 1000)).unwrap_or(Value::Null);
    db::execute(
        "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, CAST($5 AS BIGINT), $6) \
         ON CONFLICT (account_id, target_account_id) DO UPDATE SET hide_notifications = excluded.hide_notifications, expires_at = excluded.expires_at",
        &[
            Value::Int64(settings::next_id()),
            Value::Int64(viewer),
            Value::Int64(id),
            Value::Int64(hide_notifications as i64),
            expires_at,
            Value::Int64(now),
        ],
    )?;
    relationships::one(viewer, id)
}

pub fn unmute(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:mutes")?;
    load::account_or_404(id)?;
    db::execute("DELETE FROM mutes WHERE account_id = $1 AND target_account_id = $2", &[Value::Int64(viewer), Value::Int64(id)])?;
    relationships::one(viewer, id)
}
