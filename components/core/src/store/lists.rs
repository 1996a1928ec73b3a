//! `lists` and `list_accounts`: a local account's lists (title, replies policy,
//! exclusive) and their members, the accounts the owner follows that it put there.
//! What a list's timeline shows is a condition on statuses kept here, next to the
//! tables it reads.

use aerie_sdk::db::{Error, Handle, Row, Value, placeholders};

use crate::contract::home::NOT_MUTED;
use crate::contract::paging::Page;
use crate::rows::{ACCOUNT_COLUMNS, AccountRow};

/// Mastodon's `replies_policy` values: replies to any account the owner follows,
/// replies to members of the list, or no replies to others.
pub const REPLIES_POLICIES: [&str; 3] = ["followed", "list", "none"];

/// Mastodon's default replies policy.
pub const DEFAULT_REPLIES_POLICY: &str = "list";

/// One list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "l.id, l.account_id, l.title, l.replies_policy, l.exclusive, l.created_at";

impl List {
    fn from_row(row: &Row) -> List {
        List {
            id: row.i64("id").unwrap_or_default(),
            account_id: row.i64("account_id").unwrap_or_default(),
            title: row.string("title").unwrap_or_default(),
            replies_policy: row.string("replies_policy").unwrap_or_else(|| DEFAULT_REPLIES_POLICY.to_string()),
            exclusive: row.i64("exclusive").unwrap_or_default() != 0,
            created_at: row.i64("created_at").unwrap_or_default(),
        }
    }
}

/// Adds `list`.
pub fn insert(db: &impl Handle, list: &List) -> Result<(), Error> {
    db.execute(
        "INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Value::Int64(list.id),
            Value::Int64(list.account_id),
            Value::Text(list.title.clone()),
            Value::Text(list.replies_policy.clone()),
            Value::Int64(list.exclusive as i64),
            Value::Int64(list.created_at),
        ],
    )?;
    Ok(())
}

/// Saves the title, replies policy and exclusive flag of `list` (by id and owner).
pub fn update(db: &impl Handle, list: &List) -> Result<(), Error> {
    db.execute(
        "UPDATE lists SET title = $3, replies_policy = $4, exclusive = $5 WHERE id = $1 AND account_id = $2",
        &[
            Value::Int64(list.id),
            Value::Int64(list.account_id),
            Value::Text(list.title.clone()),
            Value::Text(list.replies_policy.clone()),
            Value::Int64(list.exclusive as i64),
        ],
    )?;
    Ok(())
}

/// Deletes list `id` of `owner` and its members; returns whether it existed.
pub fn delete(db: &impl Handle, owner: i64, id: i64) -> Result<bool, Error> {
    let found = by_id(db, owner, id)?.is_some();
    if found {
        db.execute("DELETE FROM list_accounts WHERE list_id = $1", &[Value::Int64(id)])?;
        db.execute("DELETE FROM lists WHERE id = $1 AND account_id = $2", &[Value::Int64(id), Value::Int64(owner)])?;
    }
    Ok(found)
}

/// List `id` when `owner` owns it (another account's list is not found).
pub fn by_id(db: &impl Handle, owner: i64, id: i64) -> Result<Option<List>, Error> {
    let rows = db
        .query(&format!("SELECT {COLUMNS} FROM lists l WHERE l.id = $1 AND l.account_id = $2"), &[Value::Int64(id), Value::Int64(owner)])?;
    Ok(rows.first().map(|r| List::from_row(&r)))
}

/// Every list of `owner`, oldest first (Mastodon orders them by id).
pub fn of_owner(db: &impl Handle, owner: i64) -> Result<Vec<List>, Error> {
    let rows = db.query(&format!("SELECT {COLUMNS} FROM lists l WHERE l.account_id = $1 ORDER BY l.id"), &[Value::Int64(owner)])?;
    Ok(rows.iter().map(|r| List::from_row(&r)).collect())
}

/// The lists of `owner` that hold `account`, oldest first.
pub fn of_owner_holding(db: &impl Handle, owner: i64, account: i64) -> Result<Vec<List>, Error> {
    let rows = db.query(
        &format!(
            "SELECT {COLUMNS} FROM lists l JOIN list_accounts la ON la.list_id = l.id \
             WHERE l.account_id = $1 AND la.account_id = $2 ORDER BY l.id"
        ),
        &[Value::Int64(owner), Value::Int64(account)],
    )?;
    Ok(rows.iter().map(|r| List::from_row(&r)).collect())
}

/// Whether `owner` has an exclusive list with at least one member (only then does
/// the home timeline need to leave members out).
pub fn has_exclusive(db: &impl Handle, owner: i64) -> Result<bool, Error> {
    let rows = db.query(
        "SELECT 1 AS x FROM lists l WHERE l.account_id = $1 AND l.exclusive = 1 \
         AND EXISTS (SELECT 1 FROM list_accounts la WHERE la.list_id = l.id)",
        &[Value::Int64(owner)],
    )?;
    Ok(!rows.is_empty())
}

/// Which of `accounts` `owner` follows (only those may be added to a list).
pub fn followed_among(db: &impl Handle, owner: i64, accounts: &[i64]) -> Result<Vec<i64>, Error> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT f.target_account_id AS id FROM follows f WHERE f.account_id = $1 AND f.target_account_id IN ({})",
        placeholders(2, accounts.len())
    );
    let mut params = vec![Value::Int64(owner)];
    params.extend(accounts.iter().map(|a| Value::Int64(*a)));
    Ok(db.query(&sql, &params)?.iter().filter_map(|r| r.i64("id")).collect())
}

/// Adds `account` to list `list`; a member already there stays as it was.
pub fn add_member(db: &impl Handle, list: i64, account: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO list_accounts (list_id, account_id) VALUES ($1, $2) ON CONFLICT (list_id, account_id) DO NOTHING",
        &[Value::Int64(list), Value::Int64(account)],
    )?;
    Ok(())
}

/// Removes `account` from list `list`.
pub fn remove_member(db: &impl Handle, list: i64, account: i64) -> Result<(), Error> {
    db.execute("DELETE FROM list_accounts WHERE list_id = $1 AND account_id = $2", &[Value::Int64(list), Value::Int64(account)])?;
    Ok(())
}

/// Removes `account` from every list of `owner`: the follow between them ended.
pub fn leave_lists_of(db: &impl Handle, owner: i64, account: i64) -> Result<(), Error> {
    db.execute(
        "DELETE FROM list_accounts WHERE account_id = $2 AND list_id IN (SELECT l.id FROM lists l WHERE l.account_id = $1)",
        &[Value::Int64(owner), Value::Int64(account)],
    )?;
    Ok(())
}

/// A page of list `list`'s members (deleted accounts left out), as (page id,
/// account): paged on the member's account id, as Mastodon does. With `all`, every
/// member (Mastodon's `limit=0`), still in that order.
pub fn members_page(db: &impl Handle, list: i64, page: &Page, all: bool) -> Result<Vec<(i64, AccountRow)>, Error> {
    let (bounds, order, values) = page.sql("a.id", 2);
    let order = if all { format!("ORDER BY a.id {}", if page.ascending() { "ASC" } else { "DESC" }) } else { order };
    let sql = format!(
        "SELECT a.id AS page_id, {ACCOUNT_COLUMNS} FROM list_accounts la JOIN accounts a ON a.id = la.account_id \
         WHERE la.list_id = $1 AND a.deleted_at IS NULL AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(list)];
    params.extend(values.into_iter().map(Value::Int64));
    let rows = db.query(&sql, &params)?;
    Ok(page.finish(rows.iter().map(|r| (r.i64("page_id").unwrap_or_default(), AccountRow::from_row(&r))).collect()))
}

/// The condition of list `$3`'s timeline (owner `$1`, now `$2`) on status `s`, for
/// the visibility rule's page reader: statuses and reblogs by members (reblogs only
/// where the owner's follow shows them), replies by `policy` (see
/// [`REPLIES_POLICIES`]; a reply to the author themselves or to the owner always
/// shows), minus authors the owner mutes.
pub fn timeline_condition(policy: &str) -> String {
    let others = match policy {
        "followed" => " OR EXISTS (SELECT 1 FROM follows rf WHERE rf.account_id = $1 AND rf.target_account_id = s.in_reply_to_account_id)",
        "none" => "",
        _ => " OR EXISTS (SELECT 1 FROM list_accounts rl WHERE rl.list_id = $3 AND rl.account_id = s.in_reply_to_account_id)",
    };
    format!(
        "s.account_id IN (SELECT lm.account_id FROM list_accounts lm WHERE lm.list_id = $3) \
         AND (s.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM follows lf WHERE lf.account_id = $1 \
           AND lf.target_account_id = s.account_id AND lf.show_reblogs = 1)) \
         AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id \
           OR s.in_reply_to_account_id = $1{others}) \
         AND {NOT_MUTED}"
    )
}

/// Which of `accounts` are on list `list`.
pub fn member_ids(db: &impl Handle, list: i64, accounts: &[i64]) -> Result<Vec<i64>, Error> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT la.account_id AS id FROM list_accounts la WHERE la.list_id = $1 AND la.account_id IN ({})",
        placeholders(2, accounts.len())
    );
    let mut params = vec![Value::Int64(list)];
    params.extend(accounts.iter().map(|a| Value::Int64(*a)));
    Ok(db.query(&sql, &params)?.iter().filter_map(|r| r.i64("id")).collect())
}
