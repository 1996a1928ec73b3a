//! `tags` and `status_tags`: hashtags, and which statuses carry them.

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};
use aerie_sdk::settings;

/// Makes `tags` (as written) the status's tags, creating unknown ones.
pub fn set(db: &impl Handle, status_id: i64, tags: &[String], now: i64) -> Result<(), Error> {
    db.execute("DELETE FROM status_tags WHERE status_id = $1", &[Value::Int64(status_id)])?;
    for tag in tags {
        let name = tag.to_lowercase();
        db.execute(
            "INSERT INTO tags (id, name, display_name, usable, trendable, created_at) VALUES ($1, $2, $3, 1, 1, $4) ON CONFLICT (name) DO NOTHING",
            &[Value::Int64(settings::next_id()), Value::Text(name.clone()), Value::Text(tag.clone()), Value::Int64(now)],
        )?;
        db.execute(
            "INSERT INTO status_tags (status_id, tag_id) SELECT $1, t.id FROM tags t WHERE t.name = $2 ON CONFLICT (status_id, tag_id) DO NOTHING",
            &[Value::Int64(status_id), Value::Text(name)],
        )?;
    }
    Ok(())
}

/// The hashtags of statuses `status_ids` as written (display names), as `(status id,
/// tag)`, by name.
pub fn names_of(db: &impl Handle, status_ids: &[i64]) -> Result<Vec<(i64, String)>, Error> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT st.status_id, t.display_name FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id IN ({}) ORDER BY t.name",
        placeholders(1, status_ids.len())
    );
    Ok(db
        .query(&sql, &ids(status_ids))?
        .iter()
        .map(|r| (r.i64("status_id").unwrap_or_default(), r.string("display_name").unwrap_or_default()))
        .collect())
}

/// The display names of status `status`'s hashtags, by name.
pub fn display_names_of(db: &impl Handle, status: i64) -> Result<Vec<String>, Error> {
    Ok(db
        .query(
            "SELECT t.display_name FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = $1 ORDER BY t.name",
            &[Value::Int64(status)],
        )?
        .iter()
        .filter_map(|r| r.string("display_name"))
        .collect())
}

/// Usable hashtags whose name starts with `name` (lower-cased, as a `LIKE` prefix
/// `pattern`), the exact one first, then the most used, as written (their display
/// name, else their name).
pub fn search(db: &impl Handle, pattern: &str, name: &str, limit: i64, offset: i64) -> Result<Vec<String>, Error> {
    let sql = format!(
        "SELECT t.display_name, t.name FROM tags t WHERE t.name LIKE $1 ESCAPE '\\' AND t.usable = 1 \
         ORDER BY CASE WHEN t.name = $2 THEN 0 ELSE 1 END, \
           (SELECT COUNT(*) FROM status_tags st WHERE st.tag_id = t.id) DESC, t.name LIMIT {limit} OFFSET {offset}"
    );
    let rows = db.query(&sql, &[Value::Text(pattern.to_string()), Value::Text(name.to_lowercase())])?;
    Ok(rows.iter().map(|r| r.text("display_name").or(r.text("name")).unwrap_or_default().to_string()).collect())
}
