//! `GET /api/v1/accounts/:id/identity_proofs`: Mastodon removed identity proofs and
//! answers `[]` for an account that exists (404 otherwise); so does aerie.

use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::load;

pub fn list(ctx: &Ctx, id: i64) -> Answer {
    ctx.viewer.user("read:accounts")?;
    load::account_or_404(id)?;
    Ok(Response::json(200, &serde_json::json!([])))
}
