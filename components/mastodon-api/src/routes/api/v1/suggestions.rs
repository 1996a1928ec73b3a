//! `DELETE /api/v1/suggestions/:account_id`: the viewer does not want that account
//! suggested again (remembered in `suggestion_dismissals`); the list itself is
//! `GET /api/v2/suggestions` (`routes/api/v2/suggestions.rs`).

use aerie_core::store::suggestions;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

use crate::ctx::{Answer, Ctx};
use crate::load;

/// `DELETE /api/v1/suggestions/:account_id` (Mastodon asks for the `read` scope).
pub fn remove(ctx: &Ctx, account: i64) -> Answer {
    let viewer = ctx.viewer.user("read")?;
    load::account_or_404(account)?;
    suggestions::dismiss(&Autocommit, viewer, account, aerie_sdk::settings::now_millis())?;
    Ok(Response::json(200, &serde_json::json!({})))
}
