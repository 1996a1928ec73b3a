//! `GET /api/v2/search?q=&type=&resolve=&limit=&offset=&following=`: accounts (as
//! `/api/v1/accounts/search`), statuses and hashtags, as Mastodon without a search
//! engine answers it. A URL finds the account or status it names: known ones from
//! the database, others (with `resolve=true` and a user) fetched from their server.
//! Statuses are only ever answered when the viewer may see them (the one visibility
//! rule). Hashtags match by prefix. Anonymous requests may neither resolve nor page.

use aerie_core::activitystreams::Object;
use aerie_core::rows::{AccountRow, StatusRow};
use aerie_core::store;
use aerie_core::{convert, remote};
use aerie_sdk::db::Autocommit;
use aerie_sdk::federation;
use aerie_sdk::http::Response;
use aerie_sdk::log;

use crate::ctx::{Answer, Ctx};
use crate::load;
use crate::routes::api::v1::accounts::search as account_search;

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 40;

/// Whether `query` is a web address (which names one account or status).
fn is_url(query: &str) -> bool {
    (query.starts_with("https://") || query.starts_with("http://")) && !query.contains(char::is_whitespace)
}

/// A known account with this actor URI or profile URL.
fn account_at(url: &str) -> Result<Option<AccountRow>, Response> {
    Ok(store::accounts::at_url(&Autocommit, url)?)
}

/// What a URL names: an account and/or the id of a status. Known objects come from
/// the database; with `resolve`, an unknown URL is fetched once and stored as what it
/// turns out to be (an actor or a status). Failures are logged and find nothing.
fn at_url(url: &str, resolve: bool) -> Result<(Option<AccountRow>, Option<i64>), Response> {
    if let Some(account) = account_at(url)? {
        return Ok((Some(account), None));
    }
    if let Some(status) = remote::status_by_uri(url)? {
        return Ok((None, status.deleted_at.is_none().then_some(status.id)));
    }
    // This instance's own objects are all in the database.
    if !resolve || remote::LocalInstance::load().map(|i| i.is_local(url)).unwrap_or(true) {
        return Ok((None, None));
    }
    let fetched = match federation::fetch_json(url) {
        Ok(value) => value,
        Err(e) => {
            log::info(&format!("search: fetching {url} failed: {e}"));
            return Ok((None, None));
        }
    };
    match Object::from_value(fetched) {
        Object::Actor(actor) => match remote::resolve_account_uri(&actor.id) {
            Ok(account) => Ok((Some(account).filter(|a| a.deleted_at.is_none() && a.suspended_at.is_none()), None)),
            Err(e) => {
                log::info(&format!("search: resolving the actor at {url} failed: {e}"));
                Ok((None, None))
            }
        },
        Object::Note(note) => {
            let uri = if note.id.is_empty() { url.to_string() } else { note.id.clone() };
            match remote::resolve_status_uri(&uri) {
                Ok(id) => Ok((None, id)),
                Err(e) => {
                    log::info(&format!("search: resolving the status at {url} failed: {e}"));
                    Ok((None, None))
                }
            }
        }
        _ => Ok((None, None)),
    }
}

/// Hashtags whose name starts with `query` (without `#`), most used first.
fn hashtags(query: &str, limit: i64, offset: i64, base: &str) -> Result<Vec<aerie_core::entities::Tag>, Response> {
    let name = query.trim().trim_start_matches('#');
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Ok(Vec::new());
    }
    let rows = store::tags::search(&Autocommit, &account_search::prefix_pattern(name), name, limit, offset)?;
    Ok(rows
        .iter()
        .map(|r| {
            let mut tag = convert::tag_to_api(r, base);
            tag.history = Some(Vec::new());
            tag
        })
        .collect())
}

pub fn search(ctx: &Ctx) -> Answer {
    let viewer = ctx.viewer.optional("read:search")?;
    let p = &ctx.params;
    let Some(query) = p.get("q").map(str::trim) else { return Err(Response::error(400, "Missing parameter: q")) };
    let resolve = p.bool("resolve").unwrap_or(false);
    let offset = p.i64("offset").unwrap_or(0).max(0);
    if viewer.is_none() && offset > 0 {
        return Err(Response::error(401, "Search queries pagination is not supported without authentication"));
    }
    if viewer.is_none() && resolve {
        return Err(Response::error(401, "Search queries that resolve remote resources are not supported without authentication"));
    }
    let limit = p.i64("limit").unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let kind = p.get("type").filter(|t| !t.is_empty());
    let wants = |name: &str| kind.is_none_or(|k| k == name);
    let following = p.bool("following").unwrap_or(false);

    let mut accounts: Vec<AccountRow> = Vec::new();
    let mut statuses: Vec<StatusRow> = Vec::new();
    let mut tags = Vec::new();
    if !query.is_empty() {
        if is_url(query) {
            if offset == 0 {
                let (account, status) = at_url(query, resolve)?;
                if wants("accounts") {
                    accounts.extend(account);
                }
                if wants("statuses")
                    && let Some(id) = status
                {
                    // Only a status the viewer may see, by the one visibility rule.
                    statuses.extend(load::visible_statuses(viewer, &[id])?.remove(&id));
                }
            }
        } else {
            if wants("accounts") {
                accounts = account_search::find(viewer, query, resolve, limit, offset, following)?;
            }
            if wants("hashtags") {
                tags = hashtags(query, limit, offset, &ctx.base)?;
            }
        }
    }
    let statuses = load::statuses_to_api(viewer, &ctx.base, &statuses)?;
    Ok(Response::json(
        200,
        &serde_json::json!({
            "accounts": load::accounts_to_api(&accounts, &ctx.base),
            "statuses": statuses,
            "hashtags": tags,
        }),
    ))
}
