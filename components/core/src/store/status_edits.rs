//! `status_edits`: the versions of an edited status (the first edit also keeps the
//! original, so the history shows it).

use aerie_sdk::db::{Error, Handle, Value};

use crate::rows::StatusRow;

/// Whether status `status` has stored versions.
pub fn any(db: &impl Handle, status: i64) -> Result<bool, Error> {
    let versions = db.query("SELECT COUNT(*) AS n FROM status_edits WHERE status_id = $1", &[Value::Int64(status)])?;
    Ok(versions.first().and_then(|r| r.i64("n")).unwrap_or(0) != 0)
}

/// Stores the version of `status` as it is in `status`, with its attachments'
/// ids (`media_ids`, JSON) and its poll's option titles (`poll_options`, JSON),
/// dated `at`.
pub fn insert(db: &impl Handle, status: &StatusRow, media_ids: &str, poll_options: Option<String>, at: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO status_edits (id, status_id, account_id, text, content_html, spoiler_text, sensitive, media_ids, poll_options, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            Value::Int64(aerie_sdk::settings::next_id()),
            Value::Int64(status.id),
            Value::Int64(status.account_id),
            Value::Text(status.text.clone()),
            Value::Text(status.content_html.clone()),
            Value::Text(status.spoiler_text.clone()),
            Value::Int64(status.sensitive as i64),
            Value::Text(media_ids.to_string()),
            poll_options.map(Value::Text).unwrap_or(Value::Null),
            Value::Int64(at),
        ],
    )?;
    Ok(())
}

/// One stored version, as the history shows it.
pub struct EditRow {
    pub content_html: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    /// JSON list of attachment ids.
    pub media_ids: String,
    /// JSON list of option titles.
    pub poll_options: Option<String>,
    pub created_at: i64,
}

/// The versions of status `status`, oldest first.
pub fn of_status(db: &impl Handle, status: i64) -> Result<Vec<EditRow>, Error> {
    Ok(db
        .query(
            "SELECT content_html, spoiler_text, sensitive, media_ids, poll_options, created_at FROM status_edits WHERE status_id = $1 \
         ORDER BY created_at, id",
            &[Value::Int64(status)],
        )?
        .iter()
        .map(|r| EditRow {
            content_html: r.string("content_html").unwrap_or_default(),
            spoiler_text: r.string("spoiler_text").unwrap_or_default(),
            sensitive: r.bool("sensitive"),
            media_ids: r.string("media_ids").unwrap_or_else(|| "[]".into()),
            poll_options: r.string("poll_options"),
            created_at: r.i64("created_at").unwrap_or_default(),
        })
        .collect())
}
