//! `GET /api/v1/accounts/search?q=`: local and known remote accounts whose username
//! or display name starts with the query (`name@domain` narrows to that domain);
//! `following=true` keeps only accounts the viewer follows. With `resolve=true` and a
//! user token, an exact `name@domain` of an unknown (or stale) remote account is
//! looked up with WebFinger and fetched, and comes first, as in Mastodon.

use aerie_core::remote;
use aerie_core::rows::AccountRow;
use aerie_core::store;
use aerie_core::store::accounts::SearchDomain;
use aerie_sdk::db::Autocommit;
use aerie_sdk::http::Response;
use aerie_sdk::log;

use crate::compose;
use crate::ctx::{Answer, Ctx};
use crate::load;

const DEFAULT_LIMIT: i64 = 40;
const MAX_LIMIT: i64 = 80;

pub use aerie_core::store::accounts::prefix_pattern;

/// `name@domain` (with or without the leading `@`) when `query` is exactly that.
pub fn as_acct(query: &str) -> Option<(&str, &str)> {
    let query = query.trim().trim_start_matches('@');
    let (name, domain) = query.split_once('@')?;
    let name_ok = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
    let domain_ok = domain.contains('.') || domain.contains(':') || domain == "localhost";
    let domain_ok = domain_ok && !domain.is_empty() && domain.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':'));
    (name_ok && domain_ok).then_some((name, domain))
}

/// The account `query` names exactly (`name@domain`), resolved through WebFinger when
/// unknown; failures are logged and count as not found.
pub fn resolve_acct(query: &str) -> Option<AccountRow> {
    let (name, domain) = as_acct(query)?;
    match remote::resolve_acct(name, domain) {
        Ok(found) => found.filter(|a| a.deleted_at.is_none() && a.suspended_at.is_none()),
        Err(e) => {
            log::info(&format!("search: resolving {name}@{domain} failed: {e}"));
            None
        }
    }
}

/// Accounts matching `query` by prefix, as described above (without resolving).
pub fn matching(viewer: Option<i64>, query: &str, limit: i64, offset: i64, following: bool) -> Result<Vec<AccountRow>, Response> {
    let query = query.trim().trim_start_matches('@');
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let (name, domain) = match query.split_once('@') {
        Some((name, domain)) => (name, Some(domain.to_lowercase())),
        None => (query, None),
    };
    let domain = match domain.filter(|d| !d.is_empty()) {
        None => SearchDomain::Anywhere,
        Some(domain) if domain == compose::instance()?.domain.to_lowercase() => SearchDomain::Local,
        Some(domain) => SearchDomain::Remote(domain),
    };
    let following_of = match (following, viewer) {
        (false, _) => None,
        (true, Some(viewer)) => Some(viewer),
        (true, None) => return Ok(Vec::new()),
    };
    Ok(store::accounts::search(&Autocommit, name, domain, following_of, limit, offset)?)
}

/// Accounts for `query`: with `resolve` (and a user), the exactly named account
/// first (fetched if need be), then the prefix matches.
pub fn find(
    viewer: Option<i64>,
    query: &str,
    resolve: bool,
    limit: i64,
    offset: i64,
    following: bool,
) -> Result<Vec<AccountRow>, Response> {
    let mut rows = matching(viewer, query, limit, offset, following)?;
    if resolve
        && viewer.is_some()
        && offset == 0
        && !following
        && let Some(exact) = resolve_acct(query)
    {
        rows.retain(|a| a.id != exact.id);
        rows.insert(0, exact);
        rows.truncate(limit as usize);
    }
    Ok(rows)
}

pub fn search(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read:accounts")?;
    let query = ctx.params.get("q").unwrap_or("");
    let limit = ctx.params.i64("limit").unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let offset = ctx.params.i64("offset").unwrap_or(0).max(0);
    let resolve = ctx.params.bool("resolve").unwrap_or(false);
    let following = ctx.params.bool("following").unwrap_or(false);
    let rows = find(viewer, query, resolve, limit, offset, following)?;
    Ok(Response::to_json(200, &load::accounts_to_api(&rows, &ctx.base)))
}
