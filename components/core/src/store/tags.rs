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

/// One hashtag: its id, lower-cased name and the spelling first seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRow {
    pub id: i64,
    pub name: String,
    pub display_name: String,
}

impl TagRow {
    fn from_row(row: &aerie_sdk::db::Row) -> TagRow {
        TagRow {
            id: row.i64("id").unwrap_or_default(),
            name: row.string("name").unwrap_or_default(),
            display_name: row.string("display_name").or(row.string("name")).unwrap_or_default(),
        }
    }
}

/// Whether `name` (without `#`) is a whole hashtag as statuses write them: word
/// characters with at least one letter, as [`crate::text::extract`] finds them.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && crate::text::extract(&format!("#{name}")).tags == [name.to_string()]
}

/// The hashtag named `name` (any case), if the instance knows it.
pub fn by_name(db: &impl Handle, name: &str) -> Result<Option<TagRow>, Error> {
    let rows = db.query("SELECT t.id, t.name, t.display_name FROM tags t WHERE t.name = $1", &[Value::Text(name.to_lowercase())])?;
    Ok(rows.first().map(|r| TagRow::from_row(&r)))
}

/// The hashtag `name` (as written), created at `now` when unknown.
pub fn find_or_create(db: &impl Handle, name: &str, now: i64) -> Result<TagRow, Error> {
    db.execute(
        "INSERT INTO tags (id, name, display_name, usable, trendable, created_at) VALUES ($1, $2, $3, 1, 1, $4) ON CONFLICT (name) DO NOTHING",
        &[Value::Int64(settings::next_id()), Value::Text(name.to_lowercase()), Value::Text(name.to_string()), Value::Int64(now)],
    )?;
    by_name(db, name)?.ok_or_else(|| Error::ConstraintViolation(format!("hashtag {name} was not stored")))
}

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// How hashtag `tag` was used per day (UTC, as the day number since the epoch) from
/// day `first_day` on: `(day, statuses, distinct accounts)`, days without use left
/// out. Only public and unlisted statuses that are not deleted count, as Mastodon's
/// history counts only what it would show.
pub fn uses_per_day(db: &impl Handle, tag: i64, first_day: i64) -> Result<Vec<(i64, i64, i64)>, Error> {
    let rows = db.query(
        "SELECT s.created_at / 86400000 AS day, COUNT(*) AS uses, COUNT(DISTINCT s.account_id) AS accounts \
         FROM status_tags st JOIN statuses s ON s.id = st.status_id \
         WHERE st.tag_id = $1 AND s.created_at >= $2 AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL \
           AND s.visibility IN ('public', 'unlisted') \
         GROUP BY s.created_at / 86400000",
        &[Value::Int64(tag), Value::Int64(first_day * DAY_MS)],
    )?;
    Ok(rows
        .iter()
        .map(|r| (r.i64("day").unwrap_or_default(), r.i64("uses").unwrap_or_default(), r.i64("accounts").unwrap_or_default()))
        .collect())
}

/// The hashtags `account` used most in its statuses (not deleted, not reblogs), most
/// used first, at most `limit`, leaving out those it already features.
pub fn most_used_by(db: &impl Handle, account: i64, limit: i64) -> Result<Vec<TagRow>, Error> {
    let sql = format!(
        "SELECT t.id, t.name, t.display_name, COUNT(*) AS uses FROM statuses s JOIN status_tags st ON st.status_id = s.id \
         JOIN tags t ON t.id = st.tag_id \
         WHERE s.account_id = $1 AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL \
           AND NOT EXISTS (SELECT 1 FROM featured_tags f WHERE f.account_id = $1 AND f.tag_id = t.id) \
         GROUP BY t.id, t.name, t.display_name ORDER BY COUNT(*) DESC, t.name LIMIT {limit}"
    );
    Ok(db.query(&sql, &[Value::Int64(account)])?.iter().map(|r| TagRow::from_row(&r)).collect())
}
