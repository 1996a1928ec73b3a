//! `accounts` as the client API reads them: one account by id, by name or address,
//! accounts matching a search, pages of followers and following, familiar followers.

use aerie_sdk::db::{Error, Handle, Value, ids, placeholders};

use crate::rows::{ACCOUNT_COLUMNS, AccountRow};

fn one(db: &impl Handle, condition: &str, params: &[Value]) -> Result<Option<AccountRow>, Error> {
    let rows = db.query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE {condition}"), params)?;
    Ok(rows.first().map(|r| AccountRow::from_row(&r)))
}

/// Account `id` (deleted and suspended ones included).
pub fn by_id(db: &impl Handle, id: i64) -> Result<Option<AccountRow>, Error> {
    one(db, "a.id = $1", &[Value::Int64(id)])
}

/// The account `username` (case-insensitively) on `domain` (empty: a local one),
/// unless deleted.
pub fn by_acct(db: &impl Handle, username: &str, domain: &str) -> Result<Option<AccountRow>, Error> {
    one(
        db,
        "lower(a.username) = $1 AND COALESCE(a.domain, '') = $2 AND a.deleted_at IS NULL",
        &[Value::Text(username.to_lowercase()), Value::Text(domain.to_string())],
    )
}

/// The local account `username` (case-insensitively), unless deleted or suspended.
pub fn local_by_username(db: &impl Handle, username: &str) -> Result<Option<AccountRow>, Error> {
    one(
        db,
        "lower(a.username) = lower($1) AND a.domain IS NULL AND a.deleted_at IS NULL AND a.suspended_at IS NULL",
        &[Value::Text(username.to_string())],
    )
}

/// The account with this actor URI or profile URL, unless deleted or suspended.
pub fn at_url(db: &impl Handle, url: &str) -> Result<Option<AccountRow>, Error> {
    one(
        db,
        "(a.uri = $1 OR a.url = $1) AND a.deleted_at IS NULL AND a.suspended_at IS NULL ORDER BY a.id LIMIT 1",
        &[Value::Text(url.to_string())],
    )
}

/// `text` as a `LIKE` prefix pattern with `\` escaping the wildcards.
pub fn prefix_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Where a searched account lives.
pub enum SearchDomain {
    Anywhere,
    /// This instance.
    Local,
    /// Remote domains starting with this.
    Remote(String),
}

/// Accounts (not deleted or suspended) whose username or display name starts with
/// `name`, on `domain`; only those `following_of` follows when given. Exact
/// usernames first, then local ones, then by followers.
pub fn search(
    db: &impl Handle,
    name: &str,
    domain: SearchDomain,
    following_of: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<Vec<AccountRow>, Error> {
    let mut params = vec![Value::Text(prefix_pattern(name)), Value::Text(name.to_lowercase())];
    let mut condition = String::from(
        "(lower(a.username) LIKE $1 ESCAPE '\\' OR lower(a.display_name) LIKE $1 ESCAPE '\\') AND a.deleted_at IS NULL AND a.suspended_at IS NULL",
    );
    match domain {
        SearchDomain::Anywhere => {}
        SearchDomain::Local => condition.push_str(" AND a.domain IS NULL"),
        SearchDomain::Remote(domain) => {
            params.push(Value::Text(prefix_pattern(&domain)));
            condition.push_str(&format!(" AND lower(a.domain) LIKE ${} ESCAPE '\\'", params.len()));
        }
    }
    if let Some(viewer) = following_of {
        params.push(Value::Int64(viewer));
        condition.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM follows sf WHERE sf.account_id = ${} AND sf.target_account_id = a.id)",
            params.len()
        ));
    }
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE {condition} \
         ORDER BY CASE WHEN lower(a.username) = $2 THEN 0 ELSE 1 END, CASE WHEN a.domain IS NULL THEN 0 ELSE 1 END, \
           a.followers_count DESC, a.id LIMIT {limit} OFFSET {offset}"
    );
    Ok(db.query(&sql, &params)?.iter().map(|r| AccountRow::from_row(&r)).collect())
}

/// For each of `accounts`, the accounts `viewer` follows that follow it (not
/// deleted or suspended), as `(account, familiar follower)`.
pub fn familiar_followers(db: &impl Handle, viewer: i64, accounts: &[i64]) -> Result<Vec<(i64, AccountRow)>, Error> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT theirs.target_account_id AS familiar_of, {ACCOUNT_COLUMNS} FROM follows mine \
         JOIN follows theirs ON theirs.account_id = mine.target_account_id \
         JOIN accounts a ON a.id = mine.target_account_id \
         WHERE mine.account_id = $1 AND theirs.target_account_id IN ({}) AND a.deleted_at IS NULL AND a.suspended_at IS NULL \
         ORDER BY a.id",
        placeholders(2, accounts.len())
    );
    let mut params = vec![Value::Int64(viewer)];
    params.extend(ids(accounts));
    Ok(db.query(&sql, &params)?.iter().map(|row| (row.i64("familiar_of").unwrap_or_default(), AccountRow::from_row(&row))).collect())
}

/// Which side of `follows` a page lists.
#[derive(Clone, Copy)]
pub enum FollowSide {
    /// The accounts following the account.
    Followers,
    /// The accounts the account follows.
    Following,
}

/// A page of the accounts on one side of `account`'s follows (not deleted or
/// suspended), with each follow's id: `bounds` and `order` are the page's SQL
/// (its parameters, `bound_values`, numbered from `$2`).
pub fn follow_page(
    db: &impl Handle,
    account: i64,
    side: FollowSide,
    bounds: &str,
    order: &str,
    bound_values: Vec<i64>,
) -> Result<Vec<(i64, AccountRow)>, Error> {
    let (listed, fixed) = match side {
        FollowSide::Followers => ("account_id", "target_account_id"),
        FollowSide::Following => ("target_account_id", "account_id"),
    };
    let sql = format!(
        "SELECT f.id AS page_id, {ACCOUNT_COLUMNS} FROM follows f JOIN accounts a ON a.id = f.{listed} \
         WHERE f.{fixed} = $1 AND a.deleted_at IS NULL AND a.suspended_at IS NULL AND {bounds} {order}"
    );
    let mut params = vec![Value::Int64(account)];
    params.extend(bound_values.into_iter().map(Value::Int64));
    Ok(db.query(&sql, &params)?.iter().map(|r| (r.i64("page_id").unwrap_or_default(), AccountRow::from_row(&r))).collect())
}

/// A local account's `users` row as its owner sees it: role and settings (JSON).
pub struct UserFacts {
    pub role: String,
    pub settings: serde_json::Value,
}

/// The role and settings of local account `account` (`user` and `{}` without a row).
pub fn user_facts(db: &impl Handle, account: i64) -> Result<UserFacts, Error> {
    let rows = db.query("SELECT role, settings FROM users WHERE account_id = $1", &[Value::Int64(account)])?;
    let row = rows.first();
    Ok(UserFacts {
        role: row.as_ref().and_then(|r| r.string("role")).unwrap_or_else(|| "user".into()),
        settings: row.and_then(|r| r.text("settings").and_then(|s| serde_json::from_str(s).ok())).unwrap_or_else(|| serde_json::json!({})),
    })
}

/// The settings (JSON) of local account `account`; `Null` without a row or when unreadable.
pub fn user_settings(db: &impl Handle, account: i64) -> Result<serde_json::Value, Error> {
    let rows = db.query("SELECT settings FROM users WHERE account_id = $1", &[Value::Int64(account)])?;
    Ok(rows.first().and_then(|r| r.text("settings").and_then(|s| serde_json::from_str(s).ok())).unwrap_or_default())
}

/// How many follow requests wait for `account`'s answer.
pub fn pending_follow_requests(db: &impl Handle, account: i64) -> Result<i64, Error> {
    let rows = db.query("SELECT COUNT(*) AS n FROM follow_requests WHERE target_account_id = $1", &[Value::Int64(account)])?;
    Ok(rows.first().and_then(|r| r.i64("n")).unwrap_or(0))
}

/// Writes the profile fields of `account` (display name, note, locked, bot,
/// discoverable, indexable, fields) as those of local account `id`, updated at `now`.
pub fn update_profile(db: &impl Handle, id: i64, account: &AccountRow, now: i64) -> Result<(), Error> {
    db.execute(
        "UPDATE accounts SET display_name = $2, note = $3, locked = $4, bot = $5, discoverable = $6, indexable = $7, fields = $8, updated_at = $9 \
         WHERE id = $1",
        &[
            Value::Int64(id),
            Value::Text(account.display_name.clone()),
            Value::Text(account.note.clone()),
            Value::Int64(account.locked as i64),
            Value::Int64(account.bot as i64),
            Value::Int64(account.discoverable as i64),
            Value::Int64(account.indexable as i64),
            Value::Text(account.fields.clone()),
            Value::Int64(now),
        ],
    )?;
    Ok(())
}

/// Writes the settings (JSON) of local account `account`, updated at `now`.
pub fn update_user_settings(db: &impl Handle, account: i64, settings: &serde_json::Value, now: i64) -> Result<(), Error> {
    db.execute(
        "UPDATE users SET settings = $2, updated_at = $3 WHERE account_id = $1",
        &[Value::Int64(account), Value::Text(settings.to_string()), Value::Int64(now)],
    )?;
    Ok(())
}
