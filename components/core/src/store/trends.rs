//! What is trending, computed from the statuses the instance holds (local and
//! known remote ones): hashtags several accounts used lately and the statuses most
//! favourited and boosted lately. Only public statuses count, so a private or direct
//! post never makes anything trend.

use std::collections::HashMap;

use aerie_sdk::db::{Error, Handle, Value, placeholders};

/// The condition on `statuses s` joined to `accounts a` for a status to count: a
/// public original, not deleted, by an account neither suspended nor silenced.
const COUNTS: &str = "s.visibility = 'public' AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL \
     AND a.deleted_at IS NULL AND a.suspended_at IS NULL AND a.silenced_at IS NULL";

/// A trending hashtag: its id and name as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendingTag {
    pub id: i64,
    pub name: String,
}

/// Hashtags used since `since` by at least `min_accounts` accounts, the most accounts
/// first (then the most uses); a page of `limit` from `offset`.
pub fn tags(db: &impl Handle, since: i64, min_accounts: i64, limit: i64, offset: i64) -> Result<Vec<TrendingTag>, Error> {
    let rows = db.query(
        &format!(
            "SELECT t.id, t.display_name, COUNT(DISTINCT s.account_id) AS accounts, COUNT(*) AS uses \
             FROM status_tags st JOIN tags t ON t.id = st.tag_id JOIN statuses s ON s.id = st.status_id \
               JOIN accounts a ON a.id = s.account_id \
             WHERE s.created_at >= $1 AND t.usable = 1 AND t.trendable = 1 AND {COUNTS} \
             GROUP BY t.id, t.display_name HAVING COUNT(DISTINCT s.account_id) >= $2 \
             ORDER BY accounts DESC, uses DESC, t.id LIMIT {limit} OFFSET {offset}"
        ),
        &[Value::Int64(since), Value::Int64(min_accounts)],
    )?;
    Ok(rows
        .iter()
        .map(|r| TrendingTag { id: r.i64("id").unwrap_or_default(), name: r.string("display_name").unwrap_or_default() })
        .collect())
}

/// One day of a hashtag's history: statuses carrying it and accounts that posted them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Day {
    pub uses: i64,
    pub accounts: i64,
}

/// Per tag of `tag_ids`, its use on each of `days` days of `day_ms` from `first`
/// (index 0 is the day starting at `first`); days without use are absent.
pub fn history(db: &impl Handle, tag_ids: &[i64], first: i64, day_ms: i64) -> Result<HashMap<(i64, i64), Day>, Error> {
    if tag_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT st.tag_id, (s.created_at - $1) / $2 AS d, COUNT(*) AS uses, COUNT(DISTINCT s.account_id) AS accounts \
         FROM status_tags st JOIN statuses s ON s.id = st.status_id JOIN accounts a ON a.id = s.account_id \
         WHERE st.tag_id IN ({}) AND s.created_at >= $1 AND {COUNTS} \
         GROUP BY st.tag_id, 2",
        placeholders(3, tag_ids.len())
    );
    let mut params = vec![Value::Int64(first), Value::Int64(day_ms)];
    params.extend(tag_ids.iter().map(|id| Value::Int64(*id)));
    Ok(db
        .query(&sql, &params)?
        .iter()
        .filter_map(|r| {
            let day = Day { uses: r.i64("uses").unwrap_or_default(), accounts: r.i64("accounts").unwrap_or_default() };
            Some(((r.i64("tag_id")?, r.i64("d")?), day))
        })
        .collect())
}

/// Statuses posted since `since` that were favourited or boosted, the most
/// favourites and boosts together first; a page of `limit` ids from `offset`.
pub fn statuses(db: &impl Handle, since: i64, limit: i64, offset: i64) -> Result<Vec<i64>, Error> {
    let rows = db.query(
        &format!(
            "SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id \
             WHERE s.created_at >= $1 AND s.favourites_count + s.reblogs_count > 0 AND {COUNTS} \
             ORDER BY s.favourites_count + s.reblogs_count DESC, s.id DESC LIMIT {limit} OFFSET {offset}"
        ),
        &[Value::Int64(since)],
    )?;
    Ok(rows.iter().filter_map(|r| r.i64("id")).collect())
}
