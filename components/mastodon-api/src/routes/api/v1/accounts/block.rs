//! `POST /api/v1/accounts/:id/block` and `unblock`. A block ends follows and follow
//! requests both ways.

use aerie_sdk::db::{self, Value};
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx, forbidden};
use crate::{federate, load, relationships};
use aerie_core::store::follows;

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
    let tx = db::begin()?;
    let added = tx.execute(
        "INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) VALUES ($1, $2, $3, $5, $4) \
         ON CONFLICT (account_id, target_account_id) DO NOTHING",
        &[
            Value::Int64(block_row),
            Value::Int64(viewer),
            Value::Int64(id),
            Value::Int64(settings::now_millis()),
            block_uri.clone().map(Value::Text).unwrap_or(Value::Null),
        ],
    )?;
    follows::remove(&tx, viewer, id)?;
    follows::remove(&tx, id, viewer)?;
    tx.commit()?;
    if let (true, Some(uri)) = (added > 0, block_uri) {
        federate::unfollowed(viewer, &target, following);
        federate::blocked(viewer, &target, &uri, false);
    }
    relationships::one(viewer, id)
}

pub fn unblock(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:blocks")?;
    let target = load::account_or_404(id)?;
    let removed = db::query(
        "DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2 RETURNING id, uri",
        &[Value::Int64(viewer), Value::Int64(id)],
    )?;
    if let Some(row) = removed.first().filter(|_| !target.is_local()) {
        let uri = match (row.string("uri"), load::account(viewer)?, federate::base()) {
            (Some(uri), _, _) => Some(uri),
            (None, Some(account), Some(base)) => Some(federate::block_id(&account, &base, row.i64("id").unwrap_or_default())),
            _ => None,
        };
        if let Some(uri) = uri {
            federate::blocked(viewer, &target, &uri, true);
        }
    }
    relationships::one(viewer, id)
}
