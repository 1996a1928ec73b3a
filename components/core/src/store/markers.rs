//! `markers`: where an account stopped reading a timeline (`home`, `notifications`).

use aerie_sdk::db::{Error, Handle, Value, placeholders};

/// One saved position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub timeline: String,
    pub last_read_id: i64,
    pub version: i64,
    pub updated_at: i64,
}

/// `account`'s markers of `timelines` (those it saved).
pub fn get(db: &impl Handle, account: i64, timelines: &[&str]) -> Result<Vec<Marker>, Error> {
    if timelines.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT timeline, last_read_id, version, updated_at FROM markers WHERE account_id = $1 AND timeline IN ({})",
        placeholders(2, timelines.len())
    );
    let mut params = vec![Value::Int64(account)];
    params.extend(timelines.iter().map(|t| Value::Text(t.to_string())));
    Ok(db
        .query(&sql, &params)?
        .iter()
        .map(|row| Marker {
            timeline: row.string("timeline").unwrap_or_default(),
            last_read_id: row.i64("last_read_id").unwrap_or_default(),
            version: row.i64("version").unwrap_or_default(),
            updated_at: row.i64("updated_at").unwrap_or_default(),
        })
        .collect())
}

/// Saves `account`'s position in `timeline` at `now`, raising the marker's version.
pub fn save(db: &impl Handle, account: i64, timeline: &str, last_read_id: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at) VALUES ($1, $2, $3, 0, $4) \
         ON CONFLICT (account_id, timeline) DO UPDATE SET last_read_id = excluded.last_read_id, version = markers.version + 1, \
           updated_at = excluded.updated_at",
        &[Value::Int64(account), Value::Text(timeline.into()), Value::Int64(last_read_id), Value::Int64(now)],
    )?;
    Ok(())
}
