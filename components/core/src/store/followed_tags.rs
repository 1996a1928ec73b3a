//! `tag_follows`: the hashtags a local account follows. Public statuses carrying
//! them join its home timeline at read time (see `contract::home_tags`).

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};

use crate::contract::paging::Page;
use crate::store::tags::TagRow;

/// Whether `account` follows any hashtag (only then does its home timeline read
/// through them).
pub fn follows_any(db: &impl Handle, account: i64) -> Result<bool, Error> {
    Ok(!db.query("SELECT 1 AS x FROM tag_follows WHERE account_id = $1 LIMIT 1", &[Value::Int64(account)])?.is_empty())
}

/// `account` follows `tag` from `now` (row `id`), unless it already does.
pub fn follow(db: &impl Handle, id: i64, account: i64, tag: i64, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO tag_follows (id, account_id, tag_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, tag_id) DO NOTHING",
        &[Value::Int64(id), Value::Int64(account), Value::Int64(tag), Value::Int64(now)],
    )?;
    Ok(())
}

/// `account` stops following `tag`, if it did.
pub fn unfollow(db: &impl Handle, account: i64, tag: i64) -> Result<(), Error> {
    db.execute("DELETE FROM tag_follows WHERE account_id = $1 AND tag_id = $2", &[Value::Int64(account), Value::Int64(tag)])?;
    Ok(())
}

/// Which of `tags` `account` follows.
pub fn followed_among(db: &impl Handle, account: i64, tags: &[i64]) -> Result<Vec<i64>, Error> {
    if tags.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT tag_id FROM tag_follows WHERE account_id = $1 AND tag_id IN ({})", placeholders(2, tags.len()));
    let mut params = vec![Value::Int64(account)];
    params.extend(ids(tags));
    Ok(db.query(&sql, &params)?.iter().filter_map(|r| r.i64("tag_id")).collect())
}

/// The hashtags `account` follows, as `(follow id, tag)`, within `page` (newest
/// follow first, paged by the follow's id as Mastodon pages them).
pub fn page(db: &impl Handle, account: i64, page: &Page) -> Result<Vec<(i64, TagRow)>, Error> {
    let (bounds, order, values) = page.sql("f.id", 2);
    let sql = format!(
        "SELECT f.id AS page_id, t.id, t.name, t.display_name FROM tag_follows f JOIN tags t ON t.id = f.tag_id \
         WHERE f.account_id = $1 AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(account)];
    params.extend(values.into_iter().map(Value::Int64));
    let rows = db.query(&sql, &params)?;
    Ok(page.finish(
        rows.iter()
            .map(|r| {
                let tag = TagRow {
                    id: r.i64("id").unwrap_or_default(),
                    name: r.string("name").unwrap_or_default(),
                    display_name: r.string("display_name").unwrap_or_default(),
                };
                (r.i64("page_id").unwrap_or_default(), tag)
            })
            .collect(),
    ))
}
