//! `conversations`: the thread a status belongs to, new or known by its URI.

use aerie_sdk::db::{Error, Handle, Value};

/// Writes conversation `id` without a URI (a thread started here).
pub fn create(db: &impl Handle, id: i64, now: i64) -> Result<i64, Error> {
    db.execute("INSERT INTO conversations (id, uri, created_at) VALUES ($1, NULL, $2)", &[Value::Int64(id), Value::Int64(now)])?;
    Ok(id)
}

/// The conversation with URI `uri` (a remote server's `conversation`), created when
/// unknown (as `id`); returns its id.
pub fn by_uri(db: &impl Handle, uri: &str, id: i64, now: i64) -> Result<i64, Error> {
    db.execute(
        "INSERT INTO conversations (id, uri, created_at) VALUES ($1, $2, $3) ON CONFLICT (uri) DO NOTHING",
        &[Value::Int64(id), Value::Text(uri.into()), Value::Int64(now)],
    )?;
    Ok(db.query("SELECT id FROM conversations WHERE uri = $1", &[Value::Text(uri.into())])?.first().and_then(|r| r.i64("id")).unwrap_or(id))
}
