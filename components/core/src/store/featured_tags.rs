//! `featured_tags`: hashtags a local account shows on its profile, with how many of
//! its statuses carry each and when it last used it (counted from `status_tags`).

use aerie_sdk::db::{Error, Handle, Row, Value};

/// One featured hashtag of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeaturedTag {
    pub id: i64,
    pub account_id: i64,
    pub tag_id: i64,
    pub name: String,
    pub display_name: String,
    /// The account's statuses carrying the tag (public and unlisted, not deleted).
    pub statuses_count: i64,
    /// When the newest of them was posted (milliseconds).
    pub last_status_at: Option<i64>,
}

/// Mastodon's limit of featured hashtags per account.
pub const MAX_PER_ACCOUNT: usize = 10;

/// The statuses counted: the account's own public or unlisted ones, not deleted.
const COUNTED: &str = "FROM status_tags cs JOIN statuses s ON s.id = cs.status_id WHERE cs.tag_id = f.tag_id AND s.account_id = f.account_id \
     AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL AND s.visibility IN ('public', 'unlisted')";

impl FeaturedTag {
    fn from_row(row: &Row) -> FeaturedTag {
        FeaturedTag {
            id: row.i64("id").unwrap_or_default(),
            account_id: row.i64("account_id").unwrap_or_default(),
            tag_id: row.i64("tag_id").unwrap_or_default(),
            name: row.string("name").unwrap_or_default(),
            display_name: row.string("display_name").unwrap_or_default(),
            statuses_count: row.i64("statuses_count").unwrap_or_default(),
            last_status_at: row.i64("last_status_at"),
        }
    }
}

fn select(condition: &str) -> String {
    format!(
        "SELECT f.id, f.account_id, f.tag_id, t.name, t.display_name, \
           (SELECT COUNT(*) {COUNTED}) AS statuses_count, (SELECT MAX(s.created_at) {COUNTED}) AS last_status_at \
         FROM featured_tags f JOIN tags t ON t.id = f.tag_id WHERE {condition} ORDER BY f.id"
    )
}

/// The hashtags `account` features, oldest first.
pub fn of_account(db: &impl Handle, account: i64) -> Result<Vec<FeaturedTag>, Error> {
    Ok(db.query(&select("f.account_id = $1"), &[Value::Int64(account)])?.iter().map(|r| FeaturedTag::from_row(&r)).collect())
}

/// Featured hashtag `id` of `account`, if it is one.
pub fn by_id(db: &impl Handle, account: i64, id: i64) -> Result<Option<FeaturedTag>, Error> {
    let rows = db.query(&select("f.account_id = $1 AND f.id = $2"), &[Value::Int64(account), Value::Int64(id)])?;
    Ok(rows.first().map(|r| FeaturedTag::from_row(&r)))
}

/// Features `tag` for `account` (row `id` at `now`); false when it already was.
pub fn insert(db: &impl Handle, id: i64, account: i64, tag: i64, now: i64) -> Result<bool, Error> {
    let added = db.execute(
        "INSERT INTO featured_tags (id, account_id, tag_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, tag_id) DO NOTHING",
        &[Value::Int64(id), Value::Int64(account), Value::Int64(tag), Value::Int64(now)],
    )?;
    Ok(added > 0)
}

/// Stops featuring row `id` of `account`; returns whether there was one.
pub fn delete(db: &impl Handle, account: i64, id: i64) -> Result<bool, Error> {
    Ok(db.execute("DELETE FROM featured_tags WHERE account_id = $1 AND id = $2", &[Value::Int64(account), Value::Int64(id)])? > 0)
}
