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

/// The accounts any of `names` name, unless deleted or suspended, in one statement:
/// each is a username and a domain (`None`: a local account), both matched
/// case-insensitively. Empty without names.
pub fn named(db: &impl Handle, names: &[(&str, Option<&str>)]) -> Result<Vec<AccountRow>, Error> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    // One condition per domain with an IN list of its names, not one per name: a
    // post mentioning hundreds would otherwise nest hundreds of ORs.
    let mut by_domain: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for (username, domain) in names {
        let domain = domain.map(str::to_lowercase);
        match by_domain.iter_mut().find(|(d, _)| *d == domain) {
            Some((_, users)) => users.push(username.to_lowercase()),
            None => by_domain.push((domain, vec![username.to_lowercase()])),
        }
    }
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    for (domain, users) in by_domain {
        let first = params.len() + 1;
        params.extend(users.into_iter().map(Value::Text));
        let list = placeholders(first, params.len() - first + 1);
        match domain {
            None => conditions.push(format!("(lower(a.username) IN ({list}) AND a.domain IS NULL)")),
            Some(domain) => {
                params.push(Value::Text(domain));
                conditions.push(format!("(lower(a.username) IN ({list}) AND lower(a.domain) = ${})", params.len()));
            }
        }
    }
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE ({}) AND a.deleted_at IS NULL AND a.suspended_at IS NULL",
        conditions.join(" OR ")
    );
    Ok(db.query(&sql, &params)?.iter().map(|row| AccountRow::from_row(&row)).collect())
}

/// The local account `username` (case-insensitively), unless deleted or suspended.
pub fn local_by_username(db: &impl Handle, username: &str) -> Result<Option<AccountRow>, Error> {
    one(
        db,
        "lower(a.username) = lower($1) AND a.domain IS NULL AND a.deleted_at IS NULL AND a.suspended_at IS NULL",
        &[Value::Text(username.to_string())],
    )
}

/// The local account `username` (case-insensitively), deleted and suspended ones
/// included (an actor that is gone answers 410).
pub fn local_named(db: &impl Handle, username: &str) -> Result<Option<AccountRow>, Error> {
    one(db, "lower(a.username) = lower($1) AND a.domain IS NULL", &[Value::Text(username.to_string())])
}

/// The account with this actor URI or profile URL, unless deleted or suspended.
pub fn at_url(db: &impl Handle, url: &str) -> Result<Option<AccountRow>, Error> {
    one(
        db,
        "(a.uri = $1 OR a.url = $1) AND a.deleted_at IS NULL AND a.suspended_at IS NULL ORDER BY a.id LIMIT 1",
        &[Value::Text(url.to_string())],
    )
}

/// The actor URIs of accounts `account_ids`, as `(id, uri)` (empty when unknown).
pub fn uris_of(db: &impl Handle, account_ids: &[i64]) -> Result<Vec<(i64, String)>, Error> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT id, uri FROM accounts WHERE id IN ({})", placeholders(1, account_ids.len()));
    Ok(db.query(&sql, &ids(account_ids))?.iter().map(|r| (r.i64("id").unwrap_or_default(), r.string("uri").unwrap_or_default())).collect())
}

/// The inboxes (shared ones first) of those of `account_ids` that are remote, as stored.
pub fn remote_inboxes(db: &impl Handle, account_ids: &[i64]) -> Result<Vec<String>, Error> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox FROM accounts a \
         WHERE a.id IN ({}) AND a.domain IS NOT NULL AND a.deleted_at IS NULL AND COALESCE(a.shared_inbox_url, a.inbox_url) IS NOT NULL",
        placeholders(1, account_ids.len())
    );
    Ok(db.query(&sql, &ids(account_ids))?.iter().filter_map(|r| r.string("inbox")).collect())
}

/// Accounts `account_ids` (deleted ones too), in no particular order.
pub fn by_ids(db: &impl Handle, account_ids: &[i64]) -> Result<Vec<AccountRow>, Error> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id IN ({})", placeholders(1, account_ids.len()));
    Ok(db.query(&sql, &ids(account_ids))?.iter().map(|r| AccountRow::from_row(&r)).collect())
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

/// One of a profile's two pictures, by the column that keeps its file's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    Avatar,
    Header,
}

impl Picture {
    fn column(self) -> &'static str {
        match self {
            Picture::Avatar => "avatar_key",
            Picture::Header => "header_key",
        }
    }
}

/// Points account `id`'s `picture` at the file `key`.
pub fn set_picture(db: &impl Handle, id: i64, picture: Picture, key: &str) -> Result<(), Error> {
    db.execute(&format!("UPDATE accounts SET {} = $2 WHERE id = $1", picture.column()), &[Value::Int64(id), Value::Text(key.to_string())])?;
    Ok(())
}

/// Clears account `id`'s `picture`, updated at `now`, only if the row still names
/// the file `old` (a concurrent upload's file is left alone).
pub fn clear_picture(db: &impl Handle, id: i64, picture: Picture, old: &str, now: i64) -> Result<(), Error> {
    db.execute(
        &format!("UPDATE accounts SET {0} = NULL, updated_at = $3 WHERE id = $1 AND {0} = $2", picture.column()),
        &[Value::Int64(id), Value::Text(old.to_string()), Value::Int64(now)],
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

// ---------------------------------------------------------------------------------
// Remote accounts, as federation finds and stores them

/// How an account is looked up.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    Id(i64),
    /// By actor URI.
    Uri(&'a str),
    /// A local account by actor URI.
    LocalUri(&'a str),
    /// A remote account by profile URL (some servers' Mention hrefs).
    RemoteUrl(&'a str),
    /// A local account by username (lower-cased).
    LocalUsername(&'a str),
    /// An account by username and domain (both lower-cased).
    UsernameAt(&'a str, &'a str),
}

/// The account `lookup` finds, with when it was last fetched (remote ones).
pub fn find(db: &impl Handle, lookup: Lookup) -> Result<Option<(AccountRow, Option<i64>)>, Error> {
    let text = |v: &str| Value::Text(v.to_string());
    let (condition, params) = match lookup {
        Lookup::Id(id) => ("a.id = $1", vec![Value::Int64(id)]),
        Lookup::Uri(uri) => ("a.uri = $1", vec![text(uri)]),
        Lookup::LocalUri(uri) => ("a.uri = $1 AND a.domain IS NULL", vec![text(uri)]),
        Lookup::RemoteUrl(url) => ("a.url = $1 AND a.domain IS NOT NULL", vec![text(url)]),
        Lookup::LocalUsername(username) => ("lower(a.username) = $1 AND a.domain IS NULL", vec![text(username)]),
        Lookup::UsernameAt(username, domain) => ("lower(a.username) = $1 AND lower(a.domain) = $2", vec![text(username), text(domain)]),
    };
    let rows = db.query(&format!("SELECT {ACCOUNT_COLUMNS}, a.fetched_at FROM accounts a WHERE {condition} LIMIT 1"), &params)?;
    Ok(rows.first().map(|r| (AccountRow::from_row(&r), r.i64("fetched_at"))))
}

/// Updates remote account `values[0]` from its actor document. `values` are, in
/// order: id, username, display_name, note, url, avatar_url, header_url, actor_type,
/// locked, bot, discoverable, indexable, fields, also_known_as, inbox_url,
/// shared_inbox_url, outbox_url, followers_url, featured_url, public_key_id,
/// public_key_pem, fetched_at (also updated_at), uri, domain.
pub fn update_remote(db: &impl Handle, values: &[Value]) -> Result<(), Error> {
    db.execute(
        "UPDATE accounts SET username = $2, display_name = $3, note = $4, url = $5, avatar_url = $6, header_url = $7, \
           actor_type = $8, locked = $9, bot = $10, discoverable = $11, indexable = $12, fields = $13, also_known_as = $14, \
           inbox_url = $15, shared_inbox_url = $16, outbox_url = $17, followers_url = $18, featured_url = $19, \
           public_key_id = $20, public_key_pem = $21, fetched_at = $22, updated_at = $22, uri = $23, domain = $24 \
         WHERE id = $1",
        values,
    )?;
    Ok(())
}

/// Inserts a remote account: `values` as for [`update_remote`], then created_at.
pub fn insert_remote(db: &impl Handle, values: &[Value]) -> Result<(), Error> {
    db.execute(
        "INSERT INTO accounts (id, username, display_name, note, url, avatar_url, header_url, actor_type, locked, bot, \
           discoverable, indexable, fields, also_known_as, inbox_url, shared_inbox_url, outbox_url, followers_url, \
           featured_url, public_key_id, public_key_pem, fetched_at, updated_at, uri, domain, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $23, $24, $25)",
        values,
    )?;
    Ok(())
}

/// Records that account `id` moved to account `target`.
pub fn set_moved_to(db: &impl Handle, id: i64, target: i64) -> Result<(), Error> {
    db.execute("UPDATE accounts SET moved_to_account_id = $2 WHERE id = $1", &[Value::Int64(id), Value::Int64(target)])?;
    Ok(())
}

/// The local accounts among actor URIs `uris`.
pub fn local_ids_among(db: &impl Handle, uris: &[&String]) -> Result<Vec<i64>, Error> {
    if uris.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<Value> = uris.iter().map(|u| Value::Text((*u).clone())).collect();
    Ok(db
        .query(&format!("SELECT a.id FROM accounts a WHERE a.domain IS NULL AND a.uri IN ({})", placeholders(1, params.len())), &params)?
        .iter()
        .filter_map(|r| r.i64("id"))
        .collect())
}

/// Marks account `id` deleted at `now`.
pub fn mark_deleted(db: &impl Handle, id: i64, now: i64) -> Result<(), Error> {
    db.execute("UPDATE accounts SET deleted_at = $2, updated_at = $2 WHERE id = $1", &[Value::Int64(id), Value::Int64(now)])?;
    Ok(())
}

/// The actor URIs account `id` says it also is (`alsoKnownAs`), empty when none.
pub fn also_known_as(db: &impl Handle, id: i64) -> Result<Vec<String>, Error> {
    let rows = db.query("SELECT also_known_as FROM accounts WHERE id = $1", &[Value::Int64(id)])?;
    Ok(rows.first().and_then(|r| r.string("also_known_as")).and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
}

/// What account `id`'s actor says of its other names: `alsoKnownAs` (empty when
/// none) and the URI of the account it moved to (`movedTo`).
pub fn actor_links(db: &impl Handle, id: i64) -> Result<(Vec<String>, Option<String>), Error> {
    let rows = db.query(
        "SELECT a.also_known_as, m.uri AS moved_to FROM accounts a LEFT JOIN accounts m ON m.id = a.moved_to_account_id WHERE a.id = $1",
        &[Value::Int64(id)],
    )?;
    let row = rows.first();
    let also_known_as = row.as_ref().and_then(|r| r.text("also_known_as").and_then(|t| serde_json::from_str(t).ok())).unwrap_or_default();
    Ok((also_known_as, row.and_then(|r| r.string("moved_to"))))
}
