//! Batch loading: rows by id and whole pages of client entities, with a fixed number
//! of queries per page (never one per status). Every status read goes through
//! [`visible_sql`], the one visibility rule.

use std::collections::{HashMap, HashSet};

use aerie_core::convert::{self, StatusParts};
use aerie_core::entities::{Account, Status};
use aerie_core::filtering::{Filters, Scope};
use aerie_core::rows::{ACCOUNT_COLUMNS, ACCOUNT_ENTITY_COLUMNS, AccountRow, StatusRow};
use aerie_core::store::filters;
use aerie_core::store::status_pages::{self, Surroundings};
use aerie_sdk::db::{self, Autocommit, Value, ids, placeholders};
use aerie_sdk::http::Response;
use aerie_sdk::settings;

pub use aerie_core::visible::status_rows;

/// Accounts by id (deleted ones left out).
pub fn accounts(account_ids: &[i64]) -> Result<HashMap<i64, AccountRow>, Response> {
    accounts_with(ACCOUNT_COLUMNS, AccountRow::from_row, account_ids)
}

/// Accounts by id with only what their entities show (see [`ACCOUNT_ENTITY_COLUMNS`]):
/// the authors of a page of statuses, where the federation columns (a public key is
/// half a kilobyte) would be read and copied into the component for nothing.
fn entity_accounts(account_ids: &[i64]) -> Result<HashMap<i64, AccountRow>, Response> {
    accounts_with(ACCOUNT_ENTITY_COLUMNS, AccountRow::from_entity_row, account_ids)
}

fn accounts_with(columns: &str, parse: fn(&db::Row) -> AccountRow, account_ids: &[i64]) -> Result<HashMap<i64, AccountRow>, Response> {
    Ok(status_pages::accounts_with(&Autocommit, columns, parse, account_ids)?)
}

/// One account that exists and is not deleted.
pub fn account(id: i64) -> Result<Option<AccountRow>, Response> {
    Ok(accounts(&[id])?.remove(&id))
}

/// One account, or Mastodon's 404.
pub fn account_or_404(id: i64) -> Result<AccountRow, Response> {
    account(id)?.ok_or_else(Response::not_found)
}

/// Accounts as entities, in the order of `rows`.
pub fn accounts_to_api(rows: &[AccountRow], base: &str) -> Vec<Account> {
    rows.iter().map(|row| convert::account_to_api(row, base)).collect()
}

/// Statuses by id that `viewer` may see, keyed by id.
pub fn visible_statuses(viewer: Option<i64>, status_ids: &[i64]) -> Result<HashMap<i64, StatusRow>, Response> {
    if status_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = status_rows(viewer, "", &format!("s.id IN ({})", placeholders(2, status_ids.len())), "", ids(status_ids))?;
    Ok(rows.into_iter().map(|s| (s.id, s)).collect())
}

/// One status `viewer` may see, or Mastodon's 404.
pub fn visible_status(viewer: Option<i64>, id: i64) -> Result<StatusRow, Response> {
    visible_statuses(viewer, &[id])?.remove(&id).ok_or_else(Response::not_found)
}

/// Turns status rows (already checked against the visibility rule) into entities:
/// reblogged originals, authors, polls and media in one query each, and mentions,
/// tags, applications and the viewer's state together ([`surroundings`]). A reblog
/// whose original the viewer may not see is left out. The viewer's filters are
/// reported on every status, whatever their context (see [`statuses_in`]).
pub fn statuses_to_api(viewer: Option<i64>, base: &str, rows: &[StatusRow]) -> Result<Vec<Status>, Response> {
    statuses_in(viewer, base, rows, Scope::Any)
}

/// The viewer's filters in force, read only when the page's [`Surroundings`] saw one
/// that has not expired (a viewer without filters costs nothing more).
fn viewer_filters(viewer: Option<i64>, expiries: &[Option<i64>]) -> Result<Filters, Response> {
    let Some(viewer) = viewer else { return Ok(Filters::default()) };
    let now = settings::now_millis();
    if !expiries.iter().any(|at| at.is_none_or(|at| at > now)) {
        return Ok(Filters::default());
    }
    Ok(Filters::new(filters::active(&Autocommit, viewer, now)?))
}

/// [`statuses_to_api`] for a list filtered as `scope`: for a context, statuses a
/// `hide` filter of that context matches are left out and the other matches are in
/// `filtered`; for [`Scope::Any`] every match is in `filtered` and nothing is left out.
pub fn statuses_in(viewer: Option<i64>, base: &str, rows: &[StatusRow], scope: Scope) -> Result<Vec<Status>, Response> {
    let reblog_ids: Vec<i64> = rows.iter().filter_map(|s| s.reblog_of_id).collect();
    let originals = visible_statuses(viewer, &reblog_ids)?;
    let content: Vec<&StatusRow> = rows.iter().filter(|s| s.reblog_of_id.is_none()).chain(originals.values()).collect();
    let mut content_ids: Vec<i64> = content.iter().map(|s| s.id).collect();
    content_ids.sort_unstable();
    content_ids.dedup();
    let account_ids: Vec<i64> = rows.iter().chain(originals.values()).map(|s| s.account_id).collect();
    let authors = entity_accounts(&account_ids)?;

    let app_ids: Vec<i64> =
        content.iter().filter_map(|s| s.application_id.filter(|_| s.local)).collect::<HashSet<_>>().into_iter().collect();
    let Surroundings { mentions, tags, apps, state, filter_expiries } =
        status_pages::surroundings(&Autocommit, viewer, base, &content_ids, &app_ids)?;
    let filters = viewer_filters(viewer, &filter_expiries)?;
    let filtering = filters.applies(scope);
    let poll_ids: Vec<i64> = content.iter().filter_map(|s| s.poll_id).collect();
    let polls = crate::polls::entities(viewer, &poll_ids)?;
    let media = aerie_core::media::for_statuses(&content_ids)?;
    let emojis = crate::status_emojis::of_page(base, &content, &authors)?;
    let author_emojis = crate::status_emojis::of_authors(base, &authors)?;

    let build = |row: &StatusRow, reblog: Option<Status>| -> Option<Status> {
        let author = authors.get(&row.account_id)?;
        let flag = |set: &HashSet<i64>| viewer.map(|_| set.contains(&row.id));
        let parts = StatusParts {
            account: Account {
                emojis: author_emojis.get(&author.id).cloned().unwrap_or_default(),
                ..convert::account_to_api(author, base)
            },
            mentions: mentions.get(&row.id).cloned().unwrap_or_default(),
            tags: tags.get(&row.id).cloned().unwrap_or_default(),
            application: row.application_id.filter(|_| row.local).and_then(|id| apps.get(&id)).map(convert::application_to_api),
            poll: row.poll_id.and_then(|id| polls.get(&id)).cloned(),
            media_attachments: media
                .get(&row.id)
                .map(|list| list.iter().map(|m| aerie_core::media::media_to_api(m, base)).collect())
                .unwrap_or_default(),
            favourited: flag(&state.favourited),
            reblogged: flag(&state.reblogged),
            bookmarked: flag(&state.bookmarked),
            pinned: viewer.filter(|v| *v == row.account_id).map(|_| state.pinned.contains(&row.id)),
            muted: flag(&state.muted),
            reblog,
        };
        let mut status = convert::status_to_api(row, parts);
        status.emojis = emojis.get(&row.id).cloned().unwrap_or_default();
        Some(status)
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let status = match row.reblog_of_id {
            None => build(row, None),
            Some(original) => {
                let Some(original) = originals.get(&original).and_then(|o| build(o, None)) else { continue };
                let mut status = build(row, Some(original.clone()));
                // A reblog mirrors its original's state for the viewer, as in Mastodon.
                if let Some(s) = status.as_mut() {
                    s.favourited = original.favourited;
                    s.reblogged = original.reblogged;
                    s.bookmarked = original.bookmarked;
                    s.muted = original.muted;
                    s.pinned = None;
                    s.mentions = Vec::new();
                    s.tags = Vec::new();
                    s.application = None;
                    s.poll = None;
                }
                status
            }
        };
        let Some(mut status) = status else { continue };
        if viewer.is_some() {
            // Signed-in viewers always get `filtered`, as from Mastodon.
            let found = if filtering { filters.apply(scope, &status) } else { Some(Vec::new()) };
            let Some(found) = found else { continue };
            if let Some(original) = status.reblog.as_mut() {
                original.filtered = Some(found.clone());
            }
            status.filtered = Some(found);
        }
        out.push(status);
    }
    Ok(out)
}

/// One status as an entity, for the answers of single-status endpoints.
pub fn status_to_api(viewer: Option<i64>, base: &str, row: &StatusRow) -> Result<Status, Response> {
    statuses_to_api(viewer, base, std::slice::from_ref(row))?.pop().ok_or_else(Response::not_found)
}

/// A paged list of statuses: `condition` and `from` (joins) on alias `s` with the
/// viewer as `$1` and `params` as `$2...`; paged on `page_column` (`s.id`, or the id
/// of a joined bookmark or favourite), answered with a `Link` header.
pub fn status_page(
    ctx: &crate::ctx::Ctx,
    viewer: Option<i64>,
    from: &str,
    condition: &str,
    params: Vec<Value>,
    page_column: &str,
) -> crate::ctx::Answer {
    status_page_in(ctx, viewer, from, condition, params, page_column, Scope::Any)
}

/// [`status_page`] for a timeline filtered as `scope` (see [`statuses_in`]).
pub fn status_page_in(
    ctx: &crate::ctx::Ctx,
    viewer: Option<i64>,
    from: &str,
    condition: &str,
    params: Vec<Value>,
    page_column: &str,
    scope: Scope,
) -> crate::ctx::Answer {
    let page = aerie_core::contract::paging::Page::from_query(&ctx.request.query);
    let rows = status_pages::page(&Autocommit, viewer, &page, from, condition, params, page_column)?;
    page_answer_in(ctx, viewer, page.finish(rows), scope)
}

/// A page of statuses (already under the visibility rule, newest first, each with its
/// paging id) as the client's answer filtered as `scope` (see [`statuses_in`]), with
/// its `Link` header (over the rows read, left-out ones included).
pub fn page_answer_in(ctx: &crate::ctx::Ctx, viewer: Option<i64>, rows: Vec<(i64, StatusRow)>, scope: Scope) -> crate::ctx::Answer {
    let page_ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let statuses: Vec<StatusRow> = rows.into_iter().map(|(_, s)| s).collect();
    let entities = statuses_in(viewer, &ctx.base, &statuses, scope)?;
    Ok(crate::links::with_link(ctx, Response::to_json(200, &entities), &page_ids))
}
