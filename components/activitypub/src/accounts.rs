//! Local accounts by name, with what their actor document needs beyond the row.

use aerie_core::convert::ActorParts;
use aerie_core::rows::{ACCOUNT_COLUMNS, AccountRow};
use aerie_sdk::db::{self, Value};
use aerie_sdk::http::Response;

/// A local account by username (case-insensitively), deleted ones included so the
/// actor can answer 410.
pub fn by_name(name: &str) -> Result<Option<AccountRow>, Response> {
    let rows = db::query(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE lower(a.username) = lower($1) AND a.domain IS NULL"),
        &[Value::Text(name.to_string())],
    )?;
    Ok(rows.first().map(|row| AccountRow::from_row(&row)))
}

/// A local account that is neither deleted nor suspended, or 404: the owner of
/// collections and statuses.
pub fn active(name: &str) -> Result<AccountRow, Response> {
    by_name(name)?.filter(|a| a.deleted_at.is_none() && a.suspended_at.is_none()).ok_or_else(Response::not_found)
}

/// `alsoKnownAs` and `movedTo` of an account.
pub fn actor_parts<'a>(account: &AccountRow, base: &'a str) -> Result<ActorParts<'a>, Response> {
    let rows = db::query(
        "SELECT a.also_known_as, m.uri AS moved_to FROM accounts a LEFT JOIN accounts m ON m.id = a.moved_to_account_id WHERE a.id = $1",
        &[Value::Int64(account.id)],
    )?;
    let row = rows.first();
    let also_known_as = row.as_ref().and_then(|r| r.text("also_known_as").and_then(|t| serde_json::from_str(t).ok())).unwrap_or_default();
    Ok(ActorParts { base, also_known_as, moved_to: row.and_then(|r| r.string("moved_to")) })
}
