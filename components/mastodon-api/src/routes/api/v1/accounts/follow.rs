//! `POST /api/v1/accounts/:id/follow` and `unfollow`. A locked or remote account
//! gets a follow request (a remote one is accepted when its Accept arrives);
//! others are followed at once.

use aerie_guest::db::{self, Value};
use aerie_guest::settings;

use crate::ctx::{Answer, Ctx, forbidden};
use crate::{follows, load, notify, relationships};

fn blocked_either_way(viewer: i64, target: i64) -> Result<bool, aerie_guest::http::Response> {
    let rows = db::query(
        "SELECT 1 AS x FROM blocks WHERE (account_id = $1 AND target_account_id = $2) OR (account_id = $2 AND target_account_id = $1)",
        &[Value::Int64(viewer), Value::Int64(target)],
    )?;
    Ok(!rows.is_empty())
}

pub fn follow(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let target = load::account_or_404(id)?;
    if target.id == viewer || target.suspended_at.is_some() || blocked_either_way(viewer, target.id)? {
        return Err(forbidden());
    }
    let show_reblogs = ctx.params.bool("reblogs").unwrap_or(true);
    let notify_on_post = ctx.params.bool("notify").unwrap_or(false);
    let tx = db::begin()?;
    let mut notice = None;
    let already_following = !tx
        .query("SELECT 1 AS x FROM follows WHERE account_id = $1 AND target_account_id = $2", &[Value::Int64(viewer), Value::Int64(id)])?
        .is_empty();
    let needs_request = target.locked || !target.is_local();
    if already_following || !needs_request {
        if follows::create(&tx, viewer, id, show_reblogs, notify_on_post)? {
            notice = notify::create(&tx, id, viewer, notify::FOLLOW, None)?;
        }
    } else {
        let params = [
            Value::Int64(settings::next_id()),
            Value::Int64(viewer),
            Value::Int64(id),
            Value::Int64(show_reblogs as i64),
            Value::Int64(notify_on_post as i64),
            Value::Int64(settings::now_millis()),
        ];
        let added = tx.execute(
            "INSERT INTO follow_requests (id, account_id, target_account_id, show_reblogs, notify, uri, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6) \
             ON CONFLICT (account_id, target_account_id) DO UPDATE SET show_reblogs = excluded.show_reblogs, notify = excluded.notify",
            &params,
        )?;
        if added > 0 && target.locked {
            let pending = tx.query(
                "SELECT 1 AS x FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = 'follow_request'",
                &[Value::Int64(id), Value::Int64(viewer)],
            )?;
            if pending.is_empty() {
                notice = notify::create(&tx, id, viewer, notify::FOLLOW_REQUEST, None)?;
            }
        }
    }
    tx.commit()?;
    notify::publish(notice);
    relationships::one(viewer, id)
}

pub fn unfollow(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    load::account_or_404(id)?;
    let tx = db::begin()?;
    follows::remove(&tx, viewer, id)?;
    tx.commit()?;
    relationships::one(viewer, id)
}

/// `POST /api/v1/accounts/:id/remove_from_followers`: ends `id`'s follow of the viewer.
pub fn remove_from_followers(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    load::account_or_404(id)?;
    let tx = db::begin()?;
    follows::remove(&tx, id, viewer)?;
    tx.commit()?;
    relationships::one(viewer, id)
}
