//! `POST /api/v1/accounts/:id/follow` and `unfollow`. A locked or remote account
//! gets a follow request (a remote one is accepted when its Accept arrives);
//! others are followed at once.

use aerie_core::store::blocks;
use aerie_core::{convert, outbound};
use aerie_sdk::db::{self, Autocommit};
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, forbidden};
use crate::{federate, load, relationships};
use aerie_core::actions::notify;
use aerie_core::store::follows;
use aerie_core::store::notifications;

pub fn follow(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let target = load::account_or_404(id)?;
    if target.id == viewer || target.suspended_at.is_some() || blocks::either_way(&Autocommit, viewer, target.id)? {
        return Err(forbidden());
    }
    let show_reblogs = ctx.params.bool("reblogs").unwrap_or(true);
    let notify_on_post = ctx.params.bool("notify").unwrap_or(false);
    // A remote account is followed when its Accept arrives: until then, a request
    // whose uri is the id of the Follow sent.
    let request_id = settings::next_id();
    let follow_uri = match (target.is_local(), load::account(viewer)?, federate::base()) {
        (false, Some(account), Some(base)) => Some(outbound::follow_id(&convert::actor_uri(&account, &base), request_id)),
        _ => None,
    };
    let tx = db::begin()?;
    let mut notice = None;
    let mut send_follow = None;
    let already_following = follows::exists(&tx, viewer, id)?;
    let needs_request = target.locked || !target.is_local();
    if already_following || !needs_request {
        if follows::create(&tx, viewer, id, show_reblogs, notify_on_post)? {
            notice = notifications::create(&tx, id, viewer, notifications::FOLLOW, None)?;
        }
    } else {
        let pending = follows::request(&tx, viewer, id)?.map(|r| (r.id, r.uri));
        let request = follows::Request {
            id: request_id,
            follower: viewer,
            target: id,
            show_reblogs,
            notify: notify_on_post,
            uri: follow_uri.clone(),
        };
        follows::insert_request(&tx, &request, settings::now_millis(), true)?;
        let added = pending.is_none();
        if !target.is_local() {
            // A new request sends its Follow; a pending one without a stored id (made
            // before federation) gets one now and is sent again.
            match pending {
                None => send_follow = follow_uri.clone(),
                Some((pending_id, None)) => {
                    if let Some(base) = federate::base().filter(|_| follow_uri.is_some()) {
                        let account = load::account_or_404(viewer)?;
                        let uri = outbound::follow_id(&convert::actor_uri(&account, &base), pending_id);
                        follows::set_request_uri(&tx, pending_id, &uri)?;
                        send_follow = Some(uri);
                    }
                }
                Some(_) => {}
            }
        }
        if added && target.locked && target.is_local() && !notifications::exists(&tx, id, viewer, notifications::FOLLOW_REQUEST)? {
            notice = notifications::create(&tx, id, viewer, notifications::FOLLOW_REQUEST, None)?;
        }
    }
    tx.commit()?;
    notify::publish(notice);
    if let Some(uri) = send_follow {
        federate::followed(viewer, &target, &uri);
    }
    relationships::one(viewer, id)
}

pub fn unfollow(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let target = load::account_or_404(id)?;
    let existing = federate::follow_uri(viewer, id);
    let tx = db::begin()?;
    follows::remove(&tx, viewer, id)?;
    tx.commit()?;
    federate::unfollowed(viewer, &target, existing);
    relationships::one(viewer, id)
}

/// `POST /api/v1/accounts/:id/remove_from_followers`: ends `id`'s follow of the viewer.
pub fn remove_from_followers(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let follower = load::account_or_404(id)?;
    // The follow (or pending request) ending here, rejected by its original id.
    let existing = federate::follow_uri(id, viewer);
    let tx = db::begin()?;
    follows::remove(&tx, id, viewer)?;
    tx.commit()?;
    if let Some((row_id, uri)) = existing {
        federate::answer_follow(viewer, &follower, row_id, uri.as_deref(), false);
    }
    relationships::one(viewer, id)
}
