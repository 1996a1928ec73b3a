//! A status's hashtags, written the same way for local posts and remote ones.

use aerie_sdk::db::{Error, Transaction, Value};
use aerie_sdk::settings;

/// Makes `tags` (as written) the status's tags, creating unknown ones.
pub fn set(tx: &Transaction, status_id: i64, tags: &[String], now: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM status_tags WHERE status_id = $1", &[Value::Int64(status_id)])?;
    for tag in tags {
        let name = tag.to_lowercase();
        tx.execute(
            "INSERT INTO tags (id, name, display_name, usable, trendable, created_at) VALUES ($1, $2, $3, 1, 1, $4) ON CONFLICT (name) DO NOTHING",
            &[Value::Int64(settings::next_id()), Value::Text(name.clone()), Value::Text(tag.clone()), Value::Int64(now)],
        )?;
        tx.execute(
            "INSERT INTO status_tags (status_id, tag_id) SELECT $1, t.id FROM tags t WHERE t.name = $2 ON CONFLICT (status_id, tag_id) DO NOTHING",
            &[Value::Int64(status_id), Value::Text(name)],
        )?;
    }
    Ok(())
}
