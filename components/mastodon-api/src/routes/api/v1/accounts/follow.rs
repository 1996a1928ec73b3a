//! `POST /api/v1/accounts/:id/follow` and `unfollow`. A locked or remote account
//! gets a follow request (a remote one is accepted when its Accept arrives);
//! others are followed at once.

use aerie_core::actions::Origin;
use aerie_core::actions::follows::{self, Followed, Options};
use aerie_core::store::blocks;
use aerie_sdk::db::Autocommit;

use crate::ctx::{Answer, Ctx, forbidden};
use crate::{federate, load, relationships};

pub fn follow(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let target = load::account_or_404(id)?;
    if target.id == viewer || target.suspended_at.is_some() || blocks::either_way(&Autocommit, viewer, target.id)? {
        return Err(forbidden());
    }
    let options = Options { show_reblogs: ctx.params.bool("reblogs").unwrap_or(true), notify: ctx.params.bool("notify").unwrap_or(false) };
    if let Followed::Requested { send: Some(uri) } = follows::follow(viewer, &target, options, &Origin::Local)? {
        federate::followed(viewer, &target, &uri);
    }
    relationships::one(viewer, id)
}

pub fn unfollow(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let target = load::account_or_404(id)?;
    let existing = follows::unfollow(viewer, id, &Origin::Local)?;
    federate::unfollowed(viewer, &target, existing);
    relationships::one(viewer, id)
}

/// `POST /api/v1/accounts/:id/remove_from_followers`: ends `id`'s follow of the viewer.
pub fn remove_from_followers(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:follows")?;
    let follower = load::account_or_404(id)?;
    // The follow (or pending request) ending here, rejected by its original id.
    if let Some(Some((row_id, uri))) = follows::remove_followers(viewer, &[id])?.pop() {
        federate::answer_follow(viewer, &follower, row_id, uri.as_deref(), false);
    }
    relationships::one(viewer, id)
}
