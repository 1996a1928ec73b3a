//! `POST /api/v1/accounts/:id/block` and `unblock`. A block ends follows and follow
//! requests both ways.

use aerie_guest::db::{self, Value};
use aerie_guest::settings;

use crate::ctx::{Answer, Ctx, forbidden};
use crate::{follows, load, relationships};

pub fn block(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:blocks")?;
    load::account_or_404(id)?;
    if id == viewer {
        return Err(forbidden());
    }
    let tx = db::begin()?;
    tx.execute(
        "INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) VALUES ($1, $2, $3, NULL, $4) \
         ON CONFLICT (account_id, target_account_id) DO NOTHING",
        &[Value::Int64(settings::next_id()), Value::Int64(viewer), Value::Int64(id), Value::Int64(settings::now_millis())],
    )?;
    follows::remove(&tx, viewer, id)?;
    follows::remove(&tx, id, viewer)?;
    tx.commit()?;
    relationships::one(viewer, id)
}

pub fn unblock(ctx: &Ctx, id: i64) -> Answer {
    let viewer = ctx.viewer.user("write:blocks")?;
    load::account_or_404(id)?;
    db::execute("DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2", &[Value::Int64(viewer), Value::Int64(id)])?;
    relationships::one(viewer, id)
}
