//! `DELETE /api/v1/profile/avatar` and `DELETE /api/v1/profile/header` (Mastodon 4.2):
//! the viewer's picture removed (the account shows the default again), answered with
//! the CredentialAccount; followers' servers get an `Update` of the actor.

use aerie_sdk::http::Response;
use aerie_sdk::settings;

use crate::ctx::{Answer, Ctx};
use crate::load;
use crate::profile_images::{self, Slot};
use crate::routes::api::v1::accounts::credentials::credential_account;

/// `DELETE /api/v1/profile/:slot` (`write:accounts`); removing a picture that is not
/// there succeeds, as in Mastodon.
pub fn delete(ctx: &Ctx, slot: Slot) -> Answer {
    let viewer = ctx.viewer.user("write:accounts")?;
    let mut account = load::account_or_404(viewer)?;
    if profile_images::remove(&mut account, slot, settings::now_millis())? {
        crate::federate::profile_updated(viewer);
    }
    Ok(Response::to_json(200, &credential_account(ctx, &account)?))
}
