//! `filters`, `filter_keywords`, `filter_statuses`: what an account does not want to
//! read (Mastodon's filters v2; a v1 filter is one keyword of a filter). Every read
//! is scoped to the owning account, so another account's filter is simply not found.

use aerie_sdk::db::{Error, Handle, Row, Value, ids, placeholders};

/// One filter (without its keywords and statuses).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterRow {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    /// A subset of [`crate::filtering::CONTEXTS`] (stored as a JSON array).
    pub context: Vec<String>,
    /// One of [`crate::filtering::ACTIONS`].
    pub action: String,
    /// Milliseconds since the epoch; `None`: never.
    pub expires_at: Option<i64>,
}

/// One keyword of a filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeywordRow {
    pub id: i64,
    pub filter_id: i64,
    pub keyword: String,
    pub whole_word: bool,
}

/// One status a filter names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterStatusRow {
    pub id: i64,
    pub filter_id: i64,
    pub status_id: i64,
}

/// A filter with its keywords and statuses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FullFilter {
    pub filter: FilterRow,
    pub keywords: Vec<KeywordRow>,
    pub statuses: Vec<FilterStatusRow>,
}

const FILTER_COLUMNS: &str = "f.id, f.account_id, f.title, f.context, f.action, f.expires_at";

fn filter_from_row(row: &Row) -> FilterRow {
    FilterRow {
        id: row.i64("id").unwrap_or_default(),
        account_id: row.i64("account_id").unwrap_or_default(),
        title: row.string("title").unwrap_or_default(),
        context: serde_json::from_str(row.text("context").unwrap_or("[]")).unwrap_or_default(),
        action: row.string("action").unwrap_or_default(),
        expires_at: row.i64("expires_at"),
    }
}

fn keyword_from_row(row: &Row) -> KeywordRow {
    KeywordRow {
        id: row.i64("id").unwrap_or_default(),
        filter_id: row.i64("filter_id").unwrap_or_default(),
        keyword: row.string("keyword").unwrap_or_default(),
        whole_word: row.bool("whole_word"),
    }
}

fn status_from_row(row: &Row) -> FilterStatusRow {
    FilterStatusRow {
        id: row.i64("id").unwrap_or_default(),
        filter_id: row.i64("filter_id").unwrap_or_default(),
        status_id: row.i64("status_id").unwrap_or_default(),
    }
}

fn context_json(context: &[String]) -> String {
    serde_json::to_string(context).unwrap_or_else(|_| "[]".to_string())
}

/// Attaches keywords and statuses (two statements) to `filters`, in their order.
fn with_rules(db: &impl Handle, filters: Vec<FilterRow>) -> Result<Vec<FullFilter>, Error> {
    if filters.is_empty() {
        return Ok(Vec::new());
    }
    let filter_ids: Vec<i64> = filters.iter().map(|f| f.id).collect();
    let list = placeholders(1, filter_ids.len());
    let keywords = db.query(
        &format!("SELECT id, filter_id, keyword, whole_word FROM filter_keywords WHERE filter_id IN ({list}) ORDER BY id"),
        &ids(&filter_ids),
    )?;
    let statuses = db.query(
        &format!("SELECT id, filter_id, status_id FROM filter_statuses WHERE filter_id IN ({list}) ORDER BY id"),
        &ids(&filter_ids),
    )?;
    let keywords: Vec<KeywordRow> = keywords.iter().map(|r| keyword_from_row(&r)).collect();
    let statuses: Vec<FilterStatusRow> = statuses.iter().map(|r| status_from_row(&r)).collect();
    Ok(filters
        .into_iter()
        .map(|filter| FullFilter {
            keywords: keywords.iter().filter(|k| k.filter_id == filter.id).cloned().collect(),
            statuses: statuses.iter().filter(|s| s.filter_id == filter.id).cloned().collect(),
            filter,
        })
        .collect())
}

/// Every filter of `account` (expired ones too, as Mastodon lists them), oldest first.
pub fn of_account(db: &impl Handle, account: i64) -> Result<Vec<FullFilter>, Error> {
    let rows =
        db.query(&format!("SELECT {FILTER_COLUMNS} FROM filters f WHERE f.account_id = $1 ORDER BY f.id"), &[Value::Int64(account)])?;
    with_rules(db, rows.iter().map(|r| filter_from_row(&r)).collect())
}

/// `account`'s filters in force at `now` (not expired), with their rules: what a page
/// of statuses is matched against.
pub fn active(db: &impl Handle, account: i64, now: i64) -> Result<Vec<FullFilter>, Error> {
    let rows = db.query(
        &format!(
            "SELECT {FILTER_COLUMNS} FROM filters f WHERE f.account_id = $1 AND (f.expires_at IS NULL OR f.expires_at > $2) ORDER BY f.id"
        ),
        &[Value::Int64(account), Value::Int64(now)],
    )?;
    with_rules(db, rows.iter().map(|r| filter_from_row(&r)).collect())
}

/// `account`'s filter `id` with its rules.
pub fn by_id(db: &impl Handle, account: i64, id: i64) -> Result<Option<FullFilter>, Error> {
    let rows = db.query(
        &format!("SELECT {FILTER_COLUMNS} FROM filters f WHERE f.id = $1 AND f.account_id = $2"),
        &[Value::Int64(id), Value::Int64(account)],
    )?;
    Ok(with_rules(db, rows.iter().map(|r| filter_from_row(&r)).collect())?.pop())
}

/// Adds `filter` (its `id` and `account_id` set by the caller) at `now`.
pub fn insert(db: &impl Handle, filter: &FilterRow, now: i64) -> Result<(), Error> {
    db.execute(
        "INSERT INTO filters (id, account_id, title, context, action, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        &[
            Value::Int64(filter.id),
            Value::Int64(filter.account_id),
            Value::Text(filter.title.clone()),
            Value::Text(context_json(&filter.context)),
            Value::Text(filter.action.clone()),
            filter.expires_at.map(Value::Int64).unwrap_or(Value::Null),
            Value::Int64(now),
        ],
    )?;
    Ok(())
}

/// Saves `filter`'s title, context, action and expiry (it belongs to `filter.account_id`).
pub fn update(db: &impl Handle, filter: &FilterRow, now: i64) -> Result<(), Error> {
    db.execute(
        "UPDATE filters SET title = $1, context = $2, action = $3, expires_at = $4, updated_at = $5 WHERE id = $6 AND account_id = $7",
        &[
            Value::Text(filter.title.clone()),
            Value::Text(context_json(&filter.context)),
            Value::Text(filter.action.clone()),
            filter.expires_at.map(Value::Int64).unwrap_or(Value::Null),
            Value::Int64(now),
            Value::Int64(filter.id),
            Value::Int64(filter.account_id),
        ],
    )?;
    Ok(())
}

/// Deletes `account`'s filter `id` with its keywords and statuses; whether it existed.
pub fn delete(db: &impl Handle, account: i64, id: i64) -> Result<bool, Error> {
    let owned = "SELECT id FROM filters WHERE id = $1 AND account_id = $2";
    let params = [Value::Int64(id), Value::Int64(account)];
    db.execute(&format!("DELETE FROM filter_keywords WHERE filter_id IN ({owned})"), &params)?;
    db.execute(&format!("DELETE FROM filter_statuses WHERE filter_id IN ({owned})"), &params)?;
    Ok(db.execute("DELETE FROM filters WHERE id = $1 AND account_id = $2", &params)? > 0)
}

/// `account`'s keyword `id` (through its filter).
pub fn keyword_by_id(db: &impl Handle, account: i64, id: i64) -> Result<Option<KeywordRow>, Error> {
    let rows = db.query(
        "SELECT k.id, k.filter_id, k.keyword, k.whole_word FROM filter_keywords k JOIN filters f ON f.id = k.filter_id \
         WHERE k.id = $1 AND f.account_id = $2",
        &[Value::Int64(id), Value::Int64(account)],
    )?;
    Ok(rows.first().map(|r| keyword_from_row(&r)))
}

/// Adds keyword `keyword` (row `keyword.id`) to filter `keyword.filter_id`.
pub fn insert_keyword(db: &impl Handle, keyword: &KeywordRow) -> Result<(), Error> {
    db.execute(
        "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES ($1, $2, $3, $4)",
        &[
            Value::Int64(keyword.id),
            Value::Int64(keyword.filter_id),
            Value::Text(keyword.keyword.clone()),
            Value::Int64(keyword.whole_word as i64),
        ],
    )?;
    Ok(())
}

/// Saves keyword `keyword.id`'s text and `whole_word` (within filter `keyword.filter_id`).
pub fn update_keyword(db: &impl Handle, keyword: &KeywordRow) -> Result<(), Error> {
    db.execute(
        "UPDATE filter_keywords SET keyword = $1, whole_word = $2 WHERE id = $3 AND filter_id = $4",
        &[
            Value::Text(keyword.keyword.clone()),
            Value::Int64(keyword.whole_word as i64),
            Value::Int64(keyword.id),
            Value::Int64(keyword.filter_id),
        ],
    )?;
    Ok(())
}

/// Deletes keyword `id` of filter `filter_id`.
pub fn delete_keyword(db: &impl Handle, filter_id: i64, id: i64) -> Result<(), Error> {
    db.execute("DELETE FROM filter_keywords WHERE id = $1 AND filter_id = $2", &[Value::Int64(id), Value::Int64(filter_id)])?;
    Ok(())
}

/// `account`'s filter status `id` (through its filter).
pub fn status_by_id(db: &impl Handle, account: i64, id: i64) -> Result<Option<FilterStatusRow>, Error> {
    let rows = db.query(
        "SELECT fs.id, fs.filter_id, fs.status_id FROM filter_statuses fs JOIN filters f ON f.id = fs.filter_id \
         WHERE fs.id = $1 AND f.account_id = $2",
        &[Value::Int64(id), Value::Int64(account)],
    )?;
    Ok(rows.first().map(|r| status_from_row(&r)))
}

/// Adds status `row.status_id` to filter `row.filter_id` (row `row.id`);
/// false when the filter names it already.
pub fn insert_status(db: &impl Handle, row: &FilterStatusRow) -> Result<bool, Error> {
    let added = db.execute(
        "INSERT INTO filter_statuses (id, filter_id, status_id) VALUES ($1, $2, $3) ON CONFLICT (filter_id, status_id) DO NOTHING",
        &[Value::Int64(row.id), Value::Int64(row.filter_id), Value::Int64(row.status_id)],
    )?;
    Ok(added > 0)
}

/// Deletes filter status `id` of filter `filter_id`.
pub fn delete_status(db: &impl Handle, filter_id: i64, id: i64) -> Result<(), Error> {
    db.execute("DELETE FROM filter_statuses WHERE id = $1 AND filter_id = $2", &[Value::Int64(id), Value::Int64(filter_id)])?;
    Ok(())
}

/// The part of [`crate::store::status_pages::surroundings`]' statement that reads the
/// expiry of each of viewer `$v`'s filters (kind `q`, expiry in `ord`), so that a page
/// loads the filters themselves only when one is in force.
pub fn expiries_part(viewer: &str) -> String {
    format!("SELECT 'q', NULL, f.id, NULL, NULL, NULL, NULL, f.expires_at FROM filters f WHERE f.account_id = {viewer}")
}
