//! What the instance says about itself to clients: the settings the host keeps in
//! `instance_settings`, its rules, and live counts of users, statuses and peers.

use aerie_sdk::db::{Error, Handle, Value};

/// Every `instance_settings` row, as (key, value).
pub fn settings(db: &impl Handle) -> Result<Vec<(String, String)>, Error> {
    let rows = db.query("SELECT key, value FROM instance_settings", &[])?;
    Ok(rows.iter().filter_map(|row| Some((row.string("key")?, row.string("value")?))).collect())
}

/// The stored `rules` setting (a JSON list), if any.
pub fn rules(db: &impl Handle) -> Result<Option<String>, Error> {
    let rows = db.query("SELECT value FROM instance_settings WHERE key = 'rules'", &[])?;
    Ok(rows.first().and_then(|r| r.string("value")))
}

/// The live counts an instance entity shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Local accounts.
    pub users: i64,
    /// Local statuses.
    pub statuses: i64,
    /// Known remote domains.
    pub domains: i64,
    /// Users active since the given time.
    pub active: i64,
}

fn count(db: &impl Handle, sql: &str, params: &[Value]) -> Result<i64, Error> {
    let rows = db.query(sql, params)?;
    Ok(rows.first().and_then(|row| row.i64("n")).unwrap_or(0))
}

/// The [`Counts`], with users active since `active_since` (milliseconds).
pub fn counts(db: &impl Handle, active_since: i64) -> Result<Counts, Error> {
    Ok(Counts {
        users: count(db, "SELECT COUNT(*) AS n FROM accounts WHERE domain IS NULL", &[])?,
        statuses: count(db, "SELECT COUNT(*) AS n FROM statuses WHERE local = 1", &[])?,
        domains: count(db, "SELECT COUNT(*) AS n FROM instances", &[])?,
        active: count(db, "SELECT COUNT(*) AS n FROM users WHERE last_active_at >= $1", &[Value::Int64(active_since)])?,
    })
}
