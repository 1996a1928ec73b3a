//! `POST /api/v1/accounts/:id/block` and `unblock`. A block ends follows and follow
//! requests both ways.

use aerie_core::actions::blocks;
use aerie_core::store;
use aerie_core::store::blocks::Block;
use aerie_sdk::db::Autocommit;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, forbidden};
use crate::{federate, load, relationships};

pub fn block(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:blocks")?;
    let target = load::account_or_404(id)?;
    if id == viewer {
        return Err(forbidden());
    }
    let block_row = settings::next_id();
    // The Block's id, kept so the Undo repeats it exactly (remote targets only).
    let block_uri = match (target.is_local(), load::account(viewer)?, federate::base()) {
        (false, Some(account), Some(base)) => Some(federate::block_id(&account, &base, block_row)),
        _ => None,
    };
    // The viewer's own follow of the target ends with the block: it is undone first,
    // as Mastodon does (the target's follow of the viewer ends on their side with the Block).
    let following = federate::follow_uri(viewer, id);
    let block = Block { id: block_row, account: viewer, target: id, uri: block_uri.clone() };
    let added = blocks::block(&block)?;
    if let (true, Some(uri)) = (added, block_uri) {
        federate::unfollowed(viewer, &target, following);
        federate::blocked(viewer, &target, &uri, false);
    }
    relationships::one(viewer, id)
}

pub fn unblock(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:blocks")?;
    let target = load::account_or_404(id)?;
    let removed = store::blocks::delete(&Autocommit, viewer, id)?;
    if let Some(row) = removed.filter(|_| !target.is_local()) {
        let uri = match (row.uri, load::account(viewer)?, federate::base()) {
            (Some(uri), _, _) => Some(uri),
            (None, Some(account), Some(base)) => Some(federate::block_id(&account, &base, row.id)),
            _ => None,
        };
        if let Some(uri) = uri {
            federate::blocked(viewer, &target, &uri, true);
        }
    }
    relationships::one(viewer, id)
}
