//! `GET /api/v1/accounts/search?q=`: local and known remote accounts whose username
//! or display name starts with the query (`name@domain` narrows to that domain);
//! `following=true` keeps only accounts the viewer follows. `resolve` is not used
//! yet (no WebFinger lookups from here).

use aerie_guest::db::{self, Value};
use aerie_guest::http::Response;
use aerie_guest::rows::{ACCOUNT_COLUMNS, AccountRow};

use crate::compose;
use crate::ctx::{Answer, Ctx};
use crate::load;

const DEFAULT_LIMIT: i64 = 40;
const MAX_LIMIT: i64 = 80;

/// `text` as a `LIKE` prefix pattern with `\` escaping the wildcards.
fn prefix_pattern(text: &str) -> String {
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

pub fn search(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read:accounts")?;
    let query = ctx.params.get("q").unwrap_or("").trim().trim_start_matches('@');
    if query.is_empty() {
        return Ok(Response::json(200, &serde_json::json!([])));
    }
    let limit = ctx.params.i64("limit").unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let offset = ctx.params.i64("offset").unwrap_or(0).max(0);
    let (name, domain) = match query.split_once('@') {
        Some((name, domain)) => (name, Some(domain.to_lowercase())),
        None => (query, None),
    };
    let mut params = vec![Value::Text(prefix_pattern(name)), Value::Text(name.to_lowercase())];
    let mut condition = String::from(
        "(lower(a.username) LIKE $1 ESCAPE '\\' OR lower(a.display_name) LIKE $1 ESCAPE '\\') AND a.deleted_at IS NULL AND a.suspended_at IS NULL",
    );
    if let Some(domain) = domain.filter(|d| !d.is_empty()) {
        if domain == compose::instance()?.domain.to_lowercase() {
            condition.push_str(" AND a.domain IS NULL");
        } else {
            params.push(Value::Text(prefix_pattern(&domain)));
            condition.push_str(&format!(" AND lower(a.domain) LIKE ${} ESCAPE '\\'", params.len()));
        }
    }
    if ctx.params.bool("following").unwrap_or(false) {
        let Some(viewer) = viewer else { return Ok(Response::json(200, &serde_json::json!([]))) };
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
    let rows: Vec<AccountRow> = db::query(&sql, &params)?.iter().map(|r| AccountRow::from_row(&r)).collect();
    Ok(Response::to_json(200, &load::accounts_to_api(&rows, &ctx.base)))
}
