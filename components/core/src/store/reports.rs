//! `reports`: what users here and remote servers report to this instance's moderators.

use aerie_sdk::db::{Error, Handle, Value};

/// A report to store.
pub struct NewReport {
    pub id: i64,
    /// The reporter.
    pub account_id: i64,
    pub target_account_id: i64,
    /// The reported statuses' ids.
    pub status_ids: Vec<String>,
    pub comment: String,
    pub uri: Option<String>,
    pub forwarded: bool,
    pub created_at: i64,
}

/// Writes a local user's `report`.
pub fn insert(db: &impl Handle, report: &NewReport) -> Result<(), Error> {
    db.execute(
        "INSERT INTO reports (id, account_id, target_account_id, status_ids, comment, uri, forwarded, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            Value::Int64(report.id),
            Value::Int64(report.account_id),
            Value::Int64(report.target_account_id),
            Value::Text(serde_json::to_string(&report.status_ids).unwrap_or_else(|_| "[]".into())),
            Value::Text(report.comment.clone()),
            report.uri.clone().map(Value::Text).unwrap_or(Value::Null),
            Value::Int64(report.forwarded as i64),
            Value::Int64(report.created_at),
        ],
    )?;
    Ok(())
}

/// Writes a remote server's `report` (a `Flag`), once per activity URI.
pub fn insert_remote(db: &impl Handle, report: &NewReport) -> Result<(), Error> {
    db.execute(
        "INSERT INTO reports (id, account_id, target_account_id, status_ids, comment, uri, forwarded, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7) ON CONFLICT (uri) DO NOTHING",
        &[
            Value::Int64(report.id),
            Value::Int64(report.account_id),
            Value::Int64(report.target_account_id),
            Value::Text(serde_json::to_string(&report.status_ids).unwrap_or_else(|_| "[]".into())),
            Value::Text(report.comment.clone()),
            report.uri.clone().map(Value::Text).unwrap_or(Value::Null),
            Value::Int64(report.created_at),
        ],
    )?;
    Ok(())
}
