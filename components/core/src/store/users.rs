//! `users`: the login side of local accounts (their settings, role, activity).

use aerie_sdk::db::{Error, Handle, Value};

/// Local `account`'s settings (`users.settings`, a JSON object as text), if any.
pub fn settings(db: &impl Handle, account: i64) -> Result<Option<String>, Error> {
    let rows = db.query("SELECT settings FROM users WHERE account_id = $1", &[Value::Int64(account)])?;
    Ok(rows.first().and_then(|r| r.string("settings")))
}
