//! `announcements`, `announcement_reads` and `announcement_reactions`: what the
//! operator announces to local users (written by `aerie admin announcement`), which
//! of them each user has read (dismissed) and the emoji reactions users add.

use std::collections::HashSet;

use aerie_sdk::db::{Error, Handle, Row, Value, ids, placeholders};

/// One announcement as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub id: i64,
    /// As the operator wrote it.
    pub text: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub all_day: bool,
    pub published_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, text, starts_at, ends_at, all_day, published_at, updated_at";

/// Announcements shown at `now`: those not yet ended.
const SHOWN: &str = "(ends_at IS NULL OR ends_at > $1)";

impl Announcement {
    fn from_row(row: &Row) -> Announcement {
        Announcement {
            id: row.i64("id").unwrap_or_default(),
            text: row.string("text").unwrap_or_default(),
            starts_at: row.i64("starts_at"),
            ends_at: row.i64("ends_at"),
            all_day: row.i64("all_day").unwrap_or_default() != 0,
            published_at: row.i64("published_at").unwrap_or_default(),
            updated_at: row.i64("updated_at").unwrap_or_default(),
        }
    }
}

/// The announcements shown at `now`, oldest first (Mastodon's chronological order).
pub fn shown(db: &impl Handle, now: i64) -> Result<Vec<Announcement>, Error> {
    let rows = db.query(&format!("SELECT {COLUMNS} FROM announcements WHERE {SHOWN} ORDER BY published_at, id"), &[Value::Int64(now)])?;
    Ok(rows.iter().map(|r| Announcement::from_row(&r)).collect())
}

/// Announcement `id` when it is shown at `now`.
pub fn shown_by_id(db: &impl Handle, id: i64, now: i64) -> Result<Option<Announcement>, Error> {
    let rows =
        db.query(&format!("SELECT {COLUMNS} FROM announcements WHERE {SHOWN} AND id = $2"), &[Value::Int64(now), Value::Int64(id)])?;
    Ok(rows.first().map(|r| Announcement::from_row(&r)))
}

/// Which of `announcements` `account` has read.
pub fn read_among(db: &impl Handle, account: i64, announcements: &[i64]) -> Result<HashSet<i64>, Error> {
    if announcements.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = format!(
        "SELECT announcement_id FROM announcement_reads WHERE account_id = $1 AND announcement_id IN ({})",
        placeholders(2, announcements.len())
    );
    let mut params = vec![Value::Int64(account)];
    params.extend(ids(announcements));
    Ok(db.query(&sql, &params)?.iter().filter_map(|r| r.i64("announcement_id")).collect())
}

/// Marks announcement `id` read by `account` (again is a no-op).
pub fn mark_read(db: &impl Handle, id: i64, account: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO announcement_reads (announcement_id, account_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (announcement_id, account_id) DO NOTHING",
        &[Value::Int64(id), Value::Int64(account), Value::Int64(now)],
    )?;
    Ok(())
}

/// One reaction of an announcement: the emoji, how many reacted with it, and whether
/// the viewer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    pub announcement_id: i64,
    pub name: String,
    pub count: i64,
    pub me: bool,
}

/// The reactions of `announcements`, in the order they were first added, with
/// whether `viewer` reacted.
pub fn reactions(db: &impl Handle, viewer: i64, announcements: &[i64]) -> Result<Vec<Reaction>, Error> {
    if announcements.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT announcement_id, name, COUNT(*) AS n, MIN(created_at) AS first, \
           SUM(CASE WHEN account_id = $1 THEN 1 ELSE 0 END) AS mine \
         FROM announcement_reactions WHERE announcement_id IN ({}) \
         GROUP BY announcement_id, name ORDER BY announcement_id, first, name",
        placeholders(2, announcements.len())
    );
    let mut params = vec![Value::Int64(viewer)];
    params.extend(ids(announcements));
    Ok(db
        .query(&sql, &params)?
        .iter()
        .map(|r| Reaction {
            announcement_id: r.i64("announcement_id").unwrap_or_default(),
            name: r.string("name").unwrap_or_default(),
            count: r.i64("n").unwrap_or_default(),
            me: r.i64("mine").unwrap_or_default() > 0,
        })
        .collect())
}

/// The distinct emoji `account` has reacted with on announcement `id`.
pub fn names_of(db: &impl Handle, id: i64, account: i64) -> Result<Vec<String>, Error> {
    let rows = db.query(
        "SELECT name FROM announcement_reactions WHERE announcement_id = $1 AND account_id = $2",
        &[Value::Int64(id), Value::Int64(account)],
    )?;
    Ok(rows.iter().filter_map(|r| r.string("name")).collect())
}

/// Adds `account`'s reaction `name` to announcement `id` (again is a no-op).
pub fn add_reaction(db: &impl Handle, id: i64, account: i64, name: &str, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO announcement_reactions (announcement_id, account_id, name, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (announcement_id, account_id, name) DO NOTHING",
        &[Value::Int64(id), Value::Int64(account), Value::Text(name.to_string()), Value::Int64(now)],
    )?;
    Ok(())
}

/// Removes `account`'s reaction `name` from announcement `id`; whether there was one.
pub fn remove_reaction(db: &impl Handle, id: i64, account: i64, name: &str) -> Result<bool, Error> {
    let removed = db.execute(
        "DELETE FROM announcement_reactions WHERE announcement_id = $1 AND account_id = $2 AND name = $3",
        &[Value::Int64(id), Value::Int64(account), Value::Text(name.to_string())],
    )?;
    Ok(removed > 0)
}
