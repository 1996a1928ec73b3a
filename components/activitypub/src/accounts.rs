//! Local accounts by name, with what their actor document needs beyond the row.

use aerie_core::convert::ActorParts;
use aerie_core::rows::AccountRow;
use aerie_core::store;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;

/// A local account by username (case-insensitively), deleted ones included so the
/// actor can answer 410.
pub fn by_name(name: &str) -> Result<Option<AccountRow>, Response> {
    Ok(store::accounts::local_named(&Autocommit, name)?)
}

/// A local account that is neither deleted nor suspended, or 404: the owner of
/// collections and statuses.
pub fn active(name: &str) -> Result<AccountRow, Response> {
    by_name(name)?.filter(|a| a.deleted_at.is_none() && a.suspended_at.is_none()).ok_or_else(Response::not_found)
}

/// `alsoKnownAs` and `movedTo` of an account.
pub fn actor_parts<'a>(account: &AccountRow, base: &'a str) -> Result<ActorParts<'a>, Response> {
    let (also_known_as, moved_to) = store::accounts::actor_links(&Autocommit, account.id)?;
    Ok(ActorParts { base, also_known_as, moved_to })
}
