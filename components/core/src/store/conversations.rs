//! `conversations`: the thread a status belongs to, new or known by its URI.

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};

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

/// Conversations `conversation_ids` as `(id, uri, created_at)`; the URI is `None`
/// for a thread started here.
pub fn by_ids(db: &impl Handle, conversation_ids: &[i64]) -> Result<Vec<(i64, Option<String>, i64)>, Error> {
    if conversation_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT id, uri, created_at FROM conversations WHERE id IN ({})", placeholders(1, conversation_ids.len()));
    Ok(db
        .query(&sql, &ids(conversation_ids))?
        .iter()
        .map(|r| (r.i64("id").unwrap_or_default(), r.string("uri"), r.i64("created_at").unwrap_or_default()))
        .collect())
}

/// Conversation `id`'s stored URI and creation time, when it exists.
pub fn by_id(db: &impl Handle, id: i64) -> Result<Option<(Option<String>, i64)>, Error> {
    Ok(db
        .query("SELECT uri, created_at FROM conversations WHERE id = $1", &[Value::Int64(id)])?
        .first()
        .map(|r| (r.string("uri"), r.i64("created_at").unwrap_or_default())))
}
